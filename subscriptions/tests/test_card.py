"""Subscriptions paid by card: the official stripe library against the sandbox's fake over real
HTTP (Checkout saving the card, off-session PaymentIntents at renewal, signed webhooks), the
money on the ledger once per period however the events arrive."""

from __future__ import annotations

import json
import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from decimal import Decimal

import pytest
import requests
from django.db import connection
from django.urls import reverse
from django.utils import timezone

from sandbox.models import SandboxStripePaymentIntent, SandboxStripePaymentMethod, SandboxStripeSession
from sandbox.stripe import sign
from subscriptions.models import (
    CheckoutStatus,
    EndReason,
    PayWith,
    Plan,
    Subscription,
    SubscriptionCheckout,
    SubscriptionPayment,
    SubscriptionStatus,
)
from subscriptions.services import (
    subscription_cancel,
    subscription_renew,
    subscription_start,
    subscriptions_end_for_person,
)
from subscriptions.tests.conftest import available, books_clean, eur
from wallets.models import PLATFORM, Purpose, Transaction
from wallets.services import account_for, balance

pytestmark = pytest.mark.django_db(transaction=True)

HOME = "/wallet/subscriptions/"


@pytest.fixture
def fake_stripe(live_server, settings):
    settings.STRIPE_API_BASE = live_server.url + "/sandbox/stripe"
    settings.STRIPE_SANDBOX_WEBHOOK_URL = live_server.url + reverse("cards:stripe_webhook")
    return live_server


@pytest.fixture
def ana(make_consumer, client):
    person = make_consumer("Ana")
    client.force_login(person)
    return person


def joyplus() -> Plan:
    return Plan.objects.get(code="joyplus")


def subscribe_by_card(client) -> str:
    response = client.post(
        reverse("subscriptions:subscribe"), {"plan": joyplus().pk, "accept": "on", "pay_with": "CARD"}
    )
    assert response.status_code == 302, response.content.decode()[:500]
    return response["Location"]


def pay(client, fake_stripe, url: str, *, decline_later: bool = False):
    """The "Pay" button of the fake's hosted page."""
    return client.post(url.removeprefix(fake_stripe.url), {"decline_later": "1"} if decline_later else {})


def bank():
    return balance(account_for(owner=PLATFORM, purpose=Purpose.PLATFORM_BANK, currency="EUR"))


def revenue():
    return balance(account_for(owner=PLATFORM, purpose=Purpose.PLATFORM_REVENUE, currency="EUR"))


def deliver_at(url: str, payload: str, secret: str) -> int:
    try:
        return requests.post(
            url,
            data=payload.encode(),
            headers={"Content-Type": "application/json", "Stripe-Signature": sign(payload, secret=secret)},
            timeout=30,
        ).status_code
    finally:
        connection.close()


def test_paying_by_card_starts_the_plan_only_once_paid(fake_stripe, client, ana):
    bank_before, revenue_before = bank(), revenue()
    url = subscribe_by_card(client)
    assert url.startswith(fake_stripe.url + "/sandbox/stripe/pay/cs_test_")
    # Not paid yet: no plan, no benefit, nothing on the ledger.
    assert not Subscription.objects.exists()
    assert "You have JoyPlus" not in client.get(HOME).content.decode()

    response = pay(client, fake_stripe, url)
    assert response.status_code == 302 and response["Location"].endswith(HOME + "?card=paid")

    subscription = Subscription.objects.get()
    assert (subscription.status, subscription.pay_with) == (SubscriptionStatus.ACTIVE, PayWith.CARD)
    assert subscription.card_customer.startswith("cus_") and subscription.card_payment_method.startswith(
        "pm_"
    )
    payment = SubscriptionPayment.objects.get()
    assert (payment.pay_with, payment.amount) == (PayWith.CARD, Decimal("2.99"))
    assert payment.payment_intent.startswith("pi_")
    assert SubscriptionCheckout.objects.get().status == CheckoutStatus.PAID
    fee = Transaction.objects.get(kind="SUBSCRIPTION_FEE")
    assert "paid by card" in fee.reason
    assert bank() == bank_before - eur("2.99") and revenue() == revenue_before + eur("2.99")
    assert available(ana) == eur("0")  # the balance was not touched

    page = client.get(HOME).content.decode()
    assert "paid by card" in page and "You have JoyPlus" in page
    assert "<td>Card</td>" in page
    books_clean()


def test_double_click_two_tabs_and_the_back_button_open_one_payment_page(fake_stripe, client, ana):
    first, second = subscribe_by_card(client), subscribe_by_card(client)
    assert first == second
    # Abandoned: back to TikJoy without paying, then subscribing again gives the same page.
    assert client.get(HOME).status_code == 200
    assert subscribe_by_card(client) == first
    assert SubscriptionCheckout.objects.count() == 1 and SandboxStripeSession.objects.count() == 1
    assert not Subscription.objects.exists()

    pay(client, fake_stripe, first)
    pay(client, fake_stripe, first)  # the page again after paying: nothing more
    assert Subscription.objects.count() == 1 and SubscriptionPayment.objects.count() == 1
    assert SandboxStripePaymentIntent.objects.count() == 1
    # Subscribed: another card checkout is refused with a message.
    response = client.post(
        reverse("subscriptions:subscribe"), {"plan": joyplus().pk, "accept": "on", "pay_with": "CARD"}
    )
    assert response.status_code == 400 and "You already have JoyPlus" in response.content.decode()
    books_clean()


def test_ten_concurrent_deliveries_of_the_completed_checkout_start_the_plan_once(
    fake_stripe, client, ana, settings
):
    settings.STRIPE_SANDBOX_WEBHOOK_URL = "http://127.0.0.1:9/"  # the fake's own delivery gets lost
    url = subscribe_by_card(client)
    pay(client, fake_stripe, url)
    assert not Subscription.objects.exists()
    session = SandboxStripeSession.objects.get()
    payload = json.dumps(
        {
            "id": "evt_dup",
            "object": "event",
            "type": "checkout.session.completed",
            "data": {
                "object": {
                    "id": session.session_id,
                    "object": "checkout.session",
                    "payment_status": "paid",
                    "amount_total": session.amount_total,
                    "currency": "eur",
                    "customer": session.customer_id,
                    "payment_intent": session.payment_intent_id,
                }
            },
        }
    )
    webhook = fake_stripe.url + reverse("cards:stripe_webhook")
    barrier = threading.Barrier(10, timeout=60)

    def deliver(_i):
        barrier.wait()
        return deliver_at(webhook, payload, settings.STRIPE_WEBHOOK_SECRET)

    with ThreadPoolExecutor(max_workers=10) as pool:
        answers = list(pool.map(deliver, range(10)))

    assert answers == [200] * 10
    assert Subscription.objects.count() == 1
    assert SubscriptionPayment.objects.count() == 1
    assert Transaction.objects.filter(kind="SUBSCRIPTION_FEE").count() == 1
    books_clean()


def test_a_renewal_charges_the_saved_card_once_per_period(fake_stripe, client, ana, settings):
    pay(client, fake_stripe, subscribe_by_card(client))
    subscription = Subscription.objects.get()
    due = subscription.period_end

    assert subscription_renew(subscription_id=subscription.pk, now=due + timedelta(seconds=1)) == "RENEWED"
    assert subscription_renew(subscription_id=subscription.pk, now=due + timedelta(seconds=2)) == "NOT_DUE"

    subscription.refresh_from_db()
    assert subscription.period_start == due
    renewal = SubscriptionPayment.objects.get(period_start=due)
    assert renewal.pay_with == PayWith.CARD
    intent = SandboxStripePaymentIntent.objects.get(payment_intent_id=renewal.payment_intent)
    assert intent.off_session and intent.amount == 299
    assert intent.metadata == {"tikjoy_subscription": str(subscription.pk), "period_start": due.isoformat()}

    # Stripe retries and duplicates its payment_intent.succeeded, at once: the period stays paid once.
    payload = json.dumps(
        {
            "id": "evt_renewal",
            "object": "event",
            "type": "payment_intent.succeeded",
            "data": {
                "object": {
                    "id": intent.payment_intent_id,
                    "object": "payment_intent",
                    "amount": 299,
                    "currency": "eur",
                    "status": "succeeded",
                    "metadata": intent.metadata,
                }
            },
        }
    )
    webhook = fake_stripe.url + reverse("cards:stripe_webhook")
    barrier = threading.Barrier(8, timeout=60)

    def deliver(_i):
        barrier.wait()
        return deliver_at(webhook, payload, settings.STRIPE_WEBHOOK_SECRET)

    with ThreadPoolExecutor(max_workers=8) as pool:
        assert list(pool.map(deliver, range(8))) == [200] * 8
    assert SubscriptionPayment.objects.filter(subscription=subscription).count() == 2
    assert Transaction.objects.filter(kind="SUBSCRIPTION_FEE").count() == 2
    assert SandboxStripePaymentIntent.objects.filter(off_session=True).count() == 1
    books_clean()


def test_concurrent_renewal_events_before_the_answer_pay_the_period_once(fake_stripe, client, ana, settings):
    """The events can come before TikJoy's own renewal run: the first one pays the period, the run
    then finds it paid."""
    pay(client, fake_stripe, subscribe_by_card(client))
    subscription = Subscription.objects.get()
    due = subscription.period_end
    payload = json.dumps(
        {
            "id": "evt_early",
            "object": "event",
            "type": "payment_intent.succeeded",
            "data": {
                "object": {
                    "id": "pi_early",
                    "object": "payment_intent",
                    "amount": 299,
                    "currency": "eur",
                    "status": "succeeded",
                    "metadata": {
                        "tikjoy_subscription": str(subscription.pk),
                        "period_start": due.isoformat(),
                    },
                }
            },
        }
    )
    webhook = fake_stripe.url + reverse("cards:stripe_webhook")
    barrier = threading.Barrier(10, timeout=60)

    def deliver(_i):
        barrier.wait()
        return deliver_at(webhook, payload, settings.STRIPE_WEBHOOK_SECRET)

    with ThreadPoolExecutor(max_workers=10) as pool:
        assert list(pool.map(deliver, range(10))) == [200] * 10
    assert SubscriptionPayment.objects.filter(subscription=subscription).count() == 2
    assert subscription_renew(subscription_id=subscription.pk, now=due + timedelta(seconds=1)) == "NOT_DUE"
    assert Transaction.objects.filter(kind="SUBSCRIPTION_FEE").count() == 2
    books_clean()


def test_a_declined_renewal_ends_the_plan_at_the_period_end_and_forgets_the_card(
    fake_stripe, client, ana, mailoutbox
):
    pay(client, fake_stripe, subscribe_by_card(client), decline_later=True)
    subscription = Subscription.objects.get()
    due = subscription.period_end

    assert subscription_renew(subscription_id=subscription.pk, now=due + timedelta(minutes=5)) == (
        EndReason.CARD_DECLINED
    )
    subscription.refresh_from_db()
    assert subscription.status == SubscriptionStatus.ENDED
    assert subscription.ended_at == due  # at the end of the paid period, never earlier
    assert SubscriptionPayment.objects.count() == 1
    assert Transaction.objects.filter(kind="SUBSCRIPTION_FEE").count() == 1
    assert (
        SandboxStripePaymentMethod.objects.get(payment_method_id=subscription.card_payment_method).customer_id
        == ""
    )
    page = client.get(HOME).content.decode()
    assert "Not renewed: the card was declined" in page
    books_clean()


def test_cancelling_ends_at_the_period_end_without_charging_the_card(fake_stripe, client, ana):
    pay(client, fake_stripe, subscribe_by_card(client))
    subscription = Subscription.objects.get()
    subscription_cancel(user=ana, subscription_id=subscription.pk, now=subscription.period_start)

    assert (
        subscription_renew(subscription_id=subscription.pk, now=subscription.period_end)
        == EndReason.CANCELLED
    )
    assert SandboxStripePaymentIntent.objects.count() == 1  # the first month only
    assert (
        SandboxStripePaymentMethod.objects.get(payment_method_id=subscription.card_payment_method).customer_id
        == ""
    )
    books_clean()


def test_a_card_payment_for_a_plan_already_held_is_refunded(fake_stripe, client, ana, earn_available):
    earn_available(ana, "5.00", at=timezone.now() - timedelta(minutes=5))
    url = subscribe_by_card(client)
    # Meanwhile, in another tab, the person subscribes from the balance; then pays the card page.
    held = subscription_start(user=ana, plan_id=joyplus().pk, terms_accepted=True, now=timezone.now())
    pay(client, fake_stripe, url)

    checkout = SubscriptionCheckout.objects.get()
    assert checkout.status == CheckoutStatus.REFUNDED
    assert Subscription.objects.get() == held
    intent = SandboxStripePaymentIntent.objects.get(payment_intent_id=checkout.payment_intent)
    assert intent.refund_id.startswith("re_") and intent.amount_refunded == 299
    assert Transaction.objects.filter(kind="SUBSCRIPTION_FEE").count() == 1  # the balance's only
    books_clean()


def test_a_card_page_paid_after_the_account_was_deleted_starts_nothing_and_is_refunded(
    fake_stripe, client, ana
):
    url = subscribe_by_card(client)
    # The person deletes their account (privacy ends their plans, then erases them) with the page open.
    subscriptions_end_for_person(user=ana, now=timezone.now())
    type(ana).objects.filter(pk=ana.pk).update(is_active=False, deleted_at=timezone.now())
    assert SubscriptionCheckout.objects.get().status == CheckoutStatus.EXPIRED

    pay(client, fake_stripe, url)

    checkout = SubscriptionCheckout.objects.get()
    assert checkout.status == CheckoutStatus.REFUNDED
    assert not Subscription.objects.exists()
    intent = SandboxStripePaymentIntent.objects.get(payment_intent_id=checkout.payment_intent)
    assert intent.refund_id.startswith("re_") and intent.amount_refunded == 299
    assert not Transaction.objects.filter(kind="SUBSCRIPTION_FEE").exists()
    books_clean()


def test_a_paid_amount_that_is_not_the_fee_is_refused(fake_stripe, client, ana, settings):
    subscribe_by_card(client)
    checkout = SubscriptionCheckout.objects.get()
    payload = json.dumps(
        {
            "id": "evt_bad",
            "object": "event",
            "type": "checkout.session.completed",
            "data": {
                "object": {
                    "id": checkout.session_id,
                    "payment_status": "paid",
                    "amount_total": 1,
                    "currency": "eur",
                }
            },
        }
    )
    webhook = fake_stripe.url + reverse("cards:stripe_webhook")
    assert deliver_at(webhook, payload, settings.STRIPE_WEBHOOK_SECRET) == 422
    assert not Subscription.objects.exists()
