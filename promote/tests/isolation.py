"""Promote's part of the console's tenant-isolation world: coins and an order on the library video."""

from __future__ import annotations

from django.utils import timezone

from campaigns.models import Video
from promote import services


def populate_promote(*, merchant, owner) -> None:
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
