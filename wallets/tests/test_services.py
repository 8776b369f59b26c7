import pytest
from django.core.management import call_command

from wallets.models import PLATFORM, Entry, Purpose, Transaction
from wallets.services import (
    CurrencyMismatch,
    IdempotencyConflict,
    InsufficientFunds,
    LedgerError,
    UnbalancedTransaction,
    account_for,
    balance,
    post,
    transfer,
)
from wallets.tests.conftest import eur

pytestmark = pytest.mark.django_db


def test_transfer_moves_money_and_records_both_sides(make_user, funded):
    merchant, consumer = make_user(), make_user()
    source = funded(merchant, "100.00")
    destination = account_for(owner=consumer, purpose=Purpose.USER_PENDING, currency="EUR")

    txn = transfer(
        source=source,
        destination=destination,
        amount=eur("12.34"),
        kind="REWARD",
        reason="Share of Spring video",
        idempotency_key="reward:1",
        actor=merchant,
        subject=consumer,
    )

    assert balance(source) == eur("87.66")
    assert balance(destination) == eur("12.34")
    assert sorted(e.amount for e in txn.entries.all()) == [eur("-12.34").amount, eur("12.34").amount]
    assert (txn.kind, txn.reason, txn.actor, txn.subject_type) == (
        "REWARD",
        "Share of Spring video",
        merchant,
        "accounts.user",
    )


def test_multi_leg_post_splits_a_price_between_user_and_platform(make_user, funded):
    merchant, consumer = make_user(), make_user()
    merchant_account = funded(merchant, "10.00")
    pending = account_for(owner=consumer, purpose=Purpose.USER_PENDING, currency="EUR")
    revenue = account_for(owner=PLATFORM, purpose=Purpose.PLATFORM_REVENUE, currency="EUR")

    post(
        entries=[(merchant_account, -eur("0.25")), (pending, eur("0.20")), (revenue, eur("0.05"))],
        kind="REWARD",
        reason="1,000 views",
        idempotency_key="reward:views:1",
    )

    assert (balance(merchant_account), balance(pending), balance(revenue)) == (
        eur("9.75"),
        eur("0.20"),
        eur("0.05"),
    )


def test_overdraft_is_refused_and_changes_nothing(make_user, funded):
    merchant, consumer = make_user(), make_user()
    source = funded(merchant, "5.00")
    destination = account_for(owner=consumer, purpose=Purpose.USER_PENDING, currency="EUR")

    with pytest.raises(InsufficientFunds):
        transfer(
            source=source,
            destination=destination,
            amount=eur("5.01"),
            kind="REWARD",
            reason="r",
            idempotency_key="k",
        )

    assert balance(source) == eur("5.00")
    assert balance(destination) == eur("0.00")
    assert not Transaction.objects.filter(idempotency_key="k").exists()


def test_replay_returns_the_first_transaction_and_moves_nothing(make_user, funded):
    merchant, consumer = make_user(), make_user()
    source = funded(merchant, "10.00")
    destination = account_for(owner=consumer, purpose=Purpose.USER_PENDING, currency="EUR")
    kwargs = {
        "source": source,
        "destination": destination,
        "amount": eur("1.00"),
        "kind": "REWARD",
        "reason": "r",
        "idempotency_key": "once",
    }

    first = transfer(**kwargs)
    second = transfer(**kwargs)

    assert first.pk == second.pk
    assert balance(source) == eur("9.00")
    assert Entry.objects.filter(transaction=first).count() == 2


def test_replay_with_another_amount_is_a_conflict(make_user, funded):
    merchant, consumer = make_user(), make_user()
    source = funded(merchant, "10.00")
    destination = account_for(owner=consumer, purpose=Purpose.USER_PENDING, currency="EUR")
    transfer(
        source=source,
        destination=destination,
        amount=eur("1.00"),
        kind="REWARD",
        reason="r",
        idempotency_key="k1",
    )

    with pytest.raises(IdempotencyConflict):
        transfer(
            source=source,
            destination=destination,
            amount=eur("2.00"),
            kind="REWARD",
            reason="r",
            idempotency_key="k1",
        )

    assert balance(source) == eur("9.00")


def test_currency_mismatch_is_refused(make_user, funded):
    from moneyed import Money

    merchant = make_user()
    source = funded(merchant, "10.00")
    usd = account_for(owner=merchant, purpose=Purpose.USER_PENDING, currency="USD")

    with pytest.raises(CurrencyMismatch):
        transfer(
            source=source,
            destination=usd,
            amount=Money("1.00", "USD"),
            kind="X",
            reason="r",
            idempotency_key="c",
        )
    with pytest.raises(CurrencyMismatch):
        account_for(owner=merchant, purpose=Purpose.USER_PENDING, currency="XYZ")


def test_unbalanced_post_is_refused_before_touching_the_database(make_user, funded):
    merchant, consumer = make_user(), make_user()
    source = funded(merchant, "10.00")
    destination = account_for(owner=consumer, purpose=Purpose.USER_PENDING, currency="EUR")

    with pytest.raises(UnbalancedTransaction):
        post(
            entries=[(source, -eur("1.00")), (destination, eur("0.99"))],
            kind="X",
            reason="r",
            idempotency_key="u",
        )

    assert balance(source) == eur("10.00")


def test_amounts_finer_than_a_cent_must_be_rounded_first(make_user, funded):
    from decimal import Decimal

    from moneyed import Money

    merchant, consumer = make_user(), make_user()
    source = funded(merchant, "10.00")
    destination = account_for(owner=consumer, purpose=Purpose.USER_PENDING, currency="EUR")

    with pytest.raises(LedgerError, match="round it first"):
        transfer(
            source=source,
            destination=destination,
            amount=Money(Decimal("0.005"), "EUR"),
            kind="X",
            reason="r",
            idempotency_key="p",
        )


def test_account_for_returns_the_same_account_each_time(make_user):
    merchant = make_user()

    first = account_for(owner=merchant, purpose=Purpose.MERCHANT_AVAILABLE, currency="EUR")
    again = account_for(owner=merchant, purpose="MERCHANT_AVAILABLE", currency="EUR")

    assert first.pk == again.pk
    assert not first.allow_negative
    assert account_for(owner=PLATFORM, purpose=Purpose.PLATFORM_BANK, currency="EUR").allow_negative


def test_ledger_check_is_clean_after_real_movements(make_user, funded, capsys):
    merchant, consumer = make_user(), make_user()
    source = funded(merchant, "50.00")
    destination = account_for(owner=consumer, purpose=Purpose.USER_PENDING, currency="EUR")
    transfer(
        source=source,
        destination=destination,
        amount=eur("7.00"),
        kind="REWARD",
        reason="r",
        idempotency_key="lc",
    )

    call_command("ledger_check")

    out = capsys.readouterr().out
    assert "All invariants hold." in out
    assert "3 accounts, 2 transactions, 4 entries" in out
