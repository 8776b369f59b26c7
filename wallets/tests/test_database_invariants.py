"""PostgreSQL itself refuses what would break the ledger, even through raw SQL."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.core.management import CommandError, call_command
from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from wallets.models import Purpose
from wallets.services import account_for, transfer
from wallets.tests.conftest import eur

pytestmark = pytest.mark.django_db(transaction=True)


def _raw_transaction(cursor, key: str) -> int:
    cursor.execute(
        "INSERT INTO wallets_transaction (kind, reason, subject_type, subject_id, idempotency_key, fingerprint, created_at) "
        "VALUES ('RAW', 'raw sql', '', '', %s, '', %s) RETURNING id",
        [key, timezone.now()],
    )
    return cursor.fetchone()[0]


def test_database_refuses_an_unbalanced_transaction_at_commit(make_user, funded):
    a = funded(make_user(), "10.00")
    b = account_for(owner=make_user(), purpose=Purpose.USER_PENDING, currency="EUR")

    with (
        pytest.raises(IntegrityError, match="unbalanced"),
        transaction.atomic(),
        connection.cursor() as cursor,
    ):
        txn_id = _raw_transaction(cursor, "raw-unbalanced")
        cursor.execute(
            "INSERT INTO wallets_entry (transaction_id, account_id, amount, currency) VALUES (%s, %s, -5, 'EUR'), (%s, %s, 4, 'EUR')",
            [txn_id, a.pk, txn_id, b.pk],
        )

    with connection.cursor() as cursor:
        cursor.execute("SELECT COUNT(*) FROM wallets_transaction WHERE idempotency_key = 'raw-unbalanced'")
        assert cursor.fetchone()[0] == 0


def test_database_refuses_a_transaction_without_entries(db):
    with (
        pytest.raises(IntegrityError, match="fewer than two entries"),
        transaction.atomic(),
        connection.cursor() as cursor,
    ):
        _raw_transaction(cursor, "raw-empty")


def test_database_refuses_to_take_a_non_negative_account_below_zero(make_user, funded):
    account = funded(make_user(), "3.00")

    with pytest.raises(IntegrityError, match="wallets_account_non_negative"), connection.cursor() as cursor:
        cursor.execute("UPDATE wallets_account SET balance = -0.01 WHERE id = %s", [account.pk])


@pytest.mark.parametrize(
    "statement", ["UPDATE wallets_entry SET amount = amount * 2", "DELETE FROM wallets_entry"]
)
def test_database_refuses_to_update_or_delete_entries(make_user, funded, statement):
    funded(make_user(), "3.00")

    with pytest.raises(IntegrityError, match="never updated or deleted"), connection.cursor() as cursor:
        cursor.execute(statement)


@pytest.mark.parametrize(
    "statement", ["UPDATE wallets_transaction SET reason = 'edited'", "DELETE FROM wallets_transaction"]
)
def test_database_refuses_to_update_or_delete_transactions(make_user, funded, statement):
    funded(make_user(), "3.00")

    with pytest.raises(IntegrityError, match="never updated or deleted"), connection.cursor() as cursor:
        cursor.execute(statement)


def test_database_refuses_an_entry_in_another_currency(make_user, funded):
    a = funded(make_user(), "10.00")
    usd = account_for(owner=make_user(), purpose=Purpose.USER_PENDING, currency="USD")

    with (
        pytest.raises(IntegrityError, match="another currency"),
        transaction.atomic(),
        connection.cursor() as cursor,
    ):
        txn_id = _raw_transaction(cursor, "raw-currency")
        cursor.execute(
            "INSERT INTO wallets_entry (transaction_id, account_id, amount, currency) VALUES (%s, %s, 1, 'EUR')",
            [txn_id, usd.pk],
        )
        cursor.execute(
            "INSERT INTO wallets_entry (transaction_id, account_id, amount, currency) VALUES (%s, %s, -1, 'EUR')",
            [txn_id, a.pk],
        )


def test_database_refuses_to_turn_an_account_into_one_that_may_go_negative(make_user, funded):
    account = funded(make_user(), "1.00")

    with pytest.raises(IntegrityError, match="never change"), connection.cursor() as cursor:
        cursor.execute("UPDATE wallets_account SET allow_negative = true WHERE id = %s", [account.pk])


def test_database_refuses_a_second_transaction_with_the_same_key(make_user, funded):
    funded(make_user(), "1.00")

    # The unique index itself refuses the second row (not another trigger at commit).
    with (
        pytest.raises(
            IntegrityError, match=r"duplicate key value violates unique constraint.*idempotency_key"
        ),
        transaction.atomic(),
        connection.cursor() as cursor,
    ):
        _raw_transaction(cursor, "fund-dup")
        _raw_transaction(cursor, "fund-dup")


def test_ledger_check_reports_a_stored_balance_that_disagrees_with_its_entries(make_user, funded, capsys):
    account = funded(make_user(), "4.00")
    with connection.cursor() as cursor:  # balances may be updated; only their history is append-only
        cursor.execute("UPDATE wallets_account SET balance = 9.00 WHERE id = %s", [account.pk])

    with pytest.raises(CommandError, match="1 ledger invariant violation") as exit_info:
        call_command("ledger_check")

    assert exit_info.value.returncode == 1
    err = capsys.readouterr().err
    assert f"account #{account.pk}: stored balance 9.00 but its entries sum to 4.00" in err


def test_ledger_check_reports_an_entry_dated_otherwise_than_its_transaction(make_user, funded, capsys):
    """A set-based writer with the row triggers off (bench_scale's builders) must copy the time itself."""
    account = funded(make_user(), "4.00")
    entry = account.entries.get()
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SET LOCAL session_replication_role = replica")  # the append-only trigger off
        cursor.execute(
            "UPDATE wallets_entry SET created_at = created_at - interval '1 day' WHERE id = %s", [entry.pk]
        )

    with pytest.raises(CommandError, match="1 ledger invariant violation"):
        call_command("ledger_check")

    err = capsys.readouterr().err
    assert f"VIOLATION [time] transaction #{entry.transaction_id} of " in err
    assert ": 1 of its entries dated otherwise" in err


def test_transfer_keeps_working_alongside_the_triggers(make_user, funded):
    source = funded(make_user(), "2.00")
    destination = account_for(owner=make_user(), purpose=Purpose.USER_PENDING, currency="EUR")

    transfer(
        source=source, destination=destination, amount=eur("2.00"), kind="X", reason="r", idempotency_key="t"
    )

    call_command("ledger_check")


def test_wallets_post_refuses_an_unbalanced_transaction_before_it_moves_any_balance(make_user, funded):
    source = funded(make_user(), "10.00")
    destination = account_for(owner=make_user(), purpose=Purpose.USER_PENDING, currency="EUR")

    with (
        pytest.raises(IntegrityError, match="unbalanced"),
        transaction.atomic(),
        connection.cursor() as cursor,
    ):
        cursor.execute(
            "SELECT * FROM wallets_post('raw-post', '', 'RAW', 'raw', NULL, '', '', now(), "
            "%s::bigint[], ARRAY[-5, 4]::numeric[], ARRAY['EUR', 'EUR'])",
            [[source.pk, destination.pk]],
        )

    source.refresh_from_db()
    destination.refresh_from_db()
    assert (source.balance, destination.balance) == (Decimal("10.00"), Decimal("0.00"))


def test_an_entry_carries_its_transactions_time_whoever_writes_it(make_user, funded):
    """The history's order (account, -created_at, -id) relies on it: the service's posting and raw SQL alike."""
    a = funded(make_user(), "10.00")
    b = account_for(owner=make_user(), purpose=Purpose.USER_PENDING, currency="EUR")
    backdated = timezone.now() - timedelta(days=3)
    posted = transfer(
        source=a,
        destination=b,
        amount=eur("1.00"),
        kind="TEST",
        reason="backdated",
        idempotency_key="t-back",
        actor=None,
        subject=None,
        now=backdated,
    )

    with transaction.atomic(), connection.cursor() as cursor:
        txn_id = _raw_transaction(cursor, "raw-time")
        cursor.execute(
            "INSERT INTO wallets_entry (transaction_id, account_id, amount, currency, created_at) "
            "VALUES (%s, %s, -1, 'EUR', %s), (%s, %s, 1, 'EUR', NULL)",
            [txn_id, a.pk, backdated, txn_id, b.pk],
        )

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT e.transaction_id, COUNT(*) FROM wallets_entry e JOIN wallets_transaction t "
            "ON t.id = e.transaction_id WHERE e.transaction_id IN (%s, %s) AND e.created_at = t.created_at "
            "GROUP BY e.transaction_id ORDER BY e.transaction_id",
            [posted.pk, txn_id],
        )
        assert cursor.fetchall() == [(posted.pk, 2), (txn_id, 2)]
