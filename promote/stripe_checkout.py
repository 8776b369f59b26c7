"""Card purchases of coins through Stripe Checkout, with the official ``stripe`` library.

``session_create`` asks Stripe for a Checkout Session (one line: the coins, in the wallet's
currency, amount in minor units) and returns its URL; the person pays there. Stripe then
POSTs a signed ``checkout.session.completed`` event to ``/promote/stripe/webhook/``;
``event_verify`` checks the ``Stripe-Signature`` over the raw body as Stripe signs it
(HMAC-SHA256 of ``t.body``, constant-time, 5-minute tolerance, as the library's
``WebhookSignature`` does; on bytes, so no body can break the check) and the service
credits the coins once. In sandbox mode STRIPE_API_BASE points
at ``sandbox/stripe.py``, a fake that speaks the same wire format and signs its events.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import time
from decimal import Decimal

import stripe
from django.conf import settings

from core.errors import DomainError


class CardPaymentUnavailable(DomainError):
    pass


class InvalidEvent(DomainError):
    pass


TOLERANCE_SECONDS = 300  # the stripe library's default tolerance


def _client() -> stripe.StripeClient:
    if not settings.STRIPE_SECRET_KEY:
        raise CardPaymentUnavailable("Card payment is not set up: buy coins with your TikJoy wallet.")
    return stripe.StripeClient(
        settings.STRIPE_SECRET_KEY,
        base_addresses={"api": settings.STRIPE_API_BASE},
        max_network_retries=2,
    )


def minor_units(amount: Decimal) -> int:
    return int((amount * 100).to_integral_value())


def session_create(
    *, reference: str, coins: int, amount: Decimal, currency: str, success_url: str, cancel_url: str
) -> tuple[str, str]:
    """A Checkout Session for ``coins`` at ``amount``; returns ``(session id, URL to pay at)``."""
    try:
        session = _client().v1.checkout.sessions.create(
            params={
                "mode": "payment",
                "line_items": [
                    {
                        "quantity": 1,
                        "price_data": {
                            "currency": currency.lower(),
                            "unit_amount": minor_units(amount),
                            "product_data": {"name": f"{coins} TikJoy Promote coins"},
                        },
                    }
                ],
                "client_reference_id": reference,
                "metadata": {"tikjoy_checkout": reference},
                "success_url": success_url,
                "cancel_url": cancel_url,
            },
            options={"idempotency_key": f"tikjoy-checkout-{reference}"},
        )
    except stripe.StripeError as exc:
        raise CardPaymentUnavailable(
            "The card payment page could not be opened; try again in a moment."
        ) from exc
    return session.id, session.url


def _signature_parts(header: str) -> tuple[int, list[str]]:
    timestamp, signatures = None, []
    for item in header.split(","):
        key, _, value = item.strip().partition("=")
        if key == "t" and value.isdigit() and len(value) <= 12:
            timestamp = int(value)
        elif key == "v1" and value:
            signatures.append(value)
    if timestamp is None or not signatures:
        raise InvalidEvent("The event is not signed.")
    return timestamp, signatures


def event_verify(*, payload: bytes, signature: str, now: float | None = None) -> dict | None:
    """Check the ``Stripe-Signature`` (HMAC-SHA256 of ``"<t>." + the raw body`` with the endpoint
    secret, any ``v1`` matching, ``t`` within 5 minutes) and return the event; ``InvalidEvent``
    when the signature doesn't hold. A signed body that is not a Stripe event gives ``None``
    (acknowledged and ignored, so Stripe doesn't retry it)."""
    secret = settings.STRIPE_WEBHOOK_SECRET
    if not secret:
        raise InvalidEvent("Stripe webhooks are not set up.")
    timestamp, signatures = _signature_parts(signature)
    now = time.time() if now is None else now
    if abs(now - timestamp) > TOLERANCE_SECONDS:
        raise InvalidEvent("The event's timestamp is too old.")
    expected = hmac.new(secret.encode(), f"{timestamp}.".encode() + payload, hashlib.sha256).hexdigest()
    if not any(hmac.compare_digest(expected, candidate) for candidate in signatures):
        raise InvalidEvent("The event's signature doesn't match.")
    try:
        event = json.loads(payload)
    except (UnicodeDecodeError, ValueError, RecursionError):
        return None
    if not isinstance(event, dict) or not isinstance(event.get("data"), dict):
        return None
    return event
