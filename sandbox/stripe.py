"""A fake of Stripe's Checkout API and its webhooks, for the official ``stripe`` library.

- ``POST /sandbox/stripe/v1/checkout/sessions`` (form-encoded, ``Authorization: Bearer sk_...``,
  ``Idempotency-Key``) answers a ``checkout.session`` object as Stripe does (``id`` cs_test_...,
  ``url``, ``amount_total`` in minor units, ``payment_status`` "unpaid"); errors as Stripe's
  ``{"error": {"type", "message"}}`` with its status codes.
- ``/sandbox/stripe/pay/<id>/`` is the hosted payment page: "Pay" marks the session paid, POSTs
  the ``checkout.session.completed`` event to STRIPE_SANDBOX_WEBHOOK_URL signed as Stripe signs
  (``Stripe-Signature: t=<unix>,v1=<HMAC-SHA256 of "t.payload" with the endpoint secret>``) and
  goes on to the ``success_url``. A session made with ``customer_creation=always`` and
  ``payment_intent_data[setup_future_usage]=off_session`` saves the card: the payment makes a
  customer (``cus_...``), a payment method (``pm_...``) and a succeeded PaymentIntent (``pi_...``),
  named in the session (``customer``, ``payment_intent``); ``payment_intent.succeeded`` is sent
  too, as Stripe does. The page's "decline later charges" box stands for a card that is saved
  but whose later charges fail (Stripe's test card 4000 0000 0000 0341).
- ``POST /v1/checkout/sessions/<id>/expire``: an open session can no longer be paid.
- ``GET /v1/payment_intents/<id>``; ``POST /v1/payment_intents`` with ``customer``,
  ``payment_method``, ``off_session=true``, ``confirm=true``: charges the saved card at once,
  ``succeeded`` (and the ``payment_intent.succeeded`` event), or a 402 ``card_error``
  ``card_declined`` with the PaymentIntent in ``error.payment_intent`` (and
  ``payment_intent.payment_failed``). The same ``Idempotency-Key`` replays the first answer.
- ``POST /v1/refunds`` (``payment_intent``): a full refund (``charge_already_refunded`` after).
- ``POST /v1/payment_methods/<id>/detach``: the card can't be charged any more.
"""

from __future__ import annotations

import contextlib
import hashlib
import hmac
import json
import re
import secrets
import time

import requests
from django.conf import settings
from django.db import IntegrityError, transaction
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods, require_POST

from sandbox.models import SandboxStripePaymentIntent, SandboxStripePaymentMethod, SandboxStripeSession

_KEY = re.compile(r"\[([^\]]*)\]")


def _nested(form) -> dict:
    """Stripe's form encoding (``line_items[0][price_data][currency]=eur``) as nested dicts."""
    out: dict = {}
    for raw_key, value in form.items():
        head = raw_key.split("[", 1)[0]
        path = [head, *_KEY.findall(raw_key)]
        node = out
        for part in path[:-1]:
            node = node.setdefault(part, {})
        node[path[-1]] = value
    return out


def _error(status: int, message: str, kind: str = "invalid_request_error") -> JsonResponse:
    return JsonResponse({"error": {"type": kind, "message": message}}, status=status)


SESSION_LIFETIME = 24 * 3600  # Stripe's default expires_at: 24 hours after creation


def _authorized(request: HttpRequest) -> bool:
    return request.headers.get("Authorization", "") == f"Bearer {settings.STRIPE_SECRET_KEY}"


def _session_status(session: SandboxStripeSession) -> str:
    if session.payment_status == "paid":
        return "complete"
    if session.expired or session.created_at.timestamp() + SESSION_LIFETIME < time.time():
        return "expired"
    return "open"


def _session_json(session: SandboxStripeSession, request: HttpRequest) -> dict:
    return {
        "id": session.session_id,
        "object": "checkout.session",
        "mode": "payment",
        "status": _session_status(session),
        "customer_creation": session.customer_creation or None,
        "customer": session.customer_id or None,
        "payment_intent": session.payment_intent_id or None,
        "expires_at": int(session.created_at.timestamp()) + SESSION_LIFETIME,
        "payment_status": session.payment_status,
        "amount_total": session.amount_total,
        "currency": session.currency,
        "client_reference_id": session.client_reference_id or None,
        "metadata": session.metadata,
        "success_url": session.success_url,
        "cancel_url": session.cancel_url or None,
        "url": request.build_absolute_uri(f"/sandbox/stripe/pay/{session.session_id}/"),
        "created": int(session.created_at.timestamp()),
        "livemode": False,
    }


@csrf_exempt
@require_POST
def checkout_sessions(request: HttpRequest) -> HttpResponse:
    if not _authorized(request):
        return _error(401, "Invalid API Key provided.", "authentication_error")
    params = _nested(request.POST)
    intent_data = params.get("payment_intent_data") or {}
    try:
        item = params["line_items"]["0"]
        price = item["price_data"]
        amount = int(price["unit_amount"]) * int(item.get("quantity", "1"))
        currency = price["currency"]
        name = price["product_data"]["name"]
        success_url = params["success_url"]
    except (KeyError, TypeError, ValueError):
        return _error(400, "Missing required param: line_items[0][price_data] or success_url.")
    key = request.headers.get("Idempotency-Key", "")
    if key:
        earlier = SandboxStripeSession.objects.filter(idempotency_key=key).first()
        if earlier:
            return JsonResponse(_session_json(earlier, request))
    try:
        with transaction.atomic():
            session = SandboxStripeSession.objects.create(
                session_id="cs_test_" + secrets.token_hex(24),
                idempotency_key=key,
                amount_total=amount,
                currency=currency,
                product_name=name,
                client_reference_id=params.get("client_reference_id", ""),
                metadata=params.get("metadata", {}),
                success_url=success_url,
                cancel_url=params.get("cancel_url", ""),
                customer_creation=params.get("customer_creation", ""),
                setup_future_usage=intent_data.get("setup_future_usage", ""),
                payment_intent_metadata=intent_data.get("metadata", {}),
            )
    except IntegrityError:
        return _error(409, "Idempotency key in use.", "idempotency_error")
    return JsonResponse(_session_json(session, request))


def sign(payload: str, *, secret: str, timestamp: int | None = None) -> str:
    """The ``Stripe-Signature`` header of ``payload``, as Stripe computes it."""
    timestamp = int(time.time()) if timestamp is None else timestamp
    digest = hmac.new(secret.encode(), f"{timestamp}.{payload}".encode(), hashlib.sha256).hexdigest()
    return f"t={timestamp},v1={digest}"


def _event(kind: str, obj: dict) -> str:
    return json.dumps(
        {
            "id": "evt_" + secrets.token_hex(12),
            "object": "event",
            "type": kind,
            "created": int(time.time()),
            "livemode": False,
            "data": {"object": obj},
        }
    )


def completed_event(session: SandboxStripeSession, request: HttpRequest) -> str:
    return _event("checkout.session.completed", _session_json(session, request))


def _deliver(request: HttpRequest, payload: str) -> None:
    """POST a signed event to the site's endpoint, as Stripe does (a delivery that fails is not
    retried here: Stripe would retry for three days)."""
    url = settings.STRIPE_SANDBOX_WEBHOOK_URL or request.build_absolute_uri("/stripe/webhook/")
    with contextlib.suppress(requests.RequestException):
        requests.post(
            url,
            data=payload.encode(),
            headers={
                "Content-Type": "application/json",
                "Stripe-Signature": sign(payload, secret=settings.STRIPE_WEBHOOK_SECRET),
            },
            timeout=10,
        )


def _intent_json(intent: SandboxStripePaymentIntent) -> dict:
    return {
        "id": intent.payment_intent_id,
        "object": "payment_intent",
        "amount": intent.amount,
        "amount_received": intent.amount if intent.status == "succeeded" else 0,
        "currency": intent.currency,
        "customer": intent.customer_id or None,
        "payment_method": intent.payment_method_id or None,
        "status": intent.status,
        "metadata": intent.metadata,
        "description": intent.description or None,
        "created": int(intent.created_at.timestamp()),
        "livemode": False,
        "last_payment_error": {
            "type": "card_error",
            "code": "card_declined",
            "decline_code": "generic_decline",
        }
        if intent.status == "requires_payment_method"
        else None,
    }


def _declined_json(intent: SandboxStripePaymentIntent) -> dict:
    return {
        "error": {
            "type": "card_error",
            "code": "card_declined",
            "decline_code": "generic_decline",
            "message": "Your card was declined.",
            "payment_intent": _intent_json(intent),
        }
    }


@csrf_exempt
@require_POST
def checkout_session_expire(request: HttpRequest, session_id: str) -> HttpResponse:
    if not _authorized(request):
        return _error(401, "Invalid API Key provided.", "authentication_error")
    session = SandboxStripeSession.objects.filter(session_id=session_id).first()
    if session is None:
        return _error(404, f"No such checkout.session: '{session_id}'")
    if _session_status(session) != "open":
        return _error(400, 'Only Checkout Sessions with a status in ["open"] can be expired.')
    session.expired = True
    session.save(update_fields=["expired"])
    return JsonResponse(_session_json(session, request))


@csrf_exempt
@require_http_methods(["GET"])
def payment_intent(request: HttpRequest, intent_id: str) -> HttpResponse:
    if not _authorized(request):
        return _error(401, "Invalid API Key provided.", "authentication_error")
    intent = SandboxStripePaymentIntent.objects.filter(payment_intent_id=intent_id).first()
    if intent is None:
        return _error(404, f"No such payment_intent: '{intent_id}'")
    return JsonResponse(_intent_json(intent))


@csrf_exempt
@require_POST
def payment_intents(request: HttpRequest) -> HttpResponse:
    """An off-session charge of a saved card (``confirm=true``, ``off_session=true``)."""
    if not _authorized(request):
        return _error(401, "Invalid API Key provided.", "authentication_error")
    params = _nested(request.POST)
    key = request.headers.get("Idempotency-Key", "")
    if key:
        earlier = SandboxStripePaymentIntent.objects.filter(idempotency_key=key).first()
        if earlier:
            body = _intent_json(earlier) if earlier.answer_status == 200 else _declined_json(earlier)
            return JsonResponse(body, status=earlier.answer_status)
    try:
        amount, currency = int(params["amount"]), params["currency"]
        customer, method_id = params["customer"], params["payment_method"]
    except (KeyError, TypeError, ValueError):
        return _error(400, "Missing required param: amount, currency, customer or payment_method.")
    if params.get("confirm") != "true" or params.get("off_session") != "true":
        return _error(
            400, "This sandbox charges saved cards off-session only: confirm=true, off_session=true."
        )
    method = SandboxStripePaymentMethod.objects.filter(payment_method_id=method_id).first()
    if method is None:
        return _error(400, f"No such PaymentMethod: '{method_id}'", "invalid_request_error")
    if method.customer_id != customer:
        return _error(400, "The provided PaymentMethod is not attached to this customer.")
    declined = method.declines
    try:
        with transaction.atomic():
            intent = SandboxStripePaymentIntent.objects.create(
                payment_intent_id="pi_" + secrets.token_hex(12),
                idempotency_key=key,
                amount=amount,
                currency=currency,
                customer_id=customer,
                payment_method_id=method_id,
                status="requires_payment_method" if declined else "succeeded",
                metadata=params.get("metadata", {}),
                description=params.get("description", ""),
                off_session=True,
                answer_status=402 if declined else 200,
            )
    except IntegrityError:
        return _error(409, "Idempotency key in use.", "idempotency_error")
    if declined:
        _deliver(request, _event("payment_intent.payment_failed", _intent_json(intent)))
        return JsonResponse(_declined_json(intent), status=402)
    _deliver(request, _event("payment_intent.succeeded", _intent_json(intent)))
    return JsonResponse(_intent_json(intent))


@csrf_exempt
@require_POST
def refunds(request: HttpRequest) -> HttpResponse:
    if not _authorized(request):
        return _error(401, "Invalid API Key provided.", "authentication_error")
    key = request.headers.get("Idempotency-Key", "")
    with transaction.atomic():
        intent = (
            SandboxStripePaymentIntent.objects.select_for_update()
            .filter(payment_intent_id=request.POST.get("payment_intent", ""))
            .first()
        )
        if intent is None or intent.status != "succeeded":
            return _error(400, "No succeeded payment_intent to refund.", "invalid_request_error")
        if intent.refund_id and not (key and key == intent.refund_idempotency_key):
            return _error(400, f"Charge for {intent.payment_intent_id} has already been refunded.")
        if not intent.refund_id:
            intent.refund_id, intent.refund_idempotency_key = "re_" + secrets.token_hex(12), key
            intent.amount_refunded = intent.amount
            intent.save(update_fields=["refund_id", "refund_idempotency_key", "amount_refunded"])
    return JsonResponse(
        {
            "id": intent.refund_id,
            "object": "refund",
            "amount": intent.amount,
            "currency": intent.currency,
            "payment_intent": intent.payment_intent_id,
            "reason": request.POST.get("reason") or None,
            "status": "succeeded",
        }
    )


@csrf_exempt
@require_POST
def payment_method_detach(request: HttpRequest, method_id: str) -> HttpResponse:
    if not _authorized(request):
        return _error(401, "Invalid API Key provided.", "authentication_error")
    method = SandboxStripePaymentMethod.objects.filter(payment_method_id=method_id).first()
    if method is None:
        return _error(404, f"No such PaymentMethod: '{method_id}'")
    method.customer_id = ""
    method.save(update_fields=["customer_id"])
    return JsonResponse(
        {"id": method.payment_method_id, "object": "payment_method", "type": "card", "customer": None}
    )


@require_http_methods(["GET", "POST"])
def pay(request: HttpRequest, session_id: str) -> HttpResponse:
    session = get_object_or_404(SandboxStripeSession, session_id=session_id)
    if request.method == "POST" and _session_status(session) == "open":
        saves_card = session.customer_creation == "always" or session.setup_future_usage == "off_session"
        customer = ("cus_" + secrets.token_hex(7)) if saves_card else ""
        method = SandboxStripePaymentMethod.objects.create(
            payment_method_id="pm_" + secrets.token_hex(12),
            customer_id=customer if session.setup_future_usage == "off_session" else "",
            declines=request.POST.get("decline_later") == "1",
        )
        intent = SandboxStripePaymentIntent.objects.create(
            payment_intent_id="pi_" + secrets.token_hex(12),
            amount=session.amount_total,
            currency=session.currency,
            customer_id=customer,
            payment_method_id=method.payment_method_id,
            status="succeeded",
            metadata=session.payment_intent_metadata,
        )
        session.payment_status = "paid"
        session.payment_intent_id, session.customer_id = intent.payment_intent_id, customer
        session.save(update_fields=["payment_status", "payment_intent_id", "customer_id"])
        _deliver(request, completed_event(session, request))
        _deliver(request, _event("payment_intent.succeeded", _intent_json(intent)))
        return redirect(session.success_url)
    return render(
        request,
        "sandbox/stripe_pay.html",
        {
            "session": session,
            "amount": session.amount_total / 100,
            "status": _session_status(session),
            "saves_card": session.setup_future_usage == "off_session",
        },
    )
