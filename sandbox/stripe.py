"""A fake of Stripe's Checkout API and its webhooks, for the official ``stripe`` library.

- ``POST /sandbox/stripe/v1/checkout/sessions`` (form-encoded, ``Authorization: Bearer sk_...``,
  ``Idempotency-Key``) answers a ``checkout.session`` object as Stripe does (``id`` cs_test_...,
  ``url``, ``amount_total`` in minor units, ``payment_status`` "unpaid"); errors as Stripe's
  ``{"error": {"type", "message"}}`` with its status codes.
- ``/sandbox/stripe/pay/<id>/`` is the hosted payment page: "Pay" marks the session paid, POSTs
  the ``checkout.session.completed`` event to STRIPE_SANDBOX_WEBHOOK_URL signed as Stripe signs
  (``Stripe-Signature: t=<unix>,v1=<HMAC-SHA256 of "t.payload" with the endpoint secret>``) and
  goes on to the ``success_url``.
"""

from __future__ import annotations

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

from sandbox.models import SandboxStripeSession

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


def _session_json(session: SandboxStripeSession, request: HttpRequest) -> dict:
    return {
        "id": session.session_id,
        "object": "checkout.session",
        "mode": "payment",
        "status": "complete" if session.payment_status == "paid" else "open",
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
    if request.headers.get("Authorization", "") != f"Bearer {settings.STRIPE_SECRET_KEY}":
        return _error(401, "Invalid API Key provided.", "authentication_error")
    params = _nested(request.POST)
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
            )
    except IntegrityError:
        return _error(409, "Idempotency key in use.", "idempotency_error")
    return JsonResponse(_session_json(session, request))


def sign(payload: str, *, secret: str, timestamp: int | None = None) -> str:
    """The ``Stripe-Signature`` header of ``payload``, as Stripe computes it."""
    timestamp = int(time.time()) if timestamp is None else timestamp
    digest = hmac.new(secret.encode(), f"{timestamp}.{payload}".encode(), hashlib.sha256).hexdigest()
    return f"t={timestamp},v1={digest}"


def completed_event(session: SandboxStripeSession, request: HttpRequest) -> str:
    return json.dumps(
        {
            "id": "evt_" + secrets.token_hex(12),
            "object": "event",
            "type": "checkout.session.completed",
            "created": int(time.time()),
            "livemode": False,
            "data": {"object": _session_json(session, request)},
        }
    )


@require_http_methods(["GET", "POST"])
def pay(request: HttpRequest, session_id: str) -> HttpResponse:
    session = get_object_or_404(SandboxStripeSession, session_id=session_id)
    if request.method == "POST" and session.payment_status != "paid":
        session.payment_status = "paid"
        session.save(update_fields=["payment_status"])
        payload = completed_event(session, request)
        url = settings.STRIPE_SANDBOX_WEBHOOK_URL or request.build_absolute_uri("/stripe/webhook/")
        requests.post(
            url,
            data=payload.encode(),
            headers={
                "Content-Type": "application/json",
                "Stripe-Signature": sign(payload, secret=settings.STRIPE_WEBHOOK_SECRET),
            },
            timeout=10,
        )
        return redirect(session.success_url)
    return render(
        request, "sandbox/stripe_pay.html", {"session": session, "amount": session.amount_total / 100}
    )
