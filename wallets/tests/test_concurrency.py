"""Real threads on PostgreSQL: no double spend, no lost update, one transaction per key."""

import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.core.management import call_command
from django.db import connection

from wallets.models import Purpose, Transaction
from wallets.services import IdempotencyConflict, InsufficientFunds, account_for, balance, transfer
from wallets.tests.conftest import eur

pytestmark = pytest.mark.django_db(transaction=True)


def _in_thread(fn):
    """Run ``fn`` on the calling thread's own database connection, closed afterwards."""

    def run(*args):
        try:
            return fn(*args)
        finally:
            connection.close()

    return run


def test_64_threads_spending_one_balance_succeed_exactly_as_often_as_it_allows(make_user, funded, capsys):
    source = funded(make_user(), "100.00")
    destinations = [
        account_for(owner=make_user(), purpose=Purpose.USER_PENDING, currency="EUR") for _ in range(10)
    ]
    start = threading.Barrier(64, timeout=60)

    @_in_thread
    def spend(i: int) -> str:
        if i < 64:
            start.wait()  # the first wave of 64 starts together
        try:
            transfer(
                source=source,
                destination=destinations[i % 10],
                amount=eur("1.00"),
                kind="REWARD",
                reason=f"spend {i}",
                idempotency_key=f"spend:{i}",
            )
            return "ok"
        except InsufficientFunds:
            return "refused"

    with ThreadPoolExecutor(max_workers=64) as pool:
        outcomes = list(pool.map(spend, range(1000)))

    assert outcomes.count("ok") == 100
    assert outcomes.count("refused") == 900
    assert balance(source) == eur("0.00")
    assert sum(balance(d).amount for d in destinations) == eur("100.00").amount
    call_command("ledger_check")
    assert "All invariants hold." in capsys.readouterr().out


def test_200_threads_posting_one_key_make_exactly_one_transaction(make_user, funded):
    source = funded(make_user(), "50.00")
    destination = account_for(owner=make_user(), purpose=Purpose.USER_PENDING, currency="EUR")
    start = threading.Barrier(200, timeout=60)

    @_in_thread
    def replay(_: int) -> int:
        start.wait()
        txn = transfer(
            source=source,
            destination=destination,
            amount=eur("5.00"),
            kind="REWARD",
            reason="same request, retried",
            idempotency_key="request-42",
        )
        return txn.pk

    with ThreadPoolExecutor(max_workers=200) as pool:
        ids = set(pool.map(replay, range(200)))

    assert len(ids) == 1
    assert Transaction.objects.filter(idempotency_key="request-42").count() == 1
    assert balance(source) == eur("45.00")
    assert balance(destination) == eur("5.00")
    with pytest.raises(IdempotencyConflict):
        transfer(
            source=source,
            destination=destination,
            amount=eur("6.00"),
            kind="REWARD",
            reason="same key, other amount",
            idempotency_key="request-42",
        )


def test_opposite_transfers_between_two_accounts_never_deadlock_or_lose_an_update(make_user, funded):
    a = funded(make_user(), "500.00")
    b = funded(make_user(), "500.00")

    @_in_thread
    def move(i: int) -> None:
        source, destination = (a, b) if i % 2 else (b, a)
        transfer(
            source=source,
            destination=destination,
            amount=eur("1.00"),
            kind="MOVE",
            reason="r",
            idempotency_key=f"m{i}",
        )

    with ThreadPoolExecutor(max_workers=32) as pool:
        list(pool.map(move, range(400)))

    assert balance(a) == eur("500.00")
    assert balance(b) == eur("500.00")
    assert Transaction.objects.filter(kind="MOVE").count() == 400
