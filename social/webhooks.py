"""Webhooks in: TikTok (TikTok-Signature) and WhatsApp (hub.challenge, X-Hub-Signature-256).

What each delivery gets back (TikTok and Meta retry any non-2xx for days):

- a signature header that is not in the documented format: 400;
- a well-formed signature that does not match (or a stale TikTok timestamp): 403;
- a validly signed body we can't use (not JSON, not an object, or JSON that
  PostgreSQL or Python can't hold: see ``core.json_input``): 200, recorded once as
  *unusable* with the reason and the body kept as base64;
- a validly signed JSON object: 200, recorded once and acted on.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import re
from datetime import datetime

from django.conf import settings
from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest, HttpResponseForbidden
from django.utils import timezone
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods, require_POST

from core.json_input import UnusableJson, json_object_parse
from social.models import WebhookEvent
from social.services import tiktok_webhook_receive, webhook_unusable_record, whatsapp_webhook_receive

logger = logging.getLogger(__name__)

_HEX64 = re.compile(r"[0-9a-fA-F]{64}")
_TIMESTAMP = re.compile(r"[0-9]{1,12}")


class MalformedSignature(ValueError):
    """The signature header is not in the documented format."""


def tiktok_signature_parse(header: str) -> tuple[int, str]:
    """``t=<unix seconds>,s=<64 hex>`` as ``(timestamp, signature)``; MalformedSignature otherwise."""
    parts = {}
    for item in header.split(","):
        key, sep, value = item.partition("=")
        if not sep:
            raise MalformedSignature("TikTok-Signature items are key=value.")
        parts[key.strip()] = value.strip()
    timestamp, signature = parts.get("t", ""), parts.get("s", "")
    if not _TIMESTAMP.fullmatch(timestamp) or not _HEX64.fullmatch(signature):
        raise MalformedSignature("TikTok-Signature needs t=<unix seconds>,s=<hex SHA-256>.")
    return int(timestamp), signature.lower()


def tiktok_signature_valid(*, header: str, body: bytes, secret: str, now_ts: float, tolerance: int) -> bool:
    """HMAC-SHA256 of ``"{t}.{raw body}"`` keyed with the client secret, ``t`` within ``tolerance``.

    MalformedSignature when the header is not ``t=<unix>,s=<hex>``.
    """
    timestamp, signature = tiktok_signature_parse(header)
    if not secret:
        return False
    expected = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256).hexdigest()
    if not hmac.compare_digest(expected, signature):
        return False
    return abs(now_ts - timestamp) <= tolerance


def whatsapp_signature_valid(*, header: str, body: bytes, app_secret: str) -> bool:
    """X-Hub-Signature-256: ``sha256=`` + hex HMAC-SHA256 of the raw body with the app secret.

    MalformedSignature when the header is not ``sha256=<64 hex>``.
    """
    algorithm, sep, signature = header.partition("=")
    if algorithm != "sha256" or not sep or not _HEX64.fullmatch(signature):
        raise MalformedSignature("X-Hub-Signature-256 needs sha256=<hex SHA-256>.")
    if not app_secret:
        return False
    expected = hmac.new(app_secret.encode(), body, hashlib.sha256).hexdigest()
    return hmac.compare_digest(expected, signature.lower())


def _receive(request: HttpRequest, *, source: WebhookEvent.Source, receive, now: datetime) -> HttpResponse:
    body = request.body
    try:
        payload = json_object_parse(body)
    except UnusableJson as exc:
        webhook_unusable_record(source=source, body=body, reason=str(exc), now=now)
        return HttpResponse("ok (unusable, recorded)")
    receive(body=body, payload=payload, now=now)
    return HttpResponse("ok")


@csrf_exempt  # signed by TikTok instead
@require_POST
def tiktok_webhook(request: HttpRequest) -> HttpResponse:
    now = timezone.now()
    header = request.headers.get("TikTok-Signature", "")
    if not header:
        return HttpResponseForbidden("no signature")
    try:
        valid = tiktok_signature_valid(
            header=header,
            body=request.body,
            secret=settings.TIKTOK_CLIENT_SECRET,
            now_ts=now.timestamp(),
            tolerance=settings.TIKTOK_WEBHOOK_TOLERANCE_SECONDS,
        )
    except MalformedSignature as exc:
        return HttpResponseBadRequest(str(exc))
    if not valid:
        return HttpResponseForbidden("bad or stale signature")
    return _receive(request, source=WebhookEvent.Source.TIKTOK, receive=tiktok_webhook_receive, now=now)


@csrf_exempt  # signed by Meta instead
@require_http_methods(["GET", "POST"])
def whatsapp_webhook(request: HttpRequest) -> HttpResponse:
    if request.method == "GET":
        token = settings.WHATSAPP_VERIFY_TOKEN
        if (
            request.GET.get("hub.mode") == "subscribe"
            and token
            and hmac.compare_digest(
                request.GET.get("hub.verify_token", "").encode("utf-8", "surrogateescape"), token.encode()
            )
        ):
            return HttpResponse(request.GET.get("hub.challenge", ""), content_type="text/plain")
        return HttpResponseForbidden("verification failed")
    header = request.headers.get("X-Hub-Signature-256", "")
    if not header:
        return HttpResponseForbidden("no signature")
    try:
        valid = whatsapp_signature_valid(
            header=header, body=request.body, app_secret=settings.WHATSAPP_APP_SECRET
        )
    except MalformedSignature as exc:
        return HttpResponseBadRequest(str(exc))
    if not valid:
        return HttpResponseForbidden("bad signature")
    return _receive(
        request, source=WebhookEvent.Source.WHATSAPP, receive=whatsapp_webhook_receive, now=timezone.now()
    )
