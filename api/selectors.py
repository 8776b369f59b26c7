"""Reads of the API app that are more than one line: the rewards list's page, the widget's offer,
origins and balance."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from django.db.models import Sum
from moneyed import Money

from api.models import ApiKey, KeyKind
from core.db import bound_cursor
from merchants.models import TOUCHPOINT_WEB_KINDS, Merchant, Touchpoint
from merchants.origins import origin_of
from rewards.models import Reward, RewardKind, RewardStatus

# --- GET /api/v1/rewards: the API's busiest read (docs/benchmarks.md, "Public API") ----------------
#
# One fixed statement per combination of filters, written here rather than by the ORM: compiling
# the ORM's query was most of the request's CPU. It reads the rewards' rows alone (a reward keeps its
# action's type) through the index on (merchant, id descending): a page reads its 51 rows, however
# many rewards the merchant has. PostgreSQL renders the amount and the times as
# text (no Decimal or datetime built per cell); ``_iso`` turns its timestamp into Python's
# ``isoformat()``, so a row is the same dict as ``webhooks.payloads.reward_payload`` makes.

_PAGE_SELECT = (
    "SELECT r.id, r.campaign_id, r.action_type, r.kind, r.status, r.currency, r.merchant_price::text, "
    "r.reason, r.created_at::text, r.available_at::text, r.decided_at::text "
    "FROM rewards_reward r WHERE r.merchant_id = %s"
)
_PAGE_FILTERS = (
    ("status", " AND r.status = %s"),
    ("campaign_id", " AND r.campaign_id = %s"),
    ("created_after", " AND r.created_at > %s"),
    ("created_before", " AND r.created_at < %s"),
    ("after", " AND r.id < %s"),
)


def _iso(text: str | None) -> str | None:
    """PostgreSQL's ``2026-11-29 02:28:41.0187+00`` (the session's time zone is UTC: Django sets it)
    as ``datetime.isoformat()`` writes it: ``2026-11-29T02:28:41.018700+00:00``."""
    if text is None:
        return None
    if text[-3:] == "+00":  # UTC, the usual case (150 of them a page): slices only
        if len(text) == 22:  # whole seconds: isoformat() writes no fraction
            return f"{text[:10]}T{text[11:19]}+00:00"
        return f"{text[:10]}T{text[11:-3]:0<15}+00:00"  # the fraction to six digits
    if text[19] == ".":  # a fraction: up to the offset's sign (str methods, no loop)
        cut = text.find("+", 20)
        if cut < 0:
            cut = text.find("-", 20)
        fraction = text[19:cut].ljust(7, "0")
    else:
        cut, fraction = 19, ""
    offset = text[cut:]
    return f"{text[:10]}T{text[11:19]}{fraction}{offset if len(offset) > 3 else offset + ':00'}"


def reward_page(
    *,
    merchant_id: int,
    limit: int,
    after: int | None = None,
    status: str | None = None,
    campaign_id: int | None = None,
    created_after: datetime | None = None,
    created_before: datetime | None = None,
) -> list[dict]:
    """Up to ``limit`` of the merchant's rewards, newest first (ids below ``after``), as the API shows them."""
    values = {
        "status": status,
        "campaign_id": campaign_id,
        "created_after": created_after,
        "created_before": created_before,
        "after": after,
    }
    sql, params = [_PAGE_SELECT], [merchant_id]
    for name, condition in _PAGE_FILTERS:
        if values[name] is not None:
            sql.append(condition)
            params.append(values[name])
    sql.append(" ORDER BY r.id DESC LIMIT %s")
    params.append(limit)
    with bound_cursor() as cursor:
        cursor.execute("".join(sql), params)
        rows = cursor.fetchall()
    return [
        {
            "id": f"rwd_{pk}",
            "campaign": f"cmp_{campaign}",
            "action_type": action_type,
            "kind": kind,
            "status": status_,
            "currency": currency,
            "amount": amount,
            "reason": reason,
            "created_at": _iso(created),
            "available_at": _iso(available),
            "decided_at": _iso(decided),
        }
        for pk, campaign, action_type, kind, status_, currency, amount, reason, created, available, decided in rows
    ]


def action_reward_id(*, action_id: int) -> int | None:
    """The id of the reward an action earned (its ACTION reward), or None. One fixed statement: the ORM's
    compilation of the same query cost more than the query (every reported action's answer reads it)."""
    with bound_cursor() as cursor:
        cursor.execute(_ACTION_REWARD, [action_id, RewardKind.ACTION])
        row = cursor.fetchone()
    return row[0] if row else None


_ACTION_REWARD = (
    f"SELECT id FROM {Reward._meta.db_table} WHERE action_id = %s AND kind = %s ORDER BY id LIMIT 1"  # noqa: S608
)


def publishable_key_get(*, raw: str, now: datetime) -> ApiKey | None:
    if not raw.startswith("tj_pk_"):
        return None
    return (
        ApiKey.objects.usable(now=now)
        .filter(kind=KeyKind.PUBLISHABLE, publishable_key=raw)
        .select_related("merchant")
        .first()
    )


def widget_origins(*, merchant: Merchant) -> list[str]:
    """The origins allowed to embed the widget: the merchant's active website and e-commerce touchpoints."""
    urls = Touchpoint.objects.filter(
        merchant=merchant, is_active=True, kind__in=TOUCHPOINT_WEB_KINDS
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
        merchant=merchant, is_active=True, kind__in=TOUCHPOINT_WEB_KINDS
    ).values_list("url", "public_key"):
        if origin_of(url) == origin:
            return key
    return None


def widget_key_get(*, merchant: Merchant, now: datetime) -> ApiKey | None:
    """The merchant's newest usable publishable key: the one the console's widget tag carries."""
    return (
        ApiKey.objects.usable(now=now)
        .filter(merchant=merchant, kind=KeyKind.PUBLISHABLE)
        .order_by("-pk")
        .first()
    )


def demo_publishable_key() -> str:
    """The demo brand's widget key (``api.demo``), or an empty string before ``seed_demo``."""
    key = ApiKey.objects.filter(
        name="Demo shop widget", kind=KeyKind.PUBLISHABLE, revoked_at__isnull=True
    ).first()
    return key.publishable_key if key else ""
