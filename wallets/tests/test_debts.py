"""A person's debt on the ledger: incurred, repaid from later money, never over-repaid."""

import re
import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from moneyed import Money

from wallets.debts import debt_incur, debt_owed, debt_repay, debt_write_off, debts_of
from wallets.models import PLATFORM, Account, Purpose
from wallets.selectors import ledger_report
from wallets.services import LedgerError, account_for, balance
from wallets.tests.conftest import eur

NOW = timezone.now()

pytestmark = pytest.mark.django_db


def test_a_debt_pays_the_creditor_at_once_and_is_repaid_from_later_money(make_user, funded):
    person = make_user()
    creditor = account_for(owner=make_user(), purpose=Purpose.MERCHANT_AVAILABLE, currency="EUR")
    debt_incur(
        owner=person, creditor=creditor, amount=eur("7.50"), reason="adjusted", idempotency_key="d:1", now=NOW
    )
    assert debt_owed(owner=person, currency="EUR") == eur("7.50")
    assert balance(creditor) == eur("7.50")
    assert debts_of(owner=person) == [eur("7.50")]

    available = funded(person, "5.00", purpose=Purpose.USER_AVAILABLE)
    assert debt_repay(owner=person, source=available, reason="repay", idempotency_key="r:1", now=NOW) == eur(
        "5.00"
    )
    assert balance(available) == eur("0.00")
    assert debt_owed(owner=person, currency="EUR") == eur("2.50")

    available2 = account_for(owner=person, purpose=Purpose.USER_AVAILABLE, currency="EUR")
    funded(person, "4.00", purpose=Purpose.USER_AVAILABLE)
    assert debt_repay(owner=person, source=available2, reason="repay", idempotency_key="r:2", now=NOW) == eur(
        "2.50"
    )
    assert balance(available2) == eur("1.50")
    assert debt_owed(owner=person, currency="EUR") == eur("0.00")
    assert debts_of(owner=person) == []
    # Nothing owed: nothing taken.
    assert debt_repay(owner=person, source=available2, reason="repay", idempotency_key="r:3", now=NOW) == eur(
        "0.00"
    )
    assert balance(available2) == eur("1.50")
    call_command("ledger_check")


def test_a_debt_is_positive_and_in_the_creditors_currency(make_user):
    person = make_user()
    creditor = account_for(owner=make_user(), purpose=Purpose.MERCHANT_AVAILABLE, currency="EUR")
    with pytest.raises(LedgerError, match="positive"):
        debt_incur(
            owner=person, creditor=creditor, amount=eur("0"), reason="x", idempotency_key="d:0", now=NOW
        )
    with pytest.raises(LedgerError, match="same currency"):
        debt_incur(
            owner=person,
            creditor=creditor,
            amount=Money("1", "USD"),
            reason="x",
            idempotency_key="d:u",
            now=NOW,
        )


def test_ledger_check_reports_a_debt_account_above_zero(make_user):
    person = make_user()
    owed = account_for(owner=person, purpose=Purpose.USER_OWED, currency="EUR")
    Account.objects.filter(pk=owed.pk).update(balance=1)
    assert any(v.invariant == "debt" for v in ledger_report().violations)


@pytest.mark.django_db(transaction=True)
def test_30_concurrent_repayments_never_repay_more_than_is_owed(make_user, funded):
    person = make_user()
    creditor = account_for(owner=make_user(), purpose=Purpose.MERCHANT_AVAILABLE, currency="EUR")
    debt_incur(owner=person, creditor=creditor, amount=eur("10.00"), reason="x", idempotency_key="d", now=NOW)
    available = funded(person, "100.00", purpose=Purpose.USER_AVAILABLE)
    start = threading.Barrier(30, timeout=60)

    def repay(i):
        try:
            start.wait()
            return debt_repay(
                owner=person, source=available, reason="repay", idempotency_key=f"r:{i}", now=NOW
            ).amount
        finally:
            connection.close()

    # Each tries to repay the whole debt; locks make them take turns.
    with ThreadPoolExecutor(max_workers=30) as pool:
        repaid = list(pool.map(repay, range(30)))

    assert sum(repaid) == eur("10.00").amount
    assert debt_owed(owner=person, currency="EUR") == eur("0.00")
    assert balance(available) == eur("90.00")
    call_command("ledger_check")


def test_a_write_off_locks_the_debt_and_the_write_off_accounts_first_in_key_order(make_user):
    """docs/ledger.md's one order: when the write-off account has the lower key, it is locked with the
    debt account, in primary-key order, before anything else (not after the debt account, by the posting)."""
    loss = account_for(owner=PLATFORM, purpose=Purpose.PLATFORM_WRITE_OFF, currency="EUR")
    person = make_user()
    creditor = account_for(owner=make_user(), purpose=Purpose.MERCHANT_AVAILABLE, currency="EUR")
    debt_incur(
        owner=person, creditor=creditor, amount=eur("3.00"), reason="adjusted", idempotency_key="d:w", now=NOW
    )
    owed = account_for(owner=person, purpose=Purpose.USER_OWED, currency="EUR")
    assert loss.pk < owed.pk

    with CaptureQueriesContext(connection) as sent:
        written_off = debt_write_off(
            owner=person, currency="EUR", reason="gone", idempotency_key="w:1", now=NOW
        )

    assert written_off == eur("3.00")
    locks = [
        q["sql"] for q in sent.captured_queries if "FOR UPDATE" in q["sql"] and "wallets_account" in q["sql"]
    ]
    first = re.search(r"IN \(([^)]*)\)", locks[0])
    assert first is not None, locks[0]
    assert {int(key) for key in first.group(1).split(",")} == {loss.pk, owed.pk}
    assert "ORDER BY" in locks[0]
    assert debt_owed(owner=person, currency="EUR") == eur("0")
    assert balance(loss) == eur("-3.00")
    call_command("ledger_check")
