"""ISO 20022 status and return reason codes: what the person is told, and what happens next.

Codes from the ISO external code list (ExternalStatusReason1Code /
ExternalReturnReason1Code) as the EPC's SEPA credit transfer rulebook uses them.

- ``BLOCK_IBAN``: the account itself is wrong or closed; the bank details are
  blocked until the person edits them (a retry would fail the same way).
- ``COMPLIANCE``: regulatory or deceased; goes to compliance, never retried, and
  the bank details are blocked too.
- ``OPS``: our own data was wrong; ops are alerted; the person may ask again.
- ``RETRY``: nothing wrong with the details; the person may ask again.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from django.utils.translation import gettext_noop


class Action(StrEnum):
    BLOCK_IBAN = "BLOCK_IBAN"
    COMPLIANCE = "COMPLIANCE"
    OPS = "OPS"
    RETRY = "RETRY"


@dataclass(frozen=True)
class ReasonCode:
    code: str
    message: str
    action: Action


_CODES = [
    ReasonCode(
        "AC01",
        gettext_noop(
            "Your bank says the IBAN is not correct. Please check your bank details and enter them again before asking for another payout."
        ),
        Action.BLOCK_IBAN,
    ),
    ReasonCode(
        "AC04",
        gettext_noop(
            "Your bank says this account is closed. Please check your bank details and enter them again before asking for another payout."
        ),
        Action.BLOCK_IBAN,
    ),
    ReasonCode(
        "AC06",
        gettext_noop(
            "Your bank says this account is blocked. Please check your bank details and enter them again before asking for another payout."
        ),
        Action.BLOCK_IBAN,
    ),
    ReasonCode(
        "AC13",
        gettext_noop(
            "Your bank says this account can't receive this kind of payment. Please check your bank details and enter them again before asking for another payout."
        ),
        Action.BLOCK_IBAN,
    ),
    ReasonCode(
        "AG01",
        gettext_noop(
            "Your bank says this account can't receive transfers. Please check your bank details and enter them again before asking for another payout."
        ),
        Action.BLOCK_IBAN,
    ),
    ReasonCode(
        "AG02",
        gettext_noop("The bank could not process the transfer. We are looking into it; you can ask again."),
        Action.OPS,
    ),
    ReasonCode(
        "BE04",
        gettext_noop(
            "Your bank needs the account holder's address. Please check your bank details and enter them again before asking for another payout."
        ),
        Action.BLOCK_IBAN,
    ),
    ReasonCode(
        "RR03",
        gettext_noop(
            "Your bank says the account holder's name or address is missing. Please check your bank details and enter them again before asking for another payout."
        ),
        Action.BLOCK_IBAN,
    ),
    ReasonCode(
        "MS03",
        gettext_noop(
            "Your bank refused the transfer without giving a reason. Please check your bank details and enter them again before asking for another payout."
        ),
        Action.BLOCK_IBAN,
    ),
    ReasonCode(
        "MS02",
        gettext_noop(
            "The account holder refused the transfer. Please check your bank details and enter them again before asking for another payout."
        ),
        Action.BLOCK_IBAN,
    ),
    ReasonCode(
        "RR04",
        gettext_noop(
            "Your bank refused the transfer for regulatory reasons. Our compliance team will contact you."
        ),
        Action.COMPLIANCE,
    ),
    ReasonCode(
        "MD07",
        gettext_noop(
            "The bank told us the account holder has died. Our compliance team will contact the account's contact."
        ),
        Action.COMPLIANCE,
    ),
    ReasonCode(
        "RR01",
        gettext_noop(
            "The transfer was refused because of a mistake in our data. We are fixing it; you can ask again."
        ),
        Action.OPS,
    ),
    ReasonCode(
        "RR02",
        gettext_noop(
            "The transfer was refused because of a mistake in our data. We are fixing it; you can ask again."
        ),
        Action.OPS,
    ),
    ReasonCode(
        "FF01",
        gettext_noop(
            "The transfer was refused because of a mistake in our file. We are fixing it; you can ask again."
        ),
        Action.OPS,
    ),
    ReasonCode(
        "AM05",
        gettext_noop("The bank saw this transfer twice and refused the copy. You can ask again."),
        Action.OPS,
    ),
    ReasonCode(
        "CUST",
        gettext_noop("The transfer was returned at the account holder's request. You can ask again."),
        Action.RETRY,
    ),
    ReasonCode(
        "FOCR", gettext_noop("The transfer was returned after a recall. You can ask again."), Action.RETRY
    ),
    ReasonCode(
        "DUPL",
        gettext_noop("The bank saw this transfer twice and returned the copy. You can ask again."),
        Action.OPS,
    ),
    ReasonCode(
        "TM01", gettext_noop("The bank received the transfer too late. You can ask again."), Action.RETRY
    ),
]
# The messages are kept in English on the payout (``Payout.reason``) and translated where a person
# reads them (``{% translate payout.reason %}``): marked here with ``gettext_noop`` for the catalogue.
REASON_CODES: dict[str, ReasonCode] = {reason.code: reason for reason in _CODES}

# A code outside the table: one sentence for all of them, so it is translated where it is read (the
# code itself is shown beside it, from ``Payout.reason_code``). It read "(code ZZZZ)" inside the
# sentence, which no catalogue could match: English on every page, and the code twice.
_UNKNOWN_MESSAGE = gettext_noop(
    "The bank did not accept the transfer. We are looking into it; you can ask again."
)


def reason_for(code: str) -> ReasonCode:
    """The mapping for ``code``; an unknown code alerts ops and lets the person ask again."""
    code = (code or "").strip().upper()[:4]
    known = REASON_CODES.get(code)
    if known:
        return known
    return ReasonCode(code or "NARR", _UNKNOWN_MESSAGE, Action.OPS)
