"""Promote's test helpers: money on a consumer's wallet, a consumer's own TikTok post, coins."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
from itertools import count

import pytest
from django.core.management import call_command
from django.utils import timezone
from moneyed import Money

from promote import services
from promote.delivery import HourResult
from promote.models import CoinWallet
from social.models import TrackedPost
from tikjoy.tests.factories import NOW
from wallets.models import PLATFORM, Purpose
from wallets.services import account_for, balance, transfer

_seq = count(1)


def fund(user, amount: str, currency: str = "EUR") -> None:
    """Money reaches the person's available balance (as a confirmed reward would)."""
    transfer(
        source=account_for(owner=PLATFORM, purpose=Purpose.PLATFORM_BANK, currency=currency),
        destination=account_for(owner=user, purpose=Purpose.USER_AVAILABLE, currency=currency),
        amount=Money(Decimal(amount), currency),
        kind="TEST_FUNDING",
        reason="test funds",
        idempotency_key=f"test-fund:{user.pk}:{next(_seq)}",
    )


def available(user, currency: str = "EUR") -> Money:
    return balance(account_for(owner=user, purpose=Purpose.USER_AVAILABLE, currency=currency))


def own_post(user, *, video_id: str | None = None, status=TrackedPost.Status.ACTIVE) -> TrackedPost:
    return TrackedPost.objects.create(
        video_id=video_id or f"v{next(_seq)}",
        user=user,
        caption="My Joy Coffee morning #joycoffee",
        posted_at=NOW,
        criterion_key="joy-coffee",
        track_until=NOW,
        status=status,
        gone_at=NOW if status == TrackedPost.Status.GONE else None,
    )


def coins_of(holder) -> int:
    return services.coin_balance(wallet=CoinWallet.objects.get(**services._holder_kwargs(holder)))


def assert_books_clean() -> None:
    call_command("ledger_check")
    call_command("rewards_check")


def ops_coupon(ops, *, code: str, coins: int, user=None):
    """A coupon ops issued, valid from an hour ago for 30 days; for ``user`` only when given."""
    now = timezone.now()
    return services.coupon_issue(
        code=code,
        coins_count=coins,
        valid_from=now - timedelta(hours=1),
        valid_until=now + timedelta(days=30),
        actor=ops,
        now=now,
        user=user,
    )


def settled_order(holder, post: TrackedPost, ops):
    """A one-day order of ``holder``'s ``post``, approved, delivered and settled (unspent coins back)."""
    now = timezone.now()
    order = services.order_place(
        holder=holder, request=order_request(post, duration_days=1), actor=holder, now=now
    )
    services.order_approve(order_id=order.pk, actor=ops, now=now)
    services.deliveries_tick(now=now + timedelta(days=1, hours=1))
    services.orders_settle_due(now=now + timedelta(days=1, hours=1))
    order.refresh_from_db()
    return order


def order_request(post: TrackedPost, **fields) -> services.OrderRequest:
    values = {
        "kind": "VIDEO",
        "goal": "VIEWS",
        "budget_coins": 1000,
        "duration_days": 2,
        "commercial_music_declared": True,
        "tracked_post_id": post.pk,
    }
    values.update(fields)
    return services.OrderRequest(**values)


@pytest.fixture
def promoter(make_consumer):
    """A consumer of 30 with 10.00 EUR of JoyBack who bought 1,000 coins and owns a public post."""

    def make(name: str = "Ana", *, coins: int = 1000, funds: str = "10.00"):
        user = make_consumer(name)
        fund(user, funds)
        if coins:
            services.coins_buy_from_wallet(
                holder=user, coins_count=coins, currency="EUR", actor=user, now=NOW
            )
            services.birth_date_declare(user=user, birth_date=date(1996, 5, 1), now=NOW)
        return user, own_post(user)

    return make


class FixedSpend:
    """A delivery that spends exactly ``coins`` in the first hour and nothing after (so a test
    knows what an order consumed; the simulator's fill depends on the order's id)."""

    name = "fixed"
    needs_launch = False

    def __init__(self, coins: int):
        self.coins = coins

    def deliver(self, plan, *, first_hour: int, hours: int) -> list[HourResult]:
        return [
            HourResult(
                hour_index=h,
                spent_coins=self.coins if h == 0 else 0,
                impressions=10 * self.coins if h == 0 else 0,
                views=self.coins if h == 0 else 0,
                clicks=0,
                follows=0,
                product_clicks=0,
                live_viewers=0,
            )
            for h in range(first_hour, first_hour + hours)
        ]
