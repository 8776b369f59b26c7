"""Webhooks in: TikTok (TikTok-Signature) and WhatsApp (hub.challenge, X-Hub-Signature-256)."""

from __future__ import annotations

import hashlib
import hmac
import json
import logging

from django.conf import settings
from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest, HttpResponseForbidden
from django.utils import timezone
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods, require_POST

from social.services import tiktok_webhook_receive, whatsapp_webhook_receive
from social.whatsapp import whatsapp_signature_valid

logger = logging.getLogger(__name__)


def tiktok_signature_valid(*, header: str, body: bytes, secret: str, now_ts: float, tolerance: int) -> bool:
    """``t=<unix>,s=<hex>``: HMAC-SHA256 of ``"{t}.{raw body}"`` keyed with the client secret."""
    parts = dict(item.split("=", 1) for item in header.split(",") if "=" in item)
    timestamp, signature = parts.get("t", "").strip(), parts.get("s", "").strip()
    if not secret or not timestamp.isdigit() or not signature:
        return False
    expected = hmac.new(secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256).hexdigest()
    if not hmac.compare_digest(expected.encode(), signature.encode("utf-8", "surrogateescape")):
        return False
    return abs(now_ts - int(timestamp)) <= tolerance


def _json(body: bytes) -> dict | None:
    try:
        payload = json.loads(body)
    except (ValueError, UnicodeDecodeError):
        return None
    return payload if isinstance(payload, dict) else None


@csrf_exempt  # signed by TikTok instead
@require_POST
def tiktok_webhook(request: HttpRequest) -> HttpResponse:
    now = timezone.now()
    body = request.body
    if not tiktok_signature_valid(
        header=request.headers.get("TikTok-Signature", ""),
        body=body,
        secret=settings.TIKTOK_CLIENT_SECRET,
        now_ts=now.timestamp(),
        tolerance=settings.TIKTOK_WEBHOOK_TOLERANCE_SECONDS,
    ):
        return HttpResponseForbidden("bad or stale signature")
    payload = _json(body)
    if payload is None:
        return HttpResponseBadRequest("body is not a JSON object")
    tiktok_webhook_receive(body=body, payload=payload, now=now)
    return HttpResponse("ok")


@csrf_exempt  # signed by Meta instead
@require_http_methods(["GET", "POST"])
def whatsapp_webhook(request: HttpRequest) -> HttpResponse:
    if request.method == "GET":
        token = settings.WHATSAPP_VERIFY_TOKEN
        if (
            request.GET.get("hub.mode") == "subscribe"
            and token
            and hmac.compare_digest(request.GET.get("hub.verify_token", "").encode(), token.encode())
        ):
            return HttpResponse(request.GET.get("hub.challenge", ""), content_type="text/plain")
        return HttpResponseForbidden("verification failed")
    body = request.body
    if not whatsapp_signature_valid(
        body=body,
        header=request.headers.get("X-Hub-Signature-256", ""),
        app_secret=settings.WHATSAPP_APP_SECRET,
    ):
        return HttpResponseForbidden("bad signature")
    payload = _json(body)
    if payload is None:
        return HttpResponseBadRequest("body is not a JSON object")
    whatsapp_webhook_receive(body=body, payload=payload, now=timezone.now())
    return HttpResponse("ok")
