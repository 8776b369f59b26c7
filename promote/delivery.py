"""Delivery of promotion orders, behind one interface.

A provider is asked what an order delivered during the hours ``[first_hour, first_hour + n)``
of its run and answers one ``HourResult`` per hour, in whole coins and whole counts. The
services record the results (``DeliveryTick``) and enforce the budget; a provider never
moves coins.

``Simulator`` is the provider of tests and ``make run``: deterministic (seeded by the
order), it spends each day's share over a daily curve, never more than the day's share or
the budget, and under-delivers by an order-specific fill rate between 55 and 100 %. It counts
only the results the order's kind and goal can have (``possible_results``).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Protocol

# The share of a day's budget spent in each hour (out of 100): quiet at night, peaks in the evening.
HOUR_WEIGHTS = (1, 1, 1, 1, 1, 1, 2, 3, 4, 5, 5, 5, 5, 5, 5, 5, 5, 5, 6, 7, 8, 8, 6, 5)
WEIGHT_TOTAL = sum(HOUR_WEIGHTS)
_CUMULATIVE = tuple(sum(HOUR_WEIGHTS[: h + 1]) for h in range(24))

# Results per 100 coins spent, at the middle of the range: (impressions, per-mille of impressions
# that become each result). Integers so every result is an integer.
IMPRESSIONS_PER_100_COINS = 1200
RESULT_PER_MILLE = {
    "views": 450,
    "clicks": 12,
    "follows": 4,
    "product_clicks": 15,
    "live_viewers": 40,
}

# The counts each kind of promotion can have: only a LIVE has live viewers (and no video views),
# only a video with a product anchor has product clicks. A website visit needs the link TikTok
# adds only to a promotion for website visits, so it is counted only for that goal.
KIND_RESULTS = {
    "VIDEO": ("views", "clicks", "follows"),
    "VIDEO_ANCHOR": ("views", "follows", "product_clicks"),
    "LIVE": ("follows", "live_viewers"),
}
GOAL_ONLY = {"clicks": "WEBSITE_VISITS"}


def possible_results(*, kind: str, goal: str) -> tuple[str, ...]:
    """The counts an order of this kind and goal can have, in ``RESULT_PER_MILLE``'s order: the
    others are never produced (the simulator gives 0) nor shown."""
    return tuple(
        name for name in RESULT_PER_MILLE if name in KIND_RESULTS[kind] and GOAL_ONLY.get(name, goal) == goal
    )


@dataclass(frozen=True)
class OrderPlan:
    """What a provider needs of an order (no model: providers don't touch the database)."""

    order_id: int
    budget_coins: int
    duration_days: int
    goal: str
    kind: str
    starts_at: datetime | None = None
    external: dict = field(default_factory=dict)  # the provider's ids, from its launch
    pack_coins: int = 100  # the coin price in the provider's currency (spend back to coins)
    pack_price: Decimal = Decimal("0.99")


@dataclass(frozen=True)
class HourResult:
    hour_index: int
    spent_coins: int
    impressions: int
    views: int
    clicks: int
    follows: int
    product_clicks: int
    live_viewers: int


class DeliveryProvider(Protocol):
    name: str
    needs_launch: bool  # launch(...) is called once before the first hour is asked for

    def deliver(self, plan: OrderPlan, *, first_hour: int, hours: int) -> list[HourResult]: ...


def daily_share(plan: OrderPlan, day: int) -> int:
    """The most an order may spend on ``day`` (0-based): the budget split evenly, the remainder
    on the first days, so the shares add up to the budget exactly."""
    base, extra = divmod(plan.budget_coins, plan.duration_days)
    return base + (1 if day < extra else 0)


def _seed(order_id: int, salt: str) -> int:
    return int.from_bytes(hashlib.blake2b(f"{order_id}:{salt}".encode(), digest_size=8).digest(), "big")


class Simulator:
    """Deterministic delivery: the same order always delivers the same hours."""

    name = "simulator"
    needs_launch = False

    def fill_percent(self, order_id: int) -> int:
        return 55 + _seed(order_id, "fill") % 46  # 55..100

    def quality_percent(self, order_id: int) -> int:
        return 80 + _seed(order_id, "quality") % 41  # 80..120

    def planned(self, plan: OrderPlan, hour_index: int) -> int:
        """Coins the curve allows in hour ``hour_index``: cumulative shares, so a day adds up to its share."""
        day, hour = divmod(hour_index, 24)
        share = daily_share(plan, day)
        before = share * (_CUMULATIVE[hour - 1] if hour else 0) // WEIGHT_TOTAL
        return share * _CUMULATIVE[hour] // WEIGHT_TOTAL - before

    def planned_before(self, plan: OrderPlan, hour_index: int) -> int:
        """Coins the curve allows in the hours before ``hour_index`` (the sum of ``planned``)."""
        day, hour = divmod(hour_index, 24)
        base, extra = divmod(plan.budget_coins, plan.duration_days)
        whole_days = base * day + min(day, extra)  # the sum of ``daily_share`` over the days before
        return whole_days + (daily_share(plan, day) * _CUMULATIVE[hour - 1] // WEIGHT_TOTAL if hour else 0)

    def _delivered_before(self, plan: OrderPlan, hour_index: int, fill: int, quality: int) -> dict[str, int]:
        """What the order has delivered in the hours before ``hour_index``, each figure rounded down
        once on the running total: rounding every hour on its own lost a small order almost all of
        it (20 coins over a day: 2 spent, 12 views, against an estimate of 47 to 129)."""
        spent = self.planned_before(plan, hour_index) * fill // 100
        impressions = spent * IMPRESSIONS_PER_100_COINS * quality // 10_000
        return {
            "spent_coins": spent,
            "impressions": impressions,
            **{name: impressions * per_mille // 1000 for name, per_mille in RESULT_PER_MILLE.items()},
        }

    def deliver(self, plan: OrderPlan, *, first_hour: int, hours: int) -> list[HourResult]:
        fill = self.fill_percent(plan.order_id)
        quality = self.quality_percent(plan.order_id)
        possible = possible_results(kind=plan.kind, goal=plan.goal)
        last = plan.duration_days * 24
        out = []
        before = self._delivered_before(plan, first_hour, fill, quality)
        for index in range(first_hour, min(first_hour + hours, last)):
            upto = self._delivered_before(plan, index + 1, fill, quality)
            hour = {name: upto[name] - before[name] for name in upto}
            for name in RESULT_PER_MILLE:
                if name not in possible:
                    hour[name] = 0
            out.append(HourResult(hour_index=index, **hour))
            before = upto
        return out


def estimate(*, budget_coins: int, goal: str) -> tuple[int, int]:
    """The result range shown before paying: the simulator's worst and best fill and quality."""
    field = GOAL_FIELD[goal]
    per_mille = RESULT_PER_MILLE[field]
    low = budget_coins * 55 // 100 * IMPRESSIONS_PER_100_COINS * 80 // 10_000 * per_mille // 1000
    high = budget_coins * IMPRESSIONS_PER_100_COINS * 120 // 10_000 * per_mille // 1000
    return low, high


# Which count of an hour is the goal's result.
GOAL_FIELD = {
    "VIEWS": "views",
    "WEBSITE_VISITS": "clicks",
    "FOLLOWERS": "follows",
    "PRODUCT_CLICKS": "product_clicks",
    "LIVE_VIEWERS": "live_viewers",
}
