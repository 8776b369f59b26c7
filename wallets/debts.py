"""A person's debt on the ledger: what they owe after money they already had was taken back.

A debt arises when money must be returned that the person no longer holds, e.g. an
affiliate commission adjusted down after it was paid out, or a reward paid early that is
reversed later. The one who was owed is paid at once (``debt_incur`` credits the
creditor's account), and the person's ``USER_OWED`` account goes below zero by the
same amount: the ledger stays balanced and the debt is a fact in it, not a note beside
it. The person repays from money that reaches them later (``debt_repay``), and no payout
is made while they owe (``payouts.services.payout_request`` asks ``debt_owed``).

The debt account never rises above zero: ``debt_repay`` locks the source and the debt
account rows in primary-key order (the order ``wallets_post`` takes them in, so no
deadlock with any posting) and repays at most what is owed and what the source holds.
``ledger_check`` reports a debt account above zero as a violation.

A debt nobody can repay any more (the person deleted their account) is closed by
``debt_close``: repaid from their balance as far as it goes, and the rest written off
(``debt_write_off``) to the platform's ``PLATFORM_WRITE_OFF`` account, which goes below
zero by TikJoy's loss, so no debt is left on an erased account.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from django.db import transaction
from django.db.models import Model
from moneyed import Money

from wallets.models import PLATFORM, Account, Purpose
from wallets.services import LedgerError, account_for, post

DEBT_INCUR_KIND = "DEBT_INCURRED"
DEBT_REPAY_KIND = "DEBT_REPAID"
DEBT_WRITE_OFF_KIND = "DEBT_WRITTEN_OFF"


def debt_owed(*, owner, currency: str) -> Money:
    """What ``owner`` owes in ``currency`` (zero when nothing), read from the ledger."""
    value = (
        Account.objects.owned_by(owner)
        .filter(purpose=Purpose.USER_OWED, currency=currency, partition="")
        .values_list("balance", flat=True)
        .first()
    )
    return Money(-(value or 0), currency)


def debts_of(*, owner) -> list[Money]:
    """Every currency in which ``owner`` owes something."""
    rows = (
        Account.objects.owned_by(owner)
        .filter(purpose=Purpose.USER_OWED, balance__lt=0)
        .order_by("currency")
        .values_list("balance", "currency")
    )
    return [Money(-value, currency) for value, currency in rows]


def debt_incur(
    *,
    owner,
    creditor: Account,
    amount: Money,
    kind: str = DEBT_INCUR_KIND,
    reason: str,
    idempotency_key: str,
    actor: Model | None = None,
    subject: Model | None = None,
    now: datetime,
):
    """``owner`` now owes ``amount`` more; ``creditor`` is paid that amount at once."""
    if amount.amount <= 0:
        raise LedgerError("A debt is a positive amount.")
    if creditor.currency != str(amount.currency):
        raise LedgerError("A debt and its creditor must be in the same currency.")
    owed = account_for(owner=owner, purpose=Purpose.USER_OWED, currency=creditor.currency)
    return post(
        entries=[(owed, -amount), (creditor, amount)],
        kind=kind,
        reason=reason,
        idempotency_key=idempotency_key,
        actor=actor,
        subject=subject,
        now=now,
    )


def debt_repay(
    *,
    owner,
    source: Account,
    kind: str = DEBT_REPAY_KIND,
    reason: str,
    idempotency_key: str,
    actor: Model | None = None,
    subject: Model | None = None,
    now: datetime,
) -> Money:
    """Repay as much of ``owner``'s debt as ``source`` (one of their accounts) holds; returns what
    was repaid (zero when they owe nothing or the source is empty).

    Run it in the caller's transaction *before* any other posting to the person's accounts,
    or in a transaction of its own: it locks the two account rows first, in primary-key order.
    """
    currency = source.currency
    owed = account_for(owner=owner, purpose=Purpose.USER_OWED, currency=currency)
    with transaction.atomic():
        rows = dict(
            Account.objects.select_for_update()
            .filter(pk__in=[owed.pk, source.pk])
            .order_by("pk")
            .values_list("pk", "balance")
        )
        amount = min(-rows[owed.pk], rows[source.pk])
        if amount <= 0:
            return Money(0, currency)
        repaid = Money(amount, currency)
        post(
            entries=[(source, -repaid), (owed, repaid)],
            kind=kind,
            reason=reason,
            idempotency_key=idempotency_key,
            actor=actor,
            subject=subject,
            now=now,
        )
    return repaid


def debt_write_off(
    *,
    owner,
    currency: str,
    reason: str,
    idempotency_key: str,
    actor: Model | None = None,
    subject: Model | None = None,
    now: datetime,
) -> Money:
    """Write off all ``owner`` still owes in ``currency`` (TikJoy's loss, ``PLATFORM_WRITE_OFF``); returns
    the amount (zero when nothing is owed). Locks both rows, the debt account and the write-off account,
    first and in primary-key order (like ``debt_repay``), before the balance is read."""
    owed = account_for(owner=owner, purpose=Purpose.USER_OWED, currency=currency)
    loss = account_for(owner=PLATFORM, purpose=Purpose.PLATFORM_WRITE_OFF, currency=currency)
    with transaction.atomic():
        rows = dict(
            Account.objects.select_for_update()
            .filter(pk__in=[owed.pk, loss.pk])
            .order_by("pk")
            .values_list("pk", "balance")
        )
        if rows[owed.pk] >= 0:
            return Money(0, currency)
        amount = Money(-rows[owed.pk], currency)
        post(
            entries=[(loss, -amount), (owed, amount)],
            kind=DEBT_WRITE_OFF_KIND,
            reason=reason,
            idempotency_key=idempotency_key,
            actor=actor,
            subject=subject,
            now=now,
        )
    return amount


def debt_close(
    *,
    owner,
    source: Account,
    also_lock: Sequence[Account] = (),
    repay_reason: str,
    write_off_reason: str,
    idempotency_key: str,
    actor: Model | None = None,
    subject: Model | None = None,
    now: datetime,
) -> tuple[Money, Money]:
    """``owner`` will never repay (their account is being deleted): repay their debt in ``source``'s
    currency from ``source`` as far as it goes, write off the rest; returns (repaid, written off).

    Locks, in primary-key order and before anything else, the debt account, ``source``, the
    write-off account and ``also_lock`` (accounts the caller posts to next in the same transaction,
    e.g. where the rest of ``source`` goes), so no posting of the caller's transaction takes a
    ledger lock out of the one order.
    """
    currency = source.currency
    owed = account_for(owner=owner, purpose=Purpose.USER_OWED, currency=currency)
    loss = account_for(owner=PLATFORM, purpose=Purpose.PLATFORM_WRITE_OFF, currency=currency)
    with transaction.atomic():
        list(
            Account.objects.select_for_update()
            .filter(pk__in=[owed.pk, source.pk, loss.pk, *(a.pk for a in also_lock)])
            .order_by("pk")
            .values_list("pk", flat=True)
        )
        repaid = debt_repay(
            owner=owner,
            source=source,
            reason=repay_reason,
            idempotency_key=f"{idempotency_key}:repay",
            actor=actor,
            subject=subject,
            now=now,
        )
        written_off = debt_write_off(
            owner=owner,
            currency=currency,
            reason=write_off_reason,
            idempotency_key=f"{idempotency_key}:write-off",
            actor=actor,
            subject=subject,
            now=now,
        )
    return repaid, written_off
