"""Who is told that a person's payout left the bank or came back, once the import that records it commits.

payouts knows nothing of the apps that count what was paid out (affiliates' commissions are PAID while
the money that left the bank covers them, docs/affiliates.md "Paid"), and they can't import payouts (they
are siblings): the composition layer registers their tasks here (``tikjoy.commissions_paid``), as it
registers payouts' IBANs with affiliates (``tikjoy.duplicates``). A task is a dotted path; it is queued
after the commit (``core.tasks.after_commit``) with ``user_ids`` (the people whose payout left the bank or
came back, up to 500 a task), ``currency`` and ``at`` (the import's time, ISO 8601). Like every task it
reloads what it needs from the ledger and is safe to run twice.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from core.tasks import after_commit

_PAID_OUT_TASKS: list[str] = []
CHUNK = 500


def paid_out_task_register(func: str) -> None:
    if func not in _PAID_OUT_TASKS:
        _PAID_OUT_TASKS.append(func)


def paid_out_tell(*, payees: Iterable[tuple[int, str]], now: datetime) -> None:
    """Queue each registered task for the people (``(user_id, currency)``) whose payout left the bank or
    came back in the caller's transaction, once it commits; one person is named once."""
    by_currency: dict[str, list[int]] = {}
    for user_id, currency in sorted(set(payees)):
        by_currency.setdefault(currency, []).append(user_id)
    for func in _PAID_OUT_TASKS:
        for currency, user_ids in by_currency.items():
            for offset in range(0, len(user_ids), CHUNK):
                after_commit(
                    func, user_ids=user_ids[offset : offset + CHUNK], currency=currency, at=now.isoformat()
                )
