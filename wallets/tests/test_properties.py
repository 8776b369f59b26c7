"""Random sequences of transfers and multi-leg posts keep every invariant."""

from decimal import Decimal

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from wallets.models import PLATFORM, Account, Purpose
from wallets.selectors import ledger_report
from wallets.services import InsufficientFunds, account_for, post, transfer
from wallets.tests.conftest import eur

amounts = st.decimals(min_value=Decimal("0.01"), max_value=Decimal("80.00"), places=2)
operation = st.one_of(
    st.tuples(st.just("transfer"), st.integers(0, 4), st.integers(0, 4), amounts),
    st.tuples(st.just("split"), st.integers(0, 4), st.integers(0, 4), amounts),
    st.tuples(st.just("top_up"), st.integers(0, 4), st.integers(0, 4), amounts),
)


@pytest.mark.django_db
@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(operations=st.lists(operation, min_size=1, max_size=25))
def test_any_sequence_of_movements_keeps_the_ledger_consistent(make_user, operations):
    run = make_user()  # fresh owners per example, so examples don't share balances
    owners = [run, *(make_user() for _ in range(4))]
    accounts = [account_for(owner=o, purpose=Purpose.MERCHANT_AVAILABLE, currency="EUR") for o in owners]
    bank = account_for(owner=PLATFORM, purpose=Purpose.PLATFORM_BANK, currency="EUR")
    revenue = account_for(owner=PLATFORM, purpose=Purpose.PLATFORM_REVENUE, currency="EUR")
    expected = {a.pk: Decimal("0.00") for a in accounts}

    for n, (kind, i, j, amount) in enumerate(operations):
        key = f"prop:{run.pk}:{n}"
        try:
            if kind == "top_up":
                transfer(
                    source=bank,
                    destination=accounts[i],
                    amount=eur(amount),
                    kind="TOP_UP",
                    reason="r",
                    idempotency_key=key,
                )
                expected[accounts[i].pk] += amount
            elif kind == "transfer" and i != j:
                transfer(
                    source=accounts[i],
                    destination=accounts[j],
                    amount=eur(amount),
                    kind="MOVE",
                    reason="r",
                    idempotency_key=key,
                )
                expected[accounts[i].pk] -= amount
                expected[accounts[j].pk] += amount
            elif kind == "split" and i != j and amount >= Decimal("0.02"):
                margin = (amount / 5).quantize(Decimal("0.01"))
                share = amount - margin
                post(
                    entries=[(accounts[i], -eur(amount)), (accounts[j], eur(share)), (revenue, eur(margin))],
                    kind="SPLIT",
                    reason="r",
                    idempotency_key=key,
                )
                expected[accounts[i].pk] -= amount
                expected[accounts[j].pk] += share
        except InsufficientFunds:
            assert expected[accounts[i].pk] < amount  # refused only when the money really isn't there

    for account in Account.objects.filter(pk__in=expected):
        assert account.balance == expected[account.pk]
        assert account.balance >= 0
    report = ledger_report()
    assert report.clean, report.violations
