"""Card purchases of coins through Stripe Checkout, with the official ``stripe`` library.

``session_create`` asks Stripe for a Checkout Session (one line: the coins, in the wallet's
currency, amount in minor units) and returns its URL; the person pays there. Stripe then
POSTs a signed ``checkout.session.completed`` event to ``/promote/stripe/webhook/``;
``event_verify`` checks the ``Stripe-Signature`` with the library (HMAC-SHA256, timestamp
tolerance) and the service credits the coins once. In sandbox mode STRIPE_API_BASE points
at ``sandbox/stripe.py``, a fake that speaks the same wire format and signs its events.
"""

from __future__ import annotations

import json
from decimal import Decimal

import stripe
from django.conf import settings

from core.errors import DomainError


class CardPaymentUnavailable(DomainError):
    pass


class InvalidEvent(DomainError):
    pass


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


def event_verify(*, payload: bytes, signature: str) -> dict:
    """The event, once its ``Stripe-Signature`` is checked (raises ``InvalidEvent`` otherwise)."""
    if not settings.STRIPE_WEBHOOK_SECRET:
        raise InvalidEvent("Stripe webhooks are not set up.")
    try:
        stripe.WebhookSignature.verify_header(
            payload.decode("utf-8"), signature, settings.STRIPE_WEBHOOK_SECRET, 300
        )
        event = json.loads(payload)
    except (stripe.SignatureVerificationError, UnicodeDecodeError, ValueError) as exc:
        raise InvalidEvent("The event's signature doesn't match.") from exc
    if not isinstance(event, dict) or not isinstance(event.get("data"), dict):
        raise InvalidEvent("Not a Stripe event.")
    return event
