"""Subscribing, cancelling and renewing: the fee from the available balance, once per period."""

from __future__ import annotations

from datetime import timedelta
from zoneinfo import ZoneInfo

import pytest
from django.core import mail
from django.utils import formats, timezone, translation

from privacy.export import export_sections
from privacy.selectors import deletion_plan_get
from privacy.services import account_delete
from subscriptions.models import EndReason, Plan, Subscription, SubscriptionPayment, SubscriptionStatus
from subscriptions.selectors import benefits_for
from subscriptions.services import (
    SubscriptionError,
    subscription_cancel,
    subscription_keep,
    subscription_renew,
    subscription_start,
    subscriptions_renew_due,
)
from subscriptions.tests.conftest import NOW, available, books_clean, eur
from wallets.formats import money_text
from wallets.models import PLATFORM, Purpose, Transaction
from wallets.services import account_for, balance

pytestmark = pytest.mark.django_db

AT = NOW + timedelta(minutes=5)


def joyplus() -> Plan:
    return Plan.objects.get(code="joyplus")


def revenue():
    return balance(account_for(owner=PLATFORM, purpose=Purpose.PLATFORM_REVENUE, currency="EUR"))


def test_subscribing_takes_the_first_month_from_the_available_balance_to_tikjoys_revenue(
    make_consumer, earn_available
):
    ana = make_consumer("Ana")
    earn_available(ana, "5.00")

    subscription = subscription_start(user=ana, plan_id=joyplus().pk, terms_accepted=True, now=AT)

    assert available(ana) == eur("2.01")
    assert revenue() == eur("2.99")
    assert subscription.period_end == AT + timedelta(days=30)  # 22 Nov -> 22 Dec
    assert "never from the brand's money" in subscription.terms
    fee = Transaction.objects.get(kind="SUBSCRIPTION_FEE")
    assert fee.reason.startswith("JoyPlus: 22 Nov 2026 to 22 Dec 2026")
    assert benefits_for(user_id=ana.pk, now=AT).bonus_plan.plan == "JoyPlus"
    books_clean()


def test_subscribing_without_enough_available_money_says_how_much_there_is_and_writes_nothing(
    make_consumer, earn_available
):
    ana = make_consumer()
    earn_available(ana, "1.00")

    with pytest.raises(SubscriptionError, match=r"costs €2.99 a month.*which is €1.00"):
        subscription_start(user=ana, plan_id=joyplus().pk, terms_accepted=True, now=AT)

    assert not Subscription.objects.exists() and not SubscriptionPayment.objects.exists()
    assert available(ana) == eur("1.00")


def test_the_rules_must_be_accepted_and_a_plan_can_be_held_once(make_consumer, earn_available):
    ana = make_consumer()
    earn_available(ana, "9.00")

    with pytest.raises(SubscriptionError, match="read how JoyPlus works"):
        subscription_start(user=ana, plan_id=joyplus().pk, terms_accepted=False, now=AT)
    subscription_start(user=ana, plan_id=joyplus().pk, terms_accepted=True, now=AT)
    with pytest.raises(SubscriptionError, match="You already have JoyPlus"):
        subscription_start(user=ana, plan_id=joyplus().pk, terms_accepted=True, now=AT)

    assert available(ana) == eur("6.01")


def test_a_plan_no_longer_offered_cant_be_subscribed(make_consumer):
    plan = joyplus()
    Plan.objects.filter(pk=plan.pk).update(is_offered=False)

    with pytest.raises(SubscriptionError, match="not offered"):
        subscription_start(user=make_consumer(), plan_id=plan.pk, terms_accepted=True, now=AT)


def test_renewal_takes_the_next_month_once_and_moves_the_renewal_date(make_consumer, earn_available):
    ana = make_consumer()
    earn_available(ana, "9.00")
    subscription = subscription_start(user=ana, plan_id=joyplus().pk, terms_accepted=True, now=AT)
    due = subscription.period_end

    assert subscription_renew(subscription_id=subscription.pk, now=due - timedelta(minutes=1)) == "NOT_DUE"
    assert subscriptions_renew_due(now=due + timedelta(minutes=3))["RENEWED"] == 1
    assert subscriptions_renew_due(now=due + timedelta(minutes=13))["RENEWED"] == 0

    subscription.refresh_from_db()
    assert (subscription.period_start, subscription.period_end) == (due, due + timedelta(days=31))
    assert available(ana) == eur("3.02")
    assert SubscriptionPayment.objects.filter(subscription=subscription).count() == 2
    books_clean()


def test_a_failed_renewal_ends_the_benefits_at_the_renewal_date_and_tells_the_person(
    make_user, earn_available, django_capture_on_commit_callbacks
):
    ana = make_user("ana@example.com")
    earn_available(ana, "3.00")
    subscription = subscription_start(user=ana, plan_id=joyplus().pk, terms_accepted=True, now=AT)
    due = subscription.period_end

    with django_capture_on_commit_callbacks(execute=True):
        outcome = subscription_renew(subscription_id=subscription.pk, now=due + timedelta(minutes=5))
    assert outcome == "RENEWAL_FAILED"

    subscription.refresh_from_db()
    assert (subscription.status, subscription.end_reason) == (
        SubscriptionStatus.ENDED,
        EndReason.RENEWAL_FAILED,
    )
    assert subscription.ended_at == due
    assert not benefits_for(user_id=ana.pk, now=due).plans
    assert available(ana) == eur("0.01")
    assert "could not be renewed" in mail.outbox[-1].body
    books_clean()


def test_a_cancelled_plan_runs_to_the_end_of_the_paid_month_then_ends_without_a_charge(
    make_consumer, earn_available
):
    ana = make_consumer()
    earn_available(ana, "9.00")
    subscription = subscription_start(user=ana, plan_id=joyplus().pk, terms_accepted=True, now=AT)

    subscription_cancel(user=ana, subscription_id=subscription.pk, now=AT + timedelta(days=2))
    assert benefits_for(user_id=ana.pk, now=AT + timedelta(days=20)).plans
    assert subscription_renew(subscription_id=subscription.pk, now=subscription.period_end) == "CANCELLED"

    subscription.refresh_from_db()
    assert subscription.status == SubscriptionStatus.ENDED and subscription.end_reason == EndReason.CANCELLED
    assert available(ana) == eur("6.01")


def test_a_cancellation_can_be_undone_before_the_month_ends(make_consumer, earn_available):
    ana = make_consumer()
    earn_available(ana, "9.00")
    subscription = subscription_start(user=ana, plan_id=joyplus().pk, terms_accepted=True, now=AT)
    subscription_cancel(user=ana, subscription_id=subscription.pk, now=AT)

    subscription_keep(user=ana, subscription_id=subscription.pk, now=AT + timedelta(days=1))

    assert subscription_renew(subscription_id=subscription.pk, now=subscription.period_end) == "RENEWED"


def test_nobody_cancels_someone_elses_subscription(make_consumer, earn_available):
    ana, ben = make_consumer(), make_consumer()
    earn_available(ana, "9.00")
    subscription = subscription_start(user=ana, plan_id=joyplus().pk, terms_accepted=True, now=AT)

    with pytest.raises(SubscriptionError, match="not yours"):
        subscription_cancel(user=ben, subscription_id=subscription.pk, now=AT)


def test_deleting_the_account_ends_the_plan_at_once(make_consumer, earn_available):
    ana = make_consumer("Ana")
    earn_available(ana, "5.00")
    subscription = subscription_start(user=ana, plan_id=joyplus().pk, terms_accepted=True, now=AT)

    plan = deletion_plan_get(user=ana, now=AT + timedelta(hours=1))
    result = account_delete(user=ana, confirmed=plan.fingerprint, now=AT + timedelta(hours=1))

    subscription.refresh_from_db()
    assert result.erased["subscriptions_ended"] == 1
    assert (subscription.status, subscription.ended_at) == (SubscriptionStatus.ENDED, AT + timedelta(hours=1))
    subscriptions_renew_due(now=AT + timedelta(days=31))
    assert SubscriptionPayment.objects.filter(subscription=subscription).count() == 1  # never renewed
    books_clean()


def test_the_data_export_holds_the_persons_plans_and_fees_and_nothing_of_another(
    make_consumer, earn_available
):
    ana, bo = make_consumer("Ana"), make_consumer("Bo")
    for person in (ana, bo):
        earn_available(person, "5.00")
    subscription_start(user=ana, plan_id=joyplus().pk, terms_accepted=True, now=AT)
    subscription_start(user=bo, plan_id=Plan.objects.get(code="joyfast").pk, terms_accepted=True, now=AT)

    sections = export_sections(user=ana)

    assert [row["plan"] for row in sections["subscriptions"]] == ["JoyPlus"]
    assert "never from the brand's money" in sections["subscriptions"][0]["terms_accepted"]
    assert [(row["plan"], row["amount"]) for row in sections["subscription_payments"]] == [
        ("JoyPlus", "2.99")
    ]


def test_the_failed_renewal_e_mail_is_in_the_persons_language_and_date_format(
    make_user, earn_available, django_capture_on_commit_callbacks
):
    ana = make_user("ana@example.com")
    ana.language, ana.time_zone = "de", "Europe/Berlin"
    ana.save(update_fields=["language", "time_zone"])
    earn_available(ana, "3.00")
    subscription = subscription_start(user=ana, plan_id=joyplus().pk, terms_accepted=True, now=AT)
    due = subscription.period_end

    with translation.override("fr"), django_capture_on_commit_callbacks(execute=True):  # not the reader's
        subscription_renew(subscription_id=subscription.pk, now=due + timedelta(minutes=5))

    body = mail.outbox[-1].body
    with translation.override("de"), timezone.override(ZoneInfo("Europe/Berlin")):
        day = formats.date_format(timezone.localtime(due), "DATE_FORMAT")
    assert f" {day} " in body and "." in day.split()[0]  # "22. Dezember 2026", the German day with its period
    assert "could not be renewed" not in body and "n\u2019a pas" not in body
    assert money_text(subscription.fee_money, language="de") in body  # "2,99 €", as German writes it
