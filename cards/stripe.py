"""TikJoy's client of Stripe, with the official ``stripe`` library; shared by every app that takes
card payments (Promote's coins, subscriptions' monthly fees), so it sits low in the layers.

- ``checkout_session_create``: a Checkout Session (Stripe's hosted payment page); the caller
  builds its parameters (mode, line items, ``metadata`` naming its owner) and keeps its id.
- ``payment_intent_retrieve``: the PaymentIntent of a paid session (its ``payment_method`` and
  ``customer``, saved for later payments when the session asked ``setup_future_usage``).
- ``payment_intent_charge``: an off-session payment with a saved card (``off_session`` and
  ``confirm``), Stripe's documented way to charge a person who is not there (a renewal);
  a declined card raises ``CardDeclined``.
- ``refund_create``: give a payment back in full.
- ``event_verify``: the ``Stripe-Signature`` of a webhook delivery (HMAC-SHA256 of ``t.body``,
  constant-time, 5-minute tolerance, as the library's ``WebhookSignature`` does; on bytes, so no
  body can break the check). ``cards.views.stripe_webhook`` verifies and then sends the
  ``cards.signals.stripe_event`` signal: each owner (promote, subscriptions) recognises its own
  objects.

Every call that moves money carries a Stripe ``Idempotency-Key`` derived from TikJoy's own record,
so a retry (ours or the library's) never charges twice. In sandbox mode STRIPE_API_BASE points at
``sandbox/stripe.py``, a fake that speaks the same wire format and signs its events.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import time
from dataclasses import dataclass
from decimal import Decimal

import stripe
from django.conf import settings
from django.utils.translation import gettext as _

from core.errors import DomainError


class CardPaymentUnavailable(DomainError):
    pass


class CardDeclined(DomainError):
    """Stripe refused to charge the card (``card_error``: declined, expired, needs the person)."""

    def __init__(self, message: str, *, code: str = "", payment_intent: str = "") -> None:
        super().__init__(message)
        self.code, self.payment_intent = code, payment_intent


class InvalidEvent(DomainError):
    pass


TOLERANCE_SECONDS = 300  # the stripe library's default tolerance


@dataclass(frozen=True)
class CheckoutSession:
    id: str
    url: str
    expires_at: int | None


@dataclass(frozen=True)
class PaymentIntent:
    id: str
    status: str
    amount: int
    currency: str
    customer: str
    payment_method: str


def _client() -> stripe.StripeClient:
    if not settings.STRIPE_SECRET_KEY:
        raise CardPaymentUnavailable(_("Card payment is not set up: pay with your TikJoy wallet."))
    return stripe.StripeClient(
        settings.STRIPE_SECRET_KEY,
        base_addresses={"api": settings.STRIPE_API_BASE},
        max_network_retries=2,
    )


def minor_units(amount: Decimal) -> int:
    return int((amount * 100).to_integral_value())


def _unavailable(exc: Exception) -> CardPaymentUnavailable:
    return CardPaymentUnavailable(_("The card payment could not be reached; try again in a moment."))


def checkout_session_create(*, params: dict, idempotency_key: str) -> CheckoutSession:
    """A Checkout Session with ``params`` as Stripe documents them; the person pays at its URL."""
    try:
        session = _client().v1.checkout.sessions.create(
            params=params, options={"idempotency_key": idempotency_key}
        )
    except stripe.StripeError as exc:
        raise CardPaymentUnavailable(
            _("The card payment page could not be opened; try again in a moment.")
        ) from exc
    return CheckoutSession(id=session.id, url=session.url, expires_at=getattr(session, "expires_at", None))


def _intent(resource) -> PaymentIntent:
    obj = resource.to_dict()

    def _id(value) -> str:
        if value is None:
            return ""
        return value if isinstance(value, str) else str(value.get("id", ""))

    return PaymentIntent(
        id=obj["id"],
        status=obj.get("status") or "",
        amount=int(obj.get("amount") or 0),
        currency=str(obj.get("currency") or "").upper(),
        customer=_id(obj.get("customer")),
        payment_method=_id(obj.get("payment_method")),
    )


def payment_intent_retrieve(payment_intent: str) -> PaymentIntent:
    try:
        return _intent(_client().v1.payment_intents.retrieve(payment_intent))
    except stripe.StripeError as exc:
        raise _unavailable(exc) from exc


def payment_intent_charge(
    *,
    amount: Decimal,
    currency: str,
    customer: str,
    payment_method: str,
    description: str,
    metadata: dict[str, str],
    idempotency_key: str,
) -> PaymentIntent:
    """Charge a saved card while the person is away (``off_session=true, confirm=true``).

    Returns the PaymentIntent (``status`` ``succeeded`` when paid); ``CardDeclined`` when Stripe
    refuses the card (a ``card_error``, e.g. ``card_declined``, ``expired_card``,
    ``authentication_required``); ``CardPaymentUnavailable`` when Stripe can't be reached (try
    again later: the same idempotency key gives the same answer, never a second charge)."""
    try:
        intent = _client().v1.payment_intents.create(
            params={
                "amount": minor_units(amount),
                "currency": currency.lower(),
                "customer": customer,
                "payment_method": payment_method,
                "off_session": True,
                "confirm": True,
                "description": description,
                "metadata": metadata,
            },
            options={"idempotency_key": idempotency_key},
        )
    except stripe.CardError as exc:
        error = (exc.json_body or {}).get("error") or {}
        intent = error.get("payment_intent") if isinstance(error.get("payment_intent"), dict) else {}
        raise CardDeclined(
            _("The card was declined."),
            code=str(error.get("code") or "card_declined"),
            payment_intent=str(intent.get("id", "")),
        ) from exc
    except stripe.StripeError as exc:
        raise _unavailable(exc) from exc
    return _intent(intent)


def refund_create(*, payment_intent: str, idempotency_key: str) -> str:
    """Refund a payment in full; returns the refund's id."""
    try:
        refund = _client().v1.refunds.create(
            params={"payment_intent": payment_intent, "reason": "duplicate"},
            options={"idempotency_key": idempotency_key},
        )
    except stripe.StripeError as exc:
        raise _unavailable(exc) from exc
    return refund.id


def _signature_parts(header: str) -> tuple[int, list[str]]:
    timestamp, signatures = None, []
    for item in header.split(","):
        key, _sep, value = item.strip().partition("=")
        if key == "t" and value.isascii() and value.isdigit() and len(value) <= 12:
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


def event_object(event: dict) -> dict | None:
    """The event's ``data.object`` when it is an object (else ``None``)."""
    obj = event["data"].get("object")
    return obj if isinstance(obj, dict) else None


def payment_method_detach(payment_method: str) -> None:
    """Detach a saved card from its customer: it can't be charged any more."""
    try:
        _client().v1.payment_methods.detach(payment_method)
    except stripe.InvalidRequestError:
        return  # already detached or gone
    except stripe.StripeError as exc:
        raise _unavailable(exc) from exc
