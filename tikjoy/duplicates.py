"""Duplicate affiliate accounts by IBAN: affiliates and payouts are siblings (neither imports the other),
so the composition layer, which sees both, hands affiliates the check (``affiliates.holds.DuplicateCheck``).
Affiliates asks it when a commission is tracked and again before it locks (an IBAN is often given later,
to be paid); a match holds the commission for a person to release or reverse (docs/affiliates.md)."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from affiliates.holds import DuplicateCheck, duplicate_check_register
from payouts.selectors import iban_shared_users

SAME_IBAN = DuplicateCheck(code="IBAN", what=_("bank account (IBAN)"), shared=iban_shared_users)


def register() -> None:
    duplicate_check_register(SAME_IBAN)
