"""Real threads on PostgreSQL: a renewal charges a period once, a double subscribe makes one subscription,
and concurrent repayments of a JoyFast debt repay it once."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

import pytest
from django.db import connection

from subscriptions.models import Plan, Subscription, SubscriptionPayment
from subscriptions.services import SubscriptionError, subscription_renew, subscription_start
from subscriptions.tests.conftest import NOW, available, books_clean, eur
from wallets.models import Transaction

pytestmark = pytest.mark.django_db(transaction=True)


def _closing(fn):
    def run(*args):
        try:
            return fn(*args)
        finally:
            connection.close()

    return run


def test_twenty_renewals_of_one_subscription_at_once_charge_the_period_once(make_consumer, earn_available):
    ana = make_consumer()
    earn_available(ana, "9.00")
    subscription = subscription_start(
        user=ana, plan_id=Plan.objects.get(code="joyplus").pk, terms_accepted=True, now=NOW
    )
    due = subscription.period_end
    start = threading.Barrier(20, timeout=60)

    @_closing
    def renew(i: int) -> str:
        start.wait()
        return subscription_renew(subscription_id=subscription.pk, now=due + timedelta(seconds=i))

    with ThreadPoolExecutor(max_workers=20) as pool:
        outcomes = list(pool.map(renew, range(20)))

    assert outcomes.count("RENEWED") == 1 and outcomes.count("NOT_DUE") == 19
    assert SubscriptionPayment.objects.filter(subscription=subscription).count() == 2
    assert Transaction.objects.filter(kind="SUBSCRIPTION_FEE").count() == 2
    assert available(ana) == eur("3.02")
    subscription.refresh_from_db()
    assert subscription.period_start == due
    books_clean()


def test_ten_subscribe_clicks_at_once_make_one_subscription_and_one_charge(make_consumer, earn_available):
    ana = make_consumer()
    earn_available(ana, "9.00")
    plan = Plan.objects.get(code="joyplus")
    start = threading.Barrier(10, timeout=60)

    @_closing
    def subscribe(_: int) -> str:
        start.wait()
        try:
            subscription_start(user=ana, plan_id=plan.pk, terms_accepted=True, now=NOW)
        except SubscriptionError as exc:
            return str(exc)
        return "SUBSCRIBED"

    with ThreadPoolExecutor(max_workers=10) as pool:
        outcomes = list(pool.map(subscribe, range(10)))

    assert outcomes.count("SUBSCRIBED") == 1
    assert set(outcomes) == {"SUBSCRIBED", "You already have JoyPlus."}
    assert Subscription.objects.count() == 1 and available(ana) == eur("6.01")
    books_clean()


def test_ten_repayments_of_one_debt_at_once_repay_it_once(make_consumer, earn_available):
    from rewards.services import person_debt_repay
    from subscriptions.tests.conftest import owed
    from wallets.debts import debt_incur
    from wallets.models import PLATFORM, Purpose
    from wallets.services import account_for

    ana = make_consumer()
    earn_available(ana, "1.00")
    debt_incur(
        owner=ana,
        creditor=account_for(owner=PLATFORM, purpose=Purpose.PLATFORM_REVENUE, currency="EUR"),
        amount=eur("0.40"),
        reason="test: a reward paid early was reversed",
        idempotency_key="test-debt",
        now=NOW,
    )
    start = threading.Barrier(10, timeout=60)

    @_closing
    def repay(_: int):
        start.wait()
        return person_debt_repay(user_id=ana.pk, currency="EUR", now=NOW)

    with ThreadPoolExecutor(max_workers=10) as pool:
        repaid = list(pool.map(repay, range(10)))

    assert sorted(r.amount for r in repaid)[-1] == eur("0.40").amount
    assert sum(r.amount for r in repaid) == eur("0.40").amount
    assert owed(ana) == eur("0.00") and available(ana) == eur("0.60")
    books_clean()
