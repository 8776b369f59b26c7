"""Stripe's webhook endpoint, ``/stripe/webhook/`` (and Promote's older ``/promote/stripe/webhook/``).

The signature is checked first (400 when it doesn't hold); then ``cards.signals.stripe_event``
goes to every owner of card payments, each of which recognises its own objects (Promote's coin
checkouts, subscriptions' checkouts and renewals) and applies them once. A paid
``checkout.session.completed`` that no owner recognises is refused (422: Stripe retries, and the
delivery stays visible in its dashboard); any other event nobody owns is acknowledged.
"""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from cards import stripe
from cards.signals import stripe_event
from core.errors import DomainError


@csrf_exempt
@require_POST
def stripe_webhook(request: HttpRequest) -> HttpResponse:
    try:
        event = stripe.event_verify(
            payload=request.body, signature=request.headers.get("Stripe-Signature", "")
        )
    except stripe.InvalidEvent as exc:
        return HttpResponse(str(exc), status=400, content_type="text/plain")
    if event is None:
        return HttpResponse("ok", content_type="text/plain")
    try:
        answers = stripe_event.send(sender=None, event=event, now=timezone.now())
    except DomainError as exc:
        return HttpResponse(str(exc), status=422, content_type="text/plain")
    obj = stripe.event_object(event)
    if (
        not any(handled is True for _receiver, handled in answers)
        and event.get("type") == "checkout.session.completed"
        and obj is not None
        and obj.get("payment_status") == "paid"
    ):
        return HttpResponse("Unknown checkout session.", status=422, content_type="text/plain")
    return HttpResponse("ok", content_type="text/plain")
