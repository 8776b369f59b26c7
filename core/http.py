"""Who is visiting a consumer page: the device cookie and the client IP (fraud signals use both)."""

from __future__ import annotations

import ipaddress
import re
import secrets
from collections.abc import Callable
from functools import wraps

from django.conf import settings
from django.http import HttpRequest, HttpResponse

DEVICE_COOKIE_NAME = "tj_device"
DEVICE_COOKIE_MAX_AGE = 2 * 365 * 24 * 60 * 60  # two years, renewed on every consumer page
_DEVICE_ID = re.compile(r"^[A-Za-z0-9_-]{32}$")


def device_id_new() -> str:
    return secrets.token_urlsafe(24)  # 32 characters


def device_id_get(request: HttpRequest) -> str:
    """This browser's device id: the ``tj_device`` cookie, or a new id when it is missing or malformed."""
    current = getattr(request, "tj_device_id", None)
    if current:
        return current
    cookie = request.COOKIES.get(DEVICE_COOKIE_NAME, "")
    request.tj_device_id = cookie if _DEVICE_ID.match(cookie) else device_id_new()
    return request.tj_device_id


def device_cookie(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Give the visitor a long-lived, HttpOnly, SameSite=Lax ``tj_device`` cookie (Secure in production)."""

    @wraps(view)
    def wrapped(request: HttpRequest, *args, **kwargs) -> HttpResponse:
        device_id = device_id_get(request)
        response = view(request, *args, **kwargs)
        response.set_cookie(
            DEVICE_COOKIE_NAME,
            device_id,
            max_age=DEVICE_COOKIE_MAX_AGE,
            httponly=True,
            samesite="Lax",
            secure=settings.SESSION_COOKIE_SECURE,
        )
        return response

    return wrapped


def client_ip_get(request: HttpRequest) -> str | None:
    """The client's IP address: ``REMOTE_ADDR``, which the proxy in front of TikJoy must set.

    With ``TRUST_X_FORWARDED_FOR`` (only behind a proxy that overwrites the
    header) the last address of ``X-Forwarded-For`` is used instead: the one the
    proxy itself appended, which a client cannot forge.
    """
    if settings.TRUST_X_FORWARDED_FOR:
        forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
        hops = [hop.strip() for hop in forwarded.split(",") if hop.strip()]
        if hops:
            return _valid_ip(hops[-1])
    return _valid_ip(request.META.get("REMOTE_ADDR", ""))


def _valid_ip(value: str) -> str | None:
    try:
        return str(ipaddress.ip_address(value))
    except ValueError:
        return None
