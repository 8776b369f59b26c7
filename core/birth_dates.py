"""A birth date a person types: whether it can be real, and their age from it.

One rule for every form that asks it (payouts' identity; Promote's age asks the same): a birth
date is before today and at most ``OLDEST_AGE`` years ago. One that is not ("2090-01-01",
"1850-01-01") is refused as not real (``birth_date_unreal_text``), never measured against an age
limit ("you must be 18") it has nothing to do with.
"""

from __future__ import annotations

from datetime import date

from django.utils.translation import gettext

OLDEST_AGE = 120


def age_on(birth_date: date, today: date) -> int:
    """Whole years from ``birth_date`` to ``today`` (one more on each birthday)."""
    return today.year - birth_date.year - ((today.month, today.day) < (birth_date.month, birth_date.day))


def birth_date_is_real(birth_date: date, *, today: date) -> bool:
    return birth_date < today and age_on(birth_date, today) <= OLDEST_AGE


def birth_date_unreal_text() -> str:
    return gettext("Enter your real birth date.")
