"""Reads of subscriptions: the benefits a person has at a moment (the engine asks), and the
consumer page's plans and subscriptions."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from datetime import datetime

from django.db import connection
from django.db.models import QuerySet

from core.db import bound_cursor
from subscriptions.benefits import NO_BENEFITS, Benefits, PlanApplied, terms_for
from subscriptions.models import Plan, Subscription, SubscriptionStatus


def benefits_for_users(*, user_ids: Iterable[int], now: datetime) -> dict[int, Benefits]:
    """Each person's benefits at ``now``: subscriptions ACTIVE whose paid period covers ``now``.

    A person missing from the answer has none (``NO_BENEFITS``).
    """
    plans: dict[int, list[PlanApplied]] = defaultdict(list)
    user_ids = set(user_ids)
    if not user_ids:  # as the ORM: no query for nobody
        return {}
    if connection.vendor == "postgresql":  # the engine asks on every payment: no ORM compilation
        with bound_cursor() as cursor:
            cursor.execute(_BENEFITS_SQL, [sorted(set(user_ids)), now, now])
            rows = cursor.fetchall()
    else:
        rows = (
            subscriptions_giving_benefits(now=now)
            .filter(user_id__in=set(user_ids))
            .order_by("pk")
            .values_list(
                "user_id",
                "pk",
                "plan__name",
                "bonus_rate",
                "bonus_margin_cap",
                "fast_hold_hours",
                "period_end",
            )
        )
    for row in rows:
        user_id, *fields = row
        plans[user_id].append(PlanApplied(*fields))
    return {user_id: Benefits(tuple(applied)) for user_id, applied in plans.items()}


def subscriptions_giving_benefits(*, now: datetime) -> QuerySet[Subscription]:
    """The subscriptions whose benefits apply at ``now``: ACTIVE, their paid period covering ``now``
    (``_GIVING_BENEFITS`` in SQL)."""
    return Subscription.objects.filter(
        status=SubscriptionStatus.ACTIVE, period_start__lte=now, period_end__gt=now
    )


# ``subscriptions_giving_benefits`` of the subscriptions ``s``, its parameters ``now`` twice.
_GIVING_BENEFITS = f"s.status = '{SubscriptionStatus.ACTIVE}' AND s.period_start <= %s AND s.period_end > %s"
_BENEFITS_SQL = (
    "SELECT s.user_id, s.id, p.name, s.bonus_rate, s.bonus_margin_cap, s.fast_hold_hours, s.period_end "  # noqa: S608 - names from the models
    f"FROM {Subscription._meta.db_table} s JOIN {Plan._meta.db_table} p ON p.id = s.plan_id "
    f"WHERE s.user_id = ANY(%s) AND {_GIVING_BENEFITS} ORDER BY s.id"
)
# Whether the person (the first parameter) has benefits at a moment (the second, twice), as an
# ``EXISTS`` for a statement that reads it beside other facts (the engine's: most people have no
# subscription, and ``benefits_for_users`` is asked only for those who have).
BENEFITS_EXIST_SQL = (
    f"EXISTS (SELECT 1 FROM {Subscription._meta.db_table} s WHERE s.user_id = %s AND {_GIVING_BENEFITS})"  # noqa: S608 - names from the models
)


def benefits_for(*, user_id: int, now: datetime) -> Benefits:
    return benefits_for_users(user_ids=[user_id], now=now).get(user_id, NO_BENEFITS)


def plans_offered() -> QuerySet[Plan]:
    return Plan.objects.filter(is_offered=True).order_by("currency", "monthly_fee", "pk")


def plan_terms(plan: Plan) -> list[str]:
    return terms_for(
        name=plan.name,
        monthly_fee=plan.fee_money,
        bonus_rate=plan.bonus_rate,
        bonus_margin_cap=plan.bonus_margin_cap,
        fast_hold_hours=plan.fast_hold_hours,
    )


def subscriptions_of(*, user) -> QuerySet[Subscription]:
    """The person's subscriptions, running ones first, then the last ended ones."""
    return Subscription.objects.filter(user=user).select_related("plan").order_by("status", "-started_at")


def subscription_ids_due(*, now: datetime) -> list[int]:
    """Running subscriptions whose period ended: renew them (or end them) now."""
    return list(
        Subscription.objects.filter(status=SubscriptionStatus.ACTIVE, period_end__lte=now)
        .order_by("period_end", "pk")
        .values_list("pk", flat=True)
    )
