"""What importing a bank file did, in the language of the person reading it (docs/payouts.md).

The import keeps its record in English, as the books do: ``BankFile.summary`` and each
``BankLine.outcome`` are written once and never change with a reader. What it did is also kept as
data, ``BankFile.details`` (counts by outcome, and each line that matched no payout with why), and
ops read it through ``summary_text`` / ``outcome_text``: the message after an upload, the bank files'
list and a file's lines are in the ops person's language, at the moment they read them. A file
imported before ``details`` existed shows its stored summary as written.
"""

from __future__ import annotations

import re
from typing import Any

from django.utils.translation import gettext, pgettext, pgettext_lazy

from payouts.models import PayoutState
from wallets.formats import list_text, money_text

# The outcome of one line, as the import records it (``_Applier`` in services.py).
ACCEPTED, PAID, REJECTED, RETURNED = "accepted", "paid", "rejected", "returned"
NO_PAYOUT = "no payout with this reference"
AMOUNT_DIFFERS = "amount differs"  # the kind of a ``details["not_matched"]`` entry

_WORDS = {
    ACCEPTED: pgettext_lazy("bank file line", "accepted"),
    PAID: pgettext_lazy("bank file line", "paid"),
    REJECTED: pgettext_lazy("bank file line", "rejected"),
    RETURNED: pgettext_lazy("bank file line", "returned"),
}
_LEFT = re.compile(r"left (?P<state>[a-z_]+)")
_STATUS = re.compile(r"status (?P<status>\S+): nothing to do")
_AMOUNT = re.compile(r"amount (?P<amount>\S+) (?P<currency>\S*) differs from the payout's (?P<payout>.+)")


def left_outcome(state: str) -> str:
    """The recorded outcome of a line for a payout already past what the line says (left as it was)."""
    return f"left {state.lower()}"


def status_outcome(status: str) -> str:
    return f"status {status}: nothing to do"


def outcome_text(outcome: str) -> str:
    """One line's recorded outcome (English, ``BankLine.outcome``) in the active language."""
    if outcome in _WORDS:
        return str(_WORDS[outcome])
    if match := _LEFT.fullmatch(outcome):
        try:
            state = PayoutState(match["state"].upper()).label
        except ValueError:
            return outcome
        return pgettext("bank file line", "left as it was (%(state)s)") % {"state": state}
    if match := _STATUS.fullmatch(outcome):
        return pgettext("bank file line", "status %(status)s: nothing to do") % {"status": match["status"]}
    if outcome == NO_PAYOUT:
        return pgettext("bank file line", "no payout with this reference")
    if match := _AMOUNT.fullmatch(outcome):
        return pgettext("bank file line", "amount %(amount)s differs from the payout's %(payout)s") % {
            "amount": f"{match['amount']} {match['currency']}".strip(),
            "payout": match["payout"],
        }
    return outcome  # a bank's reason, as recorded


def _not_matched_text(entry: dict[str, Any]) -> str:
    if entry.get("kind") == AMOUNT_DIFFERS:
        why = pgettext("bank file line", "amount %(amount)s differs from the payout's %(payout)s") % {
            "amount": money_text(entry["amount"], entry.get("currency") or None),
            "payout": money_text(entry["payout_amount"], entry["payout_currency"]),
        }
    else:
        why = pgettext("bank file line", "no payout with this reference")
    return gettext("%(reference)s: %(why)s") % {"reference": entry["end_to_end_id"], "why": why}


def summary_text(details: dict[str, Any], *, recorded: str = "") -> str:
    """A file's import in words, in the active language; ``recorded`` (the stored English) if no details."""
    if not details:
        return recorded
    parts = [
        gettext("applied: %(count)s") % {"count": details.get("applied", 0)},
        gettext("already applied: %(count)s") % {"count": details.get("skipped", 0)},
    ]
    parts += [
        gettext("%(outcome)s: %(count)s") % {"outcome": outcome_text(outcome), "count": count}
        for outcome, count in sorted(details.get("outcomes", {}).items())
    ]
    not_matched = details.get("not_matched", [])
    if not_matched:
        parts.append(
            gettext("not matched: %(count)s (%(lines)s)")
            % {"count": len(not_matched), "lines": list_text(_not_matched_text(e) for e in not_matched[:20])}
        )
    return " · ".join(parts)
