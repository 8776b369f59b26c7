"""Card purchases through Stripe Checkout: the official library against the sandbox's fake, the
signed ``checkout.session.completed`` applied once, a tampered one refused."""

from __future__ import annotations

import json
import time
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from billing.models import Invoice
from billing.services import coin_invoices_issue_due
from billing.tests.conftest import pdf_text
from cards import stripe as stripe_checkout
from promote import services
from promote.models import CardCheckout, CheckoutStatus, CoinPurchase
from promote.tests.conftest import assert_books_clean, coins_of
from sandbox.stripe import sign


@pytest.fixture
def fake_stripe(live_server, settings):
    settings.STRIPE_API_BASE = live_server.url + "/sandbox/stripe"
    settings.STRIPE_SANDBOX_WEBHOOK_URL = live_server.url + reverse("promote:stripe_webhook")
    return live_server


def start(user, coins=1000) -> str:
    return services.card_checkout_start(
        holder=user,
        coins_count=coins,
        currency="EUR",
        actor=user,
        success_url="https://tikjoy.example/promote/?paid=1",
        cancel_url="https://tikjoy.example/promote/",
        now=timezone.now(),
    )


def completed(checkout: CardCheckout, **overrides) -> str:
    session = {
        "id": checkout.session_id,
        "object": "checkout.session",
        "payment_status": "paid",
        "status": "complete",
        "amount_total": 990,
        "currency": "eur",
    }
    session.update(overrides)
    return json.dumps(
        {"id": "evt_1", "object": "event", "type": "checkout.session.completed", "data": {"object": session}}
    )


def deliver(client, payload: str, *, secret: str, timestamp: int | None = None):
    return client.post(
        reverse("promote:stripe_webhook"),
        data=payload,
        content_type="application/json",
        headers={"Stripe-Signature": sign(payload, secret=secret, timestamp=timestamp)},
    )


@pytest.mark.django_db(transaction=True)
def test_the_library_opens_a_checkout_session_at_the_fake(fake_stripe, make_consumer):
    ana = make_consumer("Ana")
    url = start(ana)
    checkout = CardCheckout.objects.get()
    assert checkout.session_id.startswith("cs_test_")
    assert url == f"{fake_stripe.url}/sandbox/stripe/pay/{checkout.session_id}/"
    assert (checkout.amount, checkout.status) == (Decimal("9.90"), CheckoutStatus.OPEN)
    assert not CoinPurchase.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_paying_on_the_fake_credits_the_coins(fake_stripe, make_consumer, client):
    ana = make_consumer("Ana")
    url = start(ana, coins=500)
    response = client.post(url.removeprefix(fake_stripe.url))  # the "Pay" button of the hosted page
    assert response.status_code == 302
    assert response["Location"] == "https://tikjoy.example/promote/?paid=1"
    assert coins_of(ana) == 500
    assert CardCheckout.objects.get().status == CheckoutStatus.PAID
    assert_books_clean()


@pytest.mark.django_db(transaction=True)
def test_three_deliveries_credit_once(fake_stripe, make_consumer, client, settings):
    ana = make_consumer("Ana")
    start(ana)
    payload = completed(CardCheckout.objects.get())
    answers = [deliver(client, payload, secret=settings.STRIPE_WEBHOOK_SECRET).status_code for _ in range(3)]
    assert answers == [200, 200, 200]
    assert coins_of(ana) == 1000
    assert CoinPurchase.objects.count() == 1
    assert_books_clean()


@pytest.mark.django_db(transaction=True)
def test_a_tampered_or_forged_event_is_refused(fake_stripe, make_consumer, client, settings):
    ana = make_consumer("Ana")
    start(ana)
    checkout = CardCheckout.objects.get()
    signed = completed(checkout, amount_total=1)
    header = sign(signed, secret=settings.STRIPE_WEBHOOK_SECRET)
    tampered = signed.replace('"amount_total": 1', '"amount_total": 990')
    response = client.post(
        reverse("promote:stripe_webhook"),
        data=tampered,
        content_type="application/json",
        headers={"Stripe-Signature": header},
    )
    assert response.status_code == 400
    assert deliver(client, completed(checkout), secret="whsec_not_the_secret").status_code == 400
    old = int(time.time()) - 3600
    assert (
        deliver(client, completed(checkout), secret=settings.STRIPE_WEBHOOK_SECRET, timestamp=old).status_code
        == 400
    )
    # Signed, but for another amount than the checkout's: refused too.
    assert deliver(client, signed, secret=settings.STRIPE_WEBHOOK_SECRET).status_code == 422
    assert not CoinPurchase.objects.exists()
    assert services.coin_balance(wallet=checkout.wallet) == 0


@pytest.mark.django_db
def test_a_stripe_that_cant_be_reached_leaves_nothing_behind(make_consumer, settings):
    settings.STRIPE_API_BASE = "http://127.0.0.1:9"  # nothing listens there
    ana = make_consumer("Ana")
    with pytest.raises(stripe_checkout.CardPaymentUnavailable, match="could not be opened"):
        start(ana)
    assert not CardCheckout.objects.exists()


def test_signatures_agree_with_the_official_library(settings):
    """The fake signs as Stripe does: the stripe library's own check accepts it, and so does ours."""
    import stripe

    payload = '{"id": "evt_1", "type": "checkout.session.completed", "data": {"object": {}}}'
    header = sign(payload, secret=settings.STRIPE_WEBHOOK_SECRET)
    assert stripe.WebhookSignature.verify_header(payload, header, settings.STRIPE_WEBHOOK_SECRET, 300)
    assert stripe_checkout.event_verify(payload=payload.encode(), signature=header)["id"] == "evt_1"


@pytest.mark.django_db
def test_a_signed_body_that_is_no_event_is_acknowledged_and_ignored(client, settings):
    for body in ("[]", "not json", '{"type": "checkout.session.completed", "data": {"object": "x"}}'):
        assert deliver(client, body, secret=settings.STRIPE_WEBHOOK_SECRET).status_code == 200
    assert not CoinPurchase.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_three_deliveries_make_one_invoice(fake_stripe, make_consumer, client, settings):
    ana = make_consumer("Ana")
    start(ana)
    payload = completed(CardCheckout.objects.get())
    for _ in range(3):  # the invoice schedule runs between the deliveries
        assert deliver(client, payload, secret=settings.STRIPE_WEBHOOK_SECRET).status_code == 200
        coin_invoices_issue_due(now=timezone.now())

    invoice = Invoice.objects.get()
    assert (invoice.user, invoice.gross_amount, invoice.number) == (ana, Decimal("9.90"), invoice.number)
    assert invoice.number.endswith("-000001")
    text = " ".join(pdf_text(invoice.pdf).split())
    assert f"Paid by card on {timezone.now():%-d %B %Y} 9.90 EUR" in text
    assert "TikJoy Promote coins: 1,000 coins" in text
    assert_books_clean()


@pytest.mark.django_db
def test_back_from_the_card_payment_the_thanks_is_said_once(make_consumer, client):
    """Walk finding: "?paid=1" stayed in the address, so every reload thanked again."""
    client.force_login(make_consumer("Ana"))
    back = client.get("/promote/?paid=1")
    assert back.status_code == 302 and back["Location"] == "/promote/"
    thanks = "Thank you: your coins appear here as soon as the card payment is confirmed."
    assert thanks in client.get("/promote/").content.decode()
    assert thanks not in client.get("/promote/").content.decode()  # the reload
