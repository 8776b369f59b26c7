"""Why a payout changed state: recorded in English, shown in the reader's language (docs/payouts.md).

``PayoutEvent.reason`` is written once, in English, as the books are (one language in the record),
from one of the templates here and its parameters. A page reads it through ``reason_text``: the
recorded words are matched back to their template and the template is translated, so every event,
the ones recorded before this module existed too, reads in the ops person's language. Words ops
typed themselves (a rejection's reason) are shown as they wrote them.
"""

from __future__ import annotations

import re

from django.utils.translation import gettext, gettext_noop

REQUESTED = gettext_noop("Asked by the person")
AUTO_APPROVED = gettext_noop("Approved automatically: below %(limit)s EUR, identity verified, no risk signal")
APPROVED = gettext_noop("Approved by ops")
CANCELLED = gettext_noop("Cancelled by the person")
SENT = gettext_noop("Sent to the bank in %(batch)s")
ACCEPTED = gettext_noop("Accepted by the bank")
DEBITED = gettext_noop("Debited from the platform's bank account")
REJECTED = gettext_noop("Rejected by the bank (%(code)s): %(message)s")
RETURNED = gettext_noop("Returned by the payee's bank (%(code)s): %(message)s")

_TEMPLATES = (REQUESTED, AUTO_APPROVED, APPROVED, CANCELLED, SENT, ACCEPTED, DEBITED, REJECTED, RETURNED)
_PLACEHOLDER = re.compile(r"%\\\((?P<name>[a-z_]+)\\\)s")


def _pattern(template: str) -> re.Pattern[str]:
    return re.compile(_PLACEHOLDER.sub(r"(?P<\g<name>>.+?)", re.escape(template)), re.DOTALL)


_PATTERNS = [(template, _pattern(template)) for template in _TEMPLATES]


def recorded(template: str, **params: object) -> str:
    """The reason as recorded (English): one of the templates above with its parameters."""
    return template % params


def reason_text(reason: str) -> str:
    """A recorded reason in the active language; words that match no template, as recorded."""
    for template, pattern in _PATTERNS:
        if match := pattern.fullmatch(reason):
            params = match.groupdict()
            if "message" in params:  # what the person was told (payouts/reasons.py), itself a msgid
                params["message"] = gettext(params["message"])
            return gettext(template) % params
    return reason


# A payout's own "reason" (``Payout.reason``), where its state stands, recorded in English like the
# events and shown in the reader's language (``payout_reason_text``; a rejected or returned payout's
# reason is the bank's, from payouts/reasons.py, and a rejection ops typed is shown as written).
WAITING = gettext_noop("Waiting for our check.")
APPROVED_NEXT_TRANSFER = gettext_noop("Approved; it goes out with our next bank transfer.")
CANCELLED_BY_PERSON = gettext_noop("You cancelled it.")
SENT_TO_BANK = gettext_noop("Sent to our bank.")
ACCEPTED_BY_BANK = gettext_noop("Accepted by our bank; on its way to your account.")
PAID = gettext_noop("Paid.")


def payout_reason_text(reason: str) -> str:
    """A payout's recorded reason in the active language: a state's own words and the bank's reasons
    (msgids both), anything else (ops' words) as recorded."""
    return gettext(reason) if reason else ""
