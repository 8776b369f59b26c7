"""The demo's website widget: a publishable key and a "demo shop" on another site than TikJoy's.

``make run`` serves TikJoy at SITE_URL (http://127.0.0.1:8000); the demo shop page is served by
the same process at the *other* loopback name (http://localhost:8000/embed/demo-shop/), which is
another site for the browser, so the widget runs cross-site as on a real shop.
"""

from __future__ import annotations

from datetime import datetime
from urllib.parse import urlsplit

from django.conf import settings

from accounts.models import User
from api.models import ApiKey, KeyKind, Scope
from api.services import api_key_create
from merchants.models import Merchant, TouchpointKind
from merchants.services import touchpoint_create

DEMO_KEY_NAME = "Demo shop widget"


def demo_shop_origin() -> str:
    parts = urlsplit(settings.SITE_URL)
    other = "localhost" if parts.hostname != "localhost" else "127.0.0.1"
    return f"{parts.scheme}://{other}" + (f":{parts.port}" if parts.port else "")


def demo_widget_seed(*, merchant: Merchant, owner: User, now: datetime) -> list[str]:
    origin = demo_shop_origin()
    if not merchant.touchpoints.filter(kind=TouchpointKind.WEBSITE, url=origin).exists():
        touchpoint_create(
            merchant=merchant, actor=owner, kind=TouchpointKind.WEBSITE, name="Demo shop", url=origin
        )
    if not ApiKey.objects.filter(merchant=merchant, name=DEMO_KEY_NAME, revoked_at__isnull=True).exists():
        api_key_create(
            merchant=merchant,
            name=DEMO_KEY_NAME,
            kind=KeyKind.PUBLISHABLE,
            scope=Scope.PUBLIC,
            expires_at=None,
            actor=owner,
            now=now,
        )
    return [f"widget: demo shop {origin}/embed/demo-shop/ embeds {merchant.brand_name}'s widget"]
