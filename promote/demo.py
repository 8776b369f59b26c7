"""Demo data for Promote (``manage.py seed_demo``), made by the services themselves.

- Ben bought 100 coins with his JoyBack three days ago (his login reward had become available the
  day before, ``rewards.demo``), promoted his own post for a day: approved two days ago, delivered
  by the simulator, completed and settled (his unspent coins are back).
- The demo merchant bought 1,000 coins from its prepaid funds yesterday and promotes a library video
  for three days: approved yesterday, a day of delivery recorded (console: /console/promote/).
- Ops issued the coupon WELCOME100 (100 coins, for orders above 100 coins).
- Ben agreed to share his name with the demo merchant, which gave him a 50-coin coupon from its coins.

Idempotent: each step is skipped once done.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta

from accounts.models import User
from campaigns.models import Video
from merchants.models import ConsentField, Merchant
from merchants.services import consent_give
from promote import services
from promote.models import CoinWallet, Coupon, PromoteOrder
from social.models import TrackedPost


def demo_promote_seed(
    *, merchant: Merchant, owner: User, ops: User, consumer: User, now: datetime
) -> list[str]:
    lines = []
    if not Coupon.objects.filter(code="WELCOME100").exists():
        services.coupon_issue(
            code="WELCOME100",
            coins_count=100,
            valid_from=now,
            valid_until=now + timedelta(days=90),
            actor=ops,
            now=now,
        )
        lines.append("coupon WELCOME100 (100 coins) issued by ops")

    if not CoinWallet.objects.filter(user=consumer).exists():
        bought = now - timedelta(days=3)
        # No one to ask whether to buy again (services.RepeatPurchase): the loader's purchases are meant.
        services.coins_buy_from_wallet(
            holder=consumer,
            coins_count=100,
            currency="EUR",
            actor=consumer,
            now=bought,
            repeat_confirmed=True,
        )
        services.birth_date_declare(user=consumer, birth_date=date(1995, 4, 2), now=bought)
        lines.append(f"{consumer.email}: 100 coins bought with JoyBack")
    post, _ = TrackedPost.objects.get_or_create(
        video_id="demo-ben-promote-1",
        defaults={
            "user": consumer,
            "caption": f"Coffee break at {merchant.brand_name}",
            "posted_at": now - timedelta(days=3),
            "criterion_key": "demo",
            "discovered_at": now - timedelta(days=3),
            "track_until": now - timedelta(days=3),
        },
    )
    if not PromoteOrder.objects.filter(wallet__user=consumer).exists():
        started = now - timedelta(days=2)
        order = services.order_place(
            holder=consumer,
            request=services.OrderRequest(
                kind="VIDEO",
                goal="VIEWS",
                budget_coins=100,
                duration_days=1,
                commercial_music_declared=True,
                tracked_post_id=post.pk,
            ),
            actor=consumer,
            now=started,
        )
        services.order_approve(order_id=order.pk, actor=ops, now=started)
        lines.append(
            f"{consumer.email}: promotion #{order.pk} ran yesterday; see /promote/orders/{order.pk}/"
        )

    video = Video.objects.filter(merchant=merchant).exclude(tiktok_url="").order_by("slot").first()
    if video and not CoinWallet.objects.filter(merchant=merchant).exists():
        started = now - timedelta(days=1)
        services.coins_buy_from_wallet(
            holder=merchant,
            coins_count=1000,
            currency=merchant.currency,
            actor=owner,
            now=started - timedelta(hours=1),
            repeat_confirmed=True,  # no one to ask whether to buy again: the loader's purchases are meant
        )
        order = services.order_place(
            holder=merchant,
            request=services.OrderRequest(
                kind="VIDEO",
                goal="WEBSITE_VISITS",
                budget_coins=900,
                duration_days=3,
                commercial_music_declared=True,
                video_id=video.pk,
            ),
            actor=owner,
            now=started,
        )
        services.order_approve(order_id=order.pk, actor=ops, now=started)
        lines.append(
            f"{merchant.brand_name}: 1,000 coins, promotion #{order.pk} running (console: /console/promote/)"
        )

    if (
        CoinWallet.objects.filter(merchant=merchant).exists()
        and not Coupon.objects.filter(issued_by_merchant=merchant).exists()
    ):
        # Ben agreed to share his name with the brand, which gave him a coupon paid from its coins.
        consent_give(
            user=consumer, merchant=merchant, fields=[ConsentField.DISPLAY_NAME], now=now, page="demo"
        )
        coupon = services.coupon_issue(
            code=f"{merchant.slug[:20]}-THANKS".upper(),
            coins_count=50,
            valid_from=now,
            valid_until=now + timedelta(days=30),
            user=consumer,
            merchant=merchant,
            actor=owner,
            now=now,
        )
        lines.append(
            f"{merchant.brand_name} gave {consumer.email} coupon {coupon.code} (50 coins; /console/promote/coupons/)"
        )

    ticks = services.deliveries_tick(now=now)
    settled = services.orders_settle_due(now=now)
    if ticks or settled:
        lines.append(f"simulator: {ticks} hours delivered, {settled} promotion(s) settled")
    return lines
