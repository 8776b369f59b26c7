"""Affiliates' commissions follow the money payouts records: affiliates and payouts are siblings (neither
imports the other), so the composition layer, which sees both, registers affiliates' task with payouts
(``payouts.paid_out``), as it hands affiliates payouts' IBANs (``tikjoy.duplicates``).

When an import of a bank file that records a person's payout leaving the bank (``PAYOUT_PAID``) or coming
back (``PAYOUT_RETURN``) commits, the task marks that person's approved commissions PAID, or a returned
payout's PAID ones APPROVED again ("in your wallet"), at once, and the merchant hears ``commission.paid`` /
``commission.approved`` then, not after the next daily run (docs/affiliates.md, "Paid"). The daily run
does the same for everyone, as a safety net; both lock the person first, so they never race."""

from __future__ import annotations

from payouts.paid_out import paid_out_task_register

COMMISSIONS_FOLLOW_PAYOUTS = "affiliates.tasks.commissions_follow_payouts"


def register() -> None:
    paid_out_task_register(COMMISSIONS_FOLLOW_PAYOUTS)
