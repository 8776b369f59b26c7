"""The website widget: ``/embed/v1/widget.js`` (one script tag with a publishable key) and the
frame it opens, which only the merchant's own websites may embed (CSP ``frame-ancestors``)."""

from __future__ import annotations

import re
import secrets
from decimal import Decimal

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.clickjacking import xframe_options_exempt
from django.views.decorators.http import require_GET

from accounts.people import is_consumer
from api.selectors import (
    consumer_brand_balance,
    demo_publishable_key,
    origin_of,
    publishable_key_get,
    widget_campaigns,
    widget_origins,
    widget_touchpoint_key,
)


@require_GET
def widget_js(request: HttpRequest) -> HttpResponse:
    body = render_to_string("embed/widget.js", {"origin": origin_of(request.build_absolute_uri("/"))})
    response = HttpResponse(body, content_type="text/javascript; charset=utf-8")
    response["Cache-Control"] = "public, max-age=300"
    response["Cross-Origin-Resource-Policy"] = "cross-origin"  # loaded by the merchant's pages
    return response


def _policy(origins: list[str]) -> str:
    """The site's CSP with ``frame-ancestors`` set to exactly the brand's website origins."""
    ancestors = "frame-ancestors " + (" ".join(origins) if origins else "'none'")
    directives = [d.strip() for d in settings.CONTENT_SECURITY_POLICY.split(";") if d.strip()]
    return "; ".join([d for d in directives if not d.startswith("frame-ancestors")] + [ancestors])


@require_GET
@xframe_options_exempt  # the CSP below says who may frame it; X-Frame-Options can't list origins
def widget_frame(request: HttpRequest) -> HttpResponse:
    """The merchant's live offer and the sign-in buttons (or the signed-in consumer's balance)."""
    now = timezone.now()
    key = publishable_key_get(raw=request.GET.get("key", "")[:100], now=now)
    if key is None:
        response = HttpResponse("Unknown or revoked key.", status=404, content_type="text/plain")
        response["Content-Security-Policy"] = _policy([])
        return response
    merchant = key.merchant
    origins = widget_origins(merchant=merchant)
    parent = origin_of(request.GET.get("origin", "")[:300])
    if parent not in origins:
        response = HttpResponse(
            "This website is not one of the brand's: add it as a website touchpoint in the console.",
            status=403,
            content_type="text/plain",
        )
        response["Content-Security-Policy"] = _policy([])
        return response
    touchpoint_key = widget_touchpoint_key(merchant=merchant, origin=parent)
    brand_url = request.build_absolute_uri(reverse("brand:landing", kwargs={"slug": merchant.slug}))
    if touchpoint_key:
        brand_url += f"?t={touchpoint_key}"
    user = request.user
    response = render(
        request,
        "embed/frame.html",
        {
            "merchant": merchant,
            "campaigns": widget_campaigns(merchant=merchant, now=now),
            "parent_origin": parent,
            "brand_url": brand_url,
            "balance": consumer_brand_balance(user=user, merchant=merchant)
            if user.is_authenticated and is_consumer(user)
            else None,
        },
    )
    response["Content-Security-Policy"] = _policy(origins)
    response["Cache-Control"] = "private, no-store"
    return response


DEMO_ITEM = ("A bag of Joy Coffee beans", Decimal("24.00"))


def _demo_policy() -> str:
    """The demo shop's own policy: it loads TikJoy's scripts, frames TikJoy's widget, reports to TikJoy
    and posts its order form to itself; nothing else."""
    return (
        f"default-src 'none'; script-src {settings.SITE_URL}; frame-src {settings.SITE_URL}; "
        f"connect-src {settings.SITE_URL}; form-action 'self'; base-uri 'none'; frame-ancestors 'none'"
    )


@require_GET
def demo_shop(request: HttpRequest) -> HttpResponse:
    """Sandbox only (``make run``): a shop page with the demo brand's widget and affiliate tag, as a
    merchant pastes them, and a button that buys (the thank-you page reports the order)."""
    key = demo_publishable_key()
    response = render(
        request,
        "embed/demo_shop.html",
        {
            "key": key,
            "script": settings.SITE_URL + reverse("embed:widget_js"),
            "tag": settings.SITE_URL + reverse("embed:affiliates_js"),
            "item": DEMO_ITEM[0],
            "price": DEMO_ITEM[1],
            "order_id": f"JC-{secrets.token_hex(4).upper()}",
        },
    )
    response["Content-Security-Policy"] = _demo_policy()
    return response


@require_GET
def demo_shop_thank_you(request: HttpRequest) -> HttpResponse:
    """Sandbox only: the demo shop's order confirmation, carrying the affiliate tag with the order."""
    key = demo_publishable_key()
    merchant_key = publishable_key_get(raw=key, now=timezone.now()) if key else None
    order_id = request.GET.get("order", "")
    if not re.fullmatch(r"JC-[0-9A-F]{8}", order_id):
        return redirect("embed:demo_shop")
    response = render(
        request,
        "embed/demo_shop_thank_you.html",
        {
            "key": key,
            "tag": settings.SITE_URL + reverse("embed:affiliates_js"),
            "order_id": order_id,
            "item": DEMO_ITEM[0],
            "price": DEMO_ITEM[1],
            "currency": merchant_key.merchant.currency if merchant_key else "EUR",
        },
    )
    response["Content-Security-Policy"] = _demo_policy()
    return response
