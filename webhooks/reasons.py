"""Why an endpoint stopped, and how long deliveries are retried: the words a person reads.

``WebhookEndpoint.disabled_reason`` keeps the reason in English (the API returns it as recorded);
a page or an e-mail shows it in its reader's language with ``disabled_reason_text``, which
recognises each reason TikJoy records (with its figures) and leaves any other text as it is.
"""

from __future__ import annotations

import re
from functools import cache

from django.conf import settings
from django.utils import translation
from django.utils.translation import gettext_lazy as _

from core.i18n import after_colon

# Seconds after the first attempt's failure at which each retry is made (Standard Webhooks' advice:
# back off over days). Each delay gets up to 10 % of jitter so failed endpoints aren't hit in step.
# They add up to about three days (``retry_days``): the console and the disable e-mail say so.
RETRY_DELAYS = [5, 5 * 60, 30 * 60, 2 * 3600, 5 * 3600, 10 * 3600, 14 * 3600, 20 * 3600, 24 * 3600]

GONE = _("The endpoint answered 410 Gone.")
FAILING = _("Failing for %(attempts)s attempts over about three days.")
DISABLED_IN_CONSOLE = _("Disabled in the console.")
DISABLED_THROUGH_API = _("Disabled through the API.")
_KNOWN = (GONE, FAILING, DISABLED_IN_CONSOLE, DISABLED_THROUGH_API)


def retry_days(delays: list[int] | None = None) -> int:
    """How many days the retries last, rounded (at least one): 75.6 hours are about 3 days."""
    seconds = sum(RETRY_DELAYS if delays is None else delays)
    return max(1, round(seconds / 86400))


def reason_english(why, params: dict | None = None) -> str:
    """A reason as recorded in ``disabled_reason``: in English, whatever language is active."""
    with translation.override(settings.LANGUAGE_CODE):
        return str(why) % (params or {})


@cache
def _patterns() -> tuple[tuple[re.Pattern, object], ...]:
    found = []
    for why in _KNOWN:
        english = reason_english(why, {"attempts": "\0"}).replace("\0", "%(attempts)s")
        pattern = re.escape(english).replace(re.escape("%(attempts)s"), r"(?P<attempts>\d+)")
        found.append((re.compile(pattern), why))
    return tuple(found)


def disabled_reason_text(recorded: str, *, after_a_colon: bool = False) -> str:
    """A recorded reason in the active language: "Échec sur 10 tentatives en trois jours environ."
    for "Failing for 10 attempts over about three days."; a text TikJoy doesn't know, as it is.
    ``after_a_colon``: written after "Disabled:", so in lower case where the language wants it
    (``core.i18n.after_colon``); a text TikJoy doesn't know keeps its own words."""
    for pattern, why in _patterns():
        match = pattern.fullmatch(recorded)
        if match:
            text = str(why) % match.groupdict()
            return after_colon(text) if after_a_colon else text
    return recorded
