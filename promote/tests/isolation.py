"""Promote's part of the console's tenant-isolation world: coins and an order on the library video."""

from __future__ import annotations

from datetime import timedelta

from django.utils import timezone

from accounts.models import User
from billing.services import coin_invoices_issue_due
from campaigns.models import Video
from merchants.models import ConsentField
from merchants.services import consent_give
from promote import services


def populate_promote(*, merchant, owner, label: str = "") -> None:
    now = timezone.now()
    services.coins_buy_from_wallet(
        holder=merchant, coins_count=1000, currency=merchant.currency, actor=owner, now=now
    )
    video = Video.objects.filter(merchant=merchant).exclude(tiktok_url="").first()
    services.order_place(
        holder=merchant,
        request=services.OrderRequest(
            kind="VIDEO",
            goal="VIEWS",
            budget_coins=500,
            duration_days=2,
            commercial_music_declared=True,
            video_id=video.pk,
        ),
        actor=owner,
        now=now,
    )
    # A coupon given to one of its consumers (named after the merchant, so a leak shows).
    label = label or merchant.brand_name.split()[0]
    fan = User.objects.create_user(email=None, display_name=f"{label} Secret Coupon Holder")
    consent_give(user=fan, merchant=merchant, fields=[ConsentField.DISPLAY_NAME], now=now)
    services.coupon_issue(
        code=f"{merchant.slug}-COUPON",
        coins_count=100,
        valid_from=now - timedelta(hours=1),
        valid_until=now + timedelta(days=30),
        user=fan,
        merchant=merchant,
        actor=owner,
        now=now,
    )
    coin_invoices_issue_due(now=now)  # the coin purchase's invoice, listed under Invoices
