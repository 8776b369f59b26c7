"""Reads of the API app that are more than one line: the widget's offer, origins and balance."""

from __future__ import annotations

import re
from datetime import datetime
from decimal import Decimal
from urllib.parse import urlsplit

from django.db.models import Sum
from moneyed import Money

from api.models import ApiKey, KeyKind
from merchants.models import Merchant, Touchpoint, TouchpointKind
from rewards.models import Reward, RewardStatus

_HOST = re.compile(r"^[a-z0-9.-]+$|^\[[0-9a-f:.]+\]$")


def publishable_key_get(*, raw: str, now: datetime) -> ApiKey | None:
    if not raw.startswith("tj_pk_"):
        return None
    return (
        ApiKey.objects.usable(now=now)
        .filter(kind=KeyKind.PUBLISHABLE, publishable_key=raw)
        .select_related("merchant")
        .first()
    )


def origin_of(url: str) -> str | None:
    """``https://shop.example:8443/path`` -> ``https://shop.example:8443``; None if it isn't a web origin."""
    try:
        parts = urlsplit(url.strip())
        port = parts.port
    except ValueError:
        return None
    host = (parts.hostname or "").lower()
    if parts.scheme not in ("https", "http") or not host or not _HOST.match(host):
        return None
    if ":" in host and not host.startswith("["):
        host = f"[{host}]"
    default = {"https": 443, "http": 80}[parts.scheme]
    return f"{parts.scheme}://{host}" + (f":{port}" if port and port != default else "")


def widget_origins(*, merchant: Merchant) -> list[str]:
    """The origins allowed to embed the widget: the merchant's active website and e-commerce touchpoints."""
    urls = Touchpoint.objects.filter(
        merchant=merchant, is_active=True, kind__in=[TouchpointKind.WEBSITE, TouchpointKind.ECOMMERCE]
    ).values_list("url", flat=True)
    return sorted({origin for origin in map(origin_of, urls) if origin})


def consumer_brand_balance(*, user, merchant: Merchant) -> Money:
    """What the person earned from this brand and still has coming or available (pending + available)."""
    total = Reward.objects.filter(
        user=user,
        merchant=merchant,
        currency=merchant.currency,
        status__in=[RewardStatus.PENDING, RewardStatus.CONFIRMED],
    ).aggregate(total=Sum("user_amount"))["total"]
    return Money(total or Decimal("0.00"), merchant.currency)


def widget_touchpoint_key(*, merchant: Merchant, origin: str) -> str | None:
    """The key of the website touchpoint at ``origin`` (so joins through the widget count as from it)."""
    for url, key in Touchpoint.objects.filter(
        merchant=merchant, is_active=True, kind__in=[TouchpointKind.WEBSITE, TouchpointKind.ECOMMERCE]
    ).values_list("url", "public_key"):
        if origin_of(url) == origin:
            return key
    return None


def demo_publishable_key() -> str:
    """The demo brand's widget key (``api.demo``), or an empty string before ``seed_demo``."""
    key = ApiKey.objects.filter(
        name="Demo shop widget", kind=KeyKind.PUBLISHABLE, revoked_at__isnull=True
    ).first()
    return key.publishable_key if key else ""
