import pytest
from django.db import transaction

from wallets.models import Purpose, Transaction
from wallets.services import (
    IdempotencyConflict,
    InsufficientFunds,
    LedgerError,
    Posting,
    account_for,
    balance,
    post_many,
)
from wallets.tests.conftest import eur

pytestmark = pytest.mark.django_db


def test_a_batch_posts_every_transaction_and_a_replayed_key_returns_the_first(make_user, funded):
    source = funded(make_user(), "10.00")
    a = account_for(owner=make_user(), purpose=Purpose.USER_PENDING, currency="EUR")
    b = account_for(owner=make_user(), purpose=Purpose.USER_PENDING, currency="EUR")
    batch = [
        Posting(
            entries=[(source, -eur("1.00")), (a, eur("1.00"))], kind="X", reason="to a", idempotency_key="m1"
        ),
        Posting(
            entries=[(source, -eur("2.00")), (b, eur("2.00"))], kind="X", reason="to b", idempotency_key="m2"
        ),
    ]

    with transaction.atomic():
        first = post_many(batch)
    with transaction.atomic():
        again = post_many(batch)

    assert [t.pk for t in first] == [t.pk for t in again]
    assert (balance(source), balance(a), balance(b)) == (eur("7.00"), eur("1.00"), eur("2.00"))
    assert Transaction.objects.filter(kind="X").count() == 2


def test_a_batch_that_overdraws_is_refused_whole(make_user, funded):
    source = funded(make_user(), "2.50")
    a = account_for(owner=make_user(), purpose=Purpose.USER_PENDING, currency="EUR")
    batch = [
        Posting(
            entries=[(source, -eur("2.00")), (a, eur("2.00"))], kind="X", reason="ok", idempotency_key="o1"
        ),
        Posting(
            entries=[(source, -eur("1.00")), (a, eur("1.00"))],
            kind="X",
            reason="too much",
            idempotency_key="o2",
        ),
    ]

    with pytest.raises(InsufficientFunds), transaction.atomic():
        post_many(batch)

    assert balance(source) == eur("2.50")
    assert not Transaction.objects.filter(kind="X").exists()


def test_a_batch_replaying_a_key_with_other_amounts_is_a_conflict(make_user, funded):
    source = funded(make_user(), "5.00")
    a = account_for(owner=make_user(), purpose=Purpose.USER_PENDING, currency="EUR")
    with transaction.atomic():
        post_many(
            [
                Posting(
                    entries=[(source, -eur("1.00")), (a, eur("1.00"))],
                    kind="X",
                    reason="r",
                    idempotency_key="c",
                )
            ]
        )

    with pytest.raises(IdempotencyConflict), transaction.atomic():
        post_many(
            [
                Posting(
                    entries=[(source, -eur("3.00")), (a, eur("3.00"))],
                    kind="X",
                    reason="r",
                    idempotency_key="c",
                )
            ]
        )


def test_post_many_needs_the_callers_transaction(make_user, funded):
    source = funded(make_user(), "5.00")
    a = account_for(owner=make_user(), purpose=Purpose.USER_PENDING, currency="EUR")
    posting = Posting(
        entries=[(source, -eur("1.00")), (a, eur("1.00"))], kind="X", reason="r", idempotency_key="t"
    )

    # pytest-django wraps this test in a transaction, so leave it to check the guard
    from django.db import connection

    in_block = connection.in_atomic_block
    assert in_block
    assert post_many([posting])[0].kind == "X"
    with pytest.raises(LedgerError, match="inside"):
        connection.in_atomic_block = False
        try:
            post_many([posting])
        finally:
            connection.in_atomic_block = in_block
