"""Scheduled and queued work of subscriptions (django-q2; the schedule is created by migration 0002).

- every 10 minutes, ``renew_due``: renew or end the subscriptions whose paid period ended.
- ``card_payment_refund``: give back a card payment that came for a plan the person already had
  (or a period already paid); Stripe's idempotency key makes a retry harmless.
- ``card_forget``: detach the saved card of a subscription that ended, so nothing charges it again.
"""

from __future__ import annotations

from django.utils import timezone

from cards import stripe
from subscriptions.models import Subscription
from subscriptions.services import subscriptions_renew_due


def renew_due() -> dict[str, int]:
    return subscriptions_renew_due(now=timezone.now())


def card_payment_refund(payment_intent: str) -> str:
    return stripe.refund_create(
        payment_intent=payment_intent, idempotency_key=f"tikjoy-refund-{payment_intent}"
    )


def card_forget(subscription_id: int) -> None:
    method = (
        Subscription.objects.filter(pk=subscription_id).values_list("card_payment_method", flat=True).first()
    )
    if method:
        stripe.payment_method_detach(method)
