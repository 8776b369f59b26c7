"""The ledger's write API. Every money movement in TikJoy goes through ``post``.

    transfer(source=..., destination=..., amount=Money("1.00", "EUR"), kind="TOP_UP",
             reason="...", idempotency_key="topup:REF")
    post(entries=[(merchant_acct, -price), (user_pending, share), (revenue, margin)], ...)

A call with an idempotency key that was used before returns the first
transaction and changes nothing when the parameters are the same, and raises
``IdempotencyConflict`` when they differ.

Concurrency: balances change through one conditional UPDATE per account,
``balance = balance + delta WHERE allow_negative OR balance + delta >= 0``,
issued in primary-key order, so row locks are always taken in the same order
(no deadlock) and no balance is read, compared in Python and written back (no
lost update, no double spend). The entries and the transaction row are written
first and the balances last, so the hot account's row lock is held only for
the last statements of the transaction.
"""

from __future__ import annotations

import hashlib
from collections import defaultdict
from collections.abc import Iterable, Sequence
from contextlib import nullcontext
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from django.db import DatabaseError, connection, transaction
from django.db.models import Model
from django.utils import timezone
from django.utils.translation import gettext
from moneyed import Money

from core.db import bound_cursor
from core.errors import DomainError
from wallets.formats import money_text
from wallets.models import (
    AMOUNT_DECIMALS,
    NEGATIVE_ALLOWED,
    PLATFORM,
    Account,
    Entry,
    Purpose,
    Transaction,
    owner_key,
    partition_key,
)
from wallets.money import UnsupportedCurrency, is_at_precision, minor_unit_exponent

INSUFFICIENT_FUNDS_SQLSTATE = "TJ001"  # raised by wallets_post


class LedgerError(DomainError):
    """Base class of the ledger's domain errors."""


class InsufficientFunds(LedgerError):
    def __init__(self, account: Account, needed: Money):
        self.account = account
        self.needed = needed
        super().__init__(
            gettext("Not enough money on the ledger account %(account)s: %(needed)s needed.")
            % {"account": account, "needed": money_text(needed)}
        )


class IdempotencyConflict(LedgerError):
    def __init__(self, key: str):
        self.key = key
        super().__init__(f"Idempotency key {key!r} was already used for a different movement")


class CurrencyMismatch(LedgerError):
    pass


class UnbalancedTransaction(LedgerError):
    pass


@dataclass(frozen=True)
class _Leg:
    account: Account
    amount: Money


def account_for(*, owner, purpose: Purpose | str, currency: str, partition: Model | None = None) -> Account:
    """The owner's account for ``purpose`` in ``currency``, created on first use.

    ``partition`` (platform accounts only) keeps one platform account per business
    object, e.g. the platform's revenue earned on one merchant.
    """
    try:
        minor_unit_exponent(currency)
    except UnsupportedCurrency as exc:
        raise CurrencyMismatch(str(exc)) from exc
    purpose = Purpose(purpose)
    owner_type, owner_id = owner_key(owner)
    if partition is not None and owner is not PLATFORM:
        raise LedgerError("Only platform accounts are partitioned.")
    account, _ = Account.objects.get_or_create(
        owner_type=owner_type,
        owner_id=owner_id,
        purpose=purpose,
        currency=currency,
        partition=partition_key(partition),
        defaults={"allow_negative": purpose in NEGATIVE_ALLOWED},
    )
    return account


def accounts_for(*, owner_type: str, owner_ids, purpose: Purpose | str, currency: str) -> dict[int, Account]:
    """Many owners' accounts for ``purpose`` in ``currency`` (created when missing), in two queries at
    most (one when all were missing, on PostgreSQL).

    ``owner_type`` is the owners' model label, e.g. ``accounts.user``. For batches.
    """
    try:
        minor_unit_exponent(currency)
    except UnsupportedCurrency as exc:
        raise CurrencyMismatch(str(exc)) from exc
    purpose = Purpose(purpose)
    ids = sorted({int(i) for i in owner_ids})
    if connection.vendor == "postgresql":
        return _accounts_for_postgresql(owner_type=owner_type, ids=ids, purpose=purpose, currency=currency)
    Account.objects.bulk_create(
        [
            Account(
                owner_type=owner_type,
                owner_id=i,
                purpose=purpose,
                currency=currency,
                allow_negative=purpose in NEGATIVE_ALLOWED,
            )
            for i in ids
        ],
        ignore_conflicts=True,
    )
    return {
        a.owner_id: a
        for a in Account.objects.filter(
            owner_type=owner_type, owner_id__in=ids, purpose=purpose, currency=currency, partition=""
        )
    }


_ACCOUNTS_INSERT = (
    f"INSERT INTO {Account._meta.db_table} "  # noqa: S608 - fixed names
    "(owner_type, owner_id, purpose, currency, partition, balance, allow_negative, created_at) "
    "SELECT %s, owner_id, %s, %s, '', 0, %s, %s FROM unnest(%s::bigint[]) AS owner_id "
    "ON CONFLICT (owner_type, owner_id, purpose, currency, partition) DO NOTHING RETURNING id, owner_id"
)


def _accounts_for_postgresql(
    *, owner_type: str, ids: list[int], purpose: str, currency: str
) -> dict[int, Account]:
    """``accounts_for`` on PostgreSQL: the missing accounts inserted with their ids returned, then only
    the owners whose account existed read (none when every one was new: one statement, e.g. a
    person's first account inside the engine's locks). An insert racing another's waits for it on
    the unique index and then reads its row (a later statement sees it committed)."""
    now = timezone.now()
    allow_negative = purpose in NEGATIVE_ALLOWED
    with bound_cursor() as cursor:
        cursor.execute(_ACCOUNTS_INSERT, [owner_type, purpose, currency, allow_negative, now, ids])
        created = cursor.fetchall()
    found = {}
    for pk, owner_id in created:
        account = Account(
            id=pk,
            owner_type=owner_type,
            owner_id=owner_id,
            purpose=purpose,
            currency=currency,
            partition="",
            balance=Decimal(0),
            allow_negative=allow_negative,
            created_at=now,
        )
        account._state.adding, account._state.db = False, connection.alias
        found[owner_id] = account
    existing = [i for i in ids if i not in found]
    if existing:
        found.update(
            (a.owner_id, a)
            for a in Account.objects.filter(
                owner_type=owner_type, owner_id__in=existing, purpose=purpose, currency=currency, partition=""
            )
        )
    return found


def platform_account(*, purpose: Purpose | str, currency: str, partition: Model | None = None) -> Account:
    return account_for(owner=PLATFORM, purpose=purpose, currency=currency, partition=partition)


def balance(account: Account) -> Money:
    """The stored balance, read fresh from the database in one indexed row lookup."""
    value = Account.objects.filter(pk=account.pk).values_list("balance", flat=True).get()
    return Money(value, account.currency)


def transfer(
    *,
    source: Account,
    destination: Account,
    amount: Money,
    kind: str,
    reason: str,
    idempotency_key: str,
    actor: Model | None = None,
    subject: Model | None = None,
    now: datetime | None = None,
) -> Transaction:
    """Move ``amount`` from ``source`` to ``destination``."""
    if amount.amount <= 0:
        raise LedgerError("A transfer moves a positive amount; swap source and destination instead.")
    return post(
        entries=[(source, -amount), (destination, amount)],
        kind=kind,
        reason=reason,
        idempotency_key=idempotency_key,
        actor=actor,
        subject=subject,
        now=now,
    )


def post(
    *,
    entries: Iterable[tuple[Account, Money]],
    kind: str,
    reason: str,
    idempotency_key: str,
    actor: Model | None = None,
    subject: Model | None = None,
    now: datetime | None = None,
) -> Transaction:
    """Post one balanced, multi-leg transaction, dated ``now`` (the time the caller read once) or
    the current time."""
    values, legs = _prepared(
        entries=entries,
        kind=kind,
        reason=reason,
        idempotency_key=idempotency_key,
        actor=actor,
        subject=subject,
        now=now,
    )
    write = _write_postgres if connection.vendor == "postgresql" else _write_in_python
    # On PostgreSQL, a call outside any atomic block is one statement in autocommit:
    # one round trip. Inside a caller's atomic block it gets a savepoint, so that a
    # caller may catch InsufficientFunds and go on.
    bare = write is _write_postgres and not connection.in_atomic_block
    block = nullcontext() if bare else transaction.atomic()
    with block:
        txn_id, created = write(values, legs)
    if not created:
        existing = Transaction.objects.get(pk=txn_id)
        if existing.fingerprint != values["fingerprint"]:
            raise IdempotencyConflict(idempotency_key)
        return existing
    txn = Transaction(id=txn_id, **values)
    txn._state.adding = False
    return txn


@dataclass(frozen=True)
class Posting:
    """One transaction of a ``post_many`` batch: the same arguments as ``post``."""

    entries: Sequence[tuple[Account, Money]]
    kind: str
    reason: str
    idempotency_key: str
    actor: Model | None = None
    subject: Model | None = None
    now: datetime | None = None


def post_many(postings: Sequence[Posting]) -> list[Transaction]:
    """Post a batch of transactions inside the caller's atomic block (required).

    On PostgreSQL this is one call of ``wallets_post_many`` (migration 0005): every
    account of the batch is locked once in primary-key order, then each transaction
    is written exactly as ``post`` writes it. A replayed key returns its first
    transaction (a conflicting one raises IdempotencyConflict); InsufficientFunds
    spoils the caller's transaction, which must be rolled back.
    """
    if not connection.in_atomic_block:
        raise LedgerError("post_many runs inside the caller's transaction.atomic() block.")
    prepared = [
        _prepared(
            entries=p.entries,
            kind=p.kind,
            reason=p.reason,
            idempotency_key=p.idempotency_key,
            actor=p.actor,
            subject=p.subject,
            now=p.now,
        )
        for p in postings
    ]
    if not prepared:
        return []
    if connection.vendor == "postgresql":
        results = _write_many_postgres(prepared)
    else:
        results = [_write_in_python(values, legs) for values, legs in prepared]
    out = []
    for (values, _legs), (txn_id, created) in zip(prepared, results, strict=True):
        if created:
            txn = Transaction(id=txn_id, **values)
            txn._state.adding = False
        else:
            txn = Transaction.objects.get(pk=txn_id)
            if txn.fingerprint != values["fingerprint"]:
                raise IdempotencyConflict(values["idempotency_key"])
        out.append(txn)
    return out


def _prepared(
    *,
    entries: Iterable[tuple[Account, Money]],
    kind: str,
    reason: str,
    idempotency_key: str,
    actor: Model | None,
    subject: Model | None,
    now: datetime | None = None,
) -> tuple[dict, list[_Leg]]:
    legs = _validated_legs(entries)
    if not kind or not reason.strip():
        raise LedgerError("Every money movement needs a kind and a reason a person can read.")
    if not idempotency_key:
        raise LedgerError("Every money movement needs an idempotency key.")
    subject_type, subject_id = ("", "") if subject is None else (subject._meta.label_lower, str(subject.pk))
    values = {
        "kind": kind,
        "reason": reason.strip()[:500],
        "actor_id": getattr(actor, "pk", None),
        "subject_type": subject_type,
        "subject_id": subject_id,
        "idempotency_key": idempotency_key,
        "fingerprint": _fingerprint(kind=kind, legs=legs, subject_type=subject_type, subject_id=subject_id),
        "created_at": now or timezone.now(),
    }
    return values, legs


def _write_many_postgres(prepared: list[tuple[dict, list[_Leg]]]) -> list[tuple[int, bool]]:
    columns = ["idempotency_key", "fingerprint", "kind", "reason", "actor_id", "subject_type", "subject_id"]
    params = [[values[c] for values, _ in prepared] for c in columns]
    params.append(prepared[0][0]["created_at"])
    leg_posting, leg_accounts, leg_amounts, leg_currencies = [], [], [], []
    for index, (_, legs) in enumerate(prepared, start=1):
        for leg in legs:
            leg_posting.append(index)
            leg_accounts.append(leg.account.pk)
            leg_amounts.append(leg.amount.amount)
            leg_currencies.append(leg.account.currency)
    params += [leg_posting, leg_accounts, leg_amounts, leg_currencies]
    try:
        with bound_cursor() as cursor:
            cursor.execute(
                "SELECT posting, txn_id, created FROM wallets_post_many("
                "%s::text[], %s::text[], %s::text[], %s::text[], %s::bigint[], %s::text[], %s::text[], %s, "
                "%s::int[], %s::bigint[], %s::numeric[], %s::text[]) ORDER BY posting",
                params,
            )
            rows = cursor.fetchall()
    except DatabaseError as exc:
        cause = exc.__cause__
        if getattr(cause, "sqlstate", None) != INSUFFICIENT_FUNDS_SQLSTATE:
            raise
        account_id = int(cause.diag.message_detail)
        legs = [leg for _, legs in prepared for leg in legs]
        raise InsufficientFunds(*_shortfall(legs, account_id)) from None
    return [(txn_id, created) for _, txn_id, created in rows]


def _validated_legs(entries: Iterable[tuple[Account, Money]]) -> list[_Leg]:
    legs = []
    for account, amount in entries:
        if not isinstance(amount, Money):
            raise LedgerError(f"Amounts are Money values, got {amount!r}")
        if str(amount.currency) != account.currency:
            raise CurrencyMismatch(f"{amount} cannot be posted to {account} (a {account.currency} account)")
        try:
            at_precision = is_at_precision(amount)
        except UnsupportedCurrency as exc:
            raise CurrencyMismatch(str(exc)) from exc
        if not at_precision:
            raise LedgerError(
                f"{amount.amount} has more digits than {account.currency} allows: round it first"
            )
        if amount.amount == 0:
            continue
        legs.append(_Leg(account=account, amount=amount))
    if len(legs) < 2:
        raise UnbalancedTransaction("A transaction needs at least two non-zero entries.")
    totals: dict[str, Decimal] = defaultdict(Decimal)
    for leg in legs:
        totals[leg.account.currency] += leg.amount.amount
    unbalanced = {currency: total for currency, total in totals.items() if total != 0}
    if unbalanced:
        raise UnbalancedTransaction(f"Entries must sum to zero per currency; they sum to {unbalanced}")
    return legs


def _fingerprint(*, kind: str, legs: Sequence[_Leg], subject_type: str, subject_id: str) -> str:
    parts = sorted(f"{leg.account.pk}:{leg.amount.amount}:{leg.account.currency}" for leg in legs)
    raw = "|".join([kind, subject_type, subject_id, *parts])
    return hashlib.sha256(raw.encode()).hexdigest()


def _write_postgres(values: dict, legs: Sequence[_Leg]) -> tuple[int, bool]:
    """One call of the ``wallets_post`` function (migration 0003)."""
    params = [
        values["idempotency_key"],
        values["fingerprint"],
        values["kind"],
        values["reason"],
        values["actor_id"],
        values["subject_type"],
        values["subject_id"],
        values["created_at"],
        [leg.account.pk for leg in legs],
        [leg.amount.amount for leg in legs],
        [leg.account.currency for leg in legs],
    ]
    try:
        with bound_cursor() as cursor:
            cursor.execute(
                "SELECT txn_id, created FROM wallets_post(%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s)", params
            )
            return cursor.fetchone()
    except DatabaseError as exc:
        cause = exc.__cause__
        if getattr(cause, "sqlstate", None) != INSUFFICIENT_FUNDS_SQLSTATE:
            raise
        account_id = int(cause.diag.message_detail)
        raise InsufficientFunds(*_shortfall(legs, account_id)) from None


def _write_in_python(values: dict, legs: Sequence[_Leg]) -> tuple[int, bool]:
    """The same steps as ``wallets_post``, for SQLite (``make run``)."""
    table = connection.ops.quote_name(Transaction._meta.db_table)
    columns = list(values)
    insert = (
        f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({', '.join(['%s'] * len(columns))}) "  # noqa: S608 - fixed column names
        "ON CONFLICT (idempotency_key) DO NOTHING RETURNING id"
    )
    with connection.cursor() as cursor:
        cursor.execute(insert, list(values.values()))
        row = cursor.fetchone()
    if row is None:
        return Transaction.objects.values_list("pk", flat=True).get(
            idempotency_key=values["idempotency_key"]
        ), False
    txn_id = row[0]
    Entry.objects.bulk_create(
        [
            Entry(
                transaction_id=txn_id,
                account=leg.account,
                amount=leg.amount.amount,
                currency=leg.account.currency,
                created_at=values["created_at"],
            )
            for leg in legs
        ]
    )
    deltas: dict[int, Decimal] = defaultdict(Decimal)
    for leg in legs:
        deltas[leg.account.pk] += leg.amount.amount
    accounts = connection.ops.quote_name(Account._meta.db_table)
    # ROUND keeps SQLite, which computes decimals in floating point, exact to the cent.
    update = (
        f"UPDATE {accounts} SET balance = ROUND(balance + %s, {AMOUNT_DECIMALS}) "  # noqa: S608 - fixed table name
        f"WHERE id = %s AND (allow_negative OR ROUND(balance + %s, {AMOUNT_DECIMALS}) >= 0)"
    )
    with connection.cursor() as cursor:
        for account_id in sorted(deltas):  # one lock order for everyone
            if deltas[account_id] == 0:
                continue
            cursor.execute(update, [deltas[account_id], account_id, deltas[account_id]])
            if cursor.rowcount != 1:
                raise InsufficientFunds(*_shortfall(legs, account_id))
    return txn_id, True


def _shortfall(legs: Sequence[_Leg], account_id: int) -> tuple[Account, Money]:
    account = next(leg.account for leg in legs if leg.account.pk == account_id)
    needed = -sum((leg.amount.amount for leg in legs if leg.account.pk == account_id), Decimal(0))
    return account, Money(needed, account.currency)
