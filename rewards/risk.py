"""Risk signals for an action or an engagement snapshot.

Each signal has a weight; their sum (at most 100) is the action's risk score.
At ``REWARDS_RISK_HOLD_THRESHOLD`` or above, the reward is HELD for ops review.
Thresholds are settings (docs/rewards.md). Some signals the design lists are
made impossible by the schema instead: a TikTok account (``open_id``) and a
phone number are unique per user, so one of them can't stand behind several.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.db import connection
from django.db.models import Count, Max

from accounts.models import User
from core.db import bound_cursor
from rewards.models import Ban, SocialAction
from social.models import TikTokProfile


def _signal(code: str, weight: int, detail: str) -> dict:
    return {"code": code, "weight": weight, "detail": detail}


def _new_account(action: SocialAction, now: datetime) -> bool:
    joined = action.user.date_joined
    return bool(joined and joined > now - timedelta(hours=settings.REWARDS_RISK_NEW_ACCOUNT_HOURS))


def action_risk(action: SocialAction, *, now: datetime, counts: dict | None = None) -> tuple[int, list[dict]]:
    """The action's risk signals, read in one statement (``_risk_counts``), or from ``counts`` when a
    caller read them in one of its own (``risk_counts_sql``, then ``risk_counts_read``)."""
    signals: list[dict] = []
    new_account = _new_account(action, now)
    if counts is None:
        counts = _risk_counts(action, now=now, new_account=new_account)
    if action.device_id:
        users = counts["device_users"]
        if users >= settings.REWARDS_RISK_DEVICE_USERS:
            signals.append(_signal("SHARED_DEVICE", 60, f"{users} other people earned on this device"))
        recent = counts["device_recent"]
        if recent > settings.REWARDS_RISK_ACTIONS_PER_HOUR:
            signals.append(_signal("DEVICE_VELOCITY", 40, f"{recent} actions from this device in an hour"))
    if action.ip_address:
        users = counts["ip_users"]
        if users >= settings.REWARDS_RISK_IP_USERS:
            signals.append(_signal("SHARED_IP", 30, f"{users} other people earned from this address today"))
        recent = counts["ip_recent"]
        if recent > settings.REWARDS_RISK_ACTIONS_PER_HOUR * 3:
            signals.append(_signal("IP_VELOCITY", 30, f"{recent} actions from this address in an hour"))
    recent = counts["user_recent"]
    if recent > settings.REWARDS_RISK_ACTIONS_PER_HOUR:
        signals.append(_signal("USER_VELOCITY", 40, f"{recent} actions by this person in an hour"))
    if (
        new_account
        and counts["has_profile"]
        and (counts["followers"] or 0) < settings.REWARDS_RISK_NEW_ACCOUNT_FOLLOWERS
    ):
        signals.append(_signal("NEW_ACCOUNT", 20, "a brand-new account with almost no followers"))
    return min(100, sum(s["weight"] for s in signals)), signals


_ACTIONS = SocialAction._meta.db_table
_PROFILES = TikTokProfile._meta.db_table


def risk_counts_sql(action: SocialAction, *, now: datetime) -> tuple[list[str], list]:
    """What the signals count, as scalar subqueries (each a select-list expression) and their values
    (the same reads the ORM made one query each): other people on the device (ever) and the address
    (in a day), the device's, address's and person's actions in the last hour, and for a new account
    its TikTok profile's followers. ``risk_counts_read`` reads their values."""
    new_account = _new_account(action, now)
    adapt = connection.ops.adapt_datetimefield_value
    hour_ago, day_ago = adapt(now - timedelta(hours=1)), adapt(now - timedelta(days=1))
    parts: list[str] = []
    params: list = []
    if action.device_id:
        parts += [
            f"(SELECT COUNT(DISTINCT user_id) FROM {_ACTIONS} WHERE device_id = %s AND user_id <> %s)",  # noqa: S608 - fixed names
            f"(SELECT COUNT(*) FROM {_ACTIONS} WHERE device_id = %s AND created_at >= %s)",  # noqa: S608
        ]
        params += [action.device_id, action.user_id, action.device_id, hour_ago]
    if action.ip_address:
        ip = connection.ops.adapt_ipaddressfield_value(action.ip_address)
        parts += [
            f"(SELECT COUNT(DISTINCT user_id) FROM {_ACTIONS} WHERE ip_address = %s AND user_id <> %s "  # noqa: S608
            "AND created_at >= %s)",
            f"(SELECT COUNT(*) FROM {_ACTIONS} WHERE ip_address = %s AND created_at >= %s)",  # noqa: S608
        ]
        params += [ip, action.user_id, day_ago, ip, hour_ago]
    parts.append(f"(SELECT COUNT(*) FROM {_ACTIONS} WHERE user_id = %s AND created_at >= %s)")  # noqa: S608
    params += [action.user_id, hour_ago]
    if new_account:
        parts += [
            f"(SELECT COUNT(*) FROM {_PROFILES} WHERE user_id = %s)",  # noqa: S608
            f"(SELECT follower_count FROM {_PROFILES} WHERE user_id = %s)",  # noqa: S608
        ]
        params += [action.user_id, action.user_id]
    return parts, params


def risk_counts_read(action: SocialAction, *, now: datetime, values) -> dict:
    """The values of ``risk_counts_sql``'s expressions, in their order, as ``action_risk``'s counts."""
    row = list(values)
    counts: dict = {}
    if action.device_id:
        counts["device_users"], counts["device_recent"] = row.pop(0), row.pop(0)
    if action.ip_address:
        counts["ip_users"], counts["ip_recent"] = row.pop(0), row.pop(0)
    counts["user_recent"] = row.pop(0)
    if _new_account(action, now):
        counts["has_profile"], counts["followers"] = row.pop(0), row.pop(0)
    return counts


def _risk_counts(action: SocialAction, *, now: datetime, new_account: bool) -> dict:
    """``risk_counts_sql``'s expressions as one SELECT (one round trip, no ORM compilation)."""
    parts, params = risk_counts_sql(action, now=now)
    with bound_cursor() as cursor:
        cursor.execute("SELECT " + ", ".join(parts), params)
        row = cursor.fetchone()
    return risk_counts_read(action, now=now, values=row)


def engagement_risk_for(*, followers: int, counts) -> tuple[int, list[dict]]:
    """Engagement out of line with the account's audience (views far beyond its followers, more likes than views).

    ``counts`` has ``views`` and ``likes`` (a ``decision.Counts`` or a snapshot). No database access.
    """
    snapshot = counts
    signals: list[dict] = []
    expected = max(settings.REWARDS_RISK_VIEWS_FLOOR, followers * settings.REWARDS_RISK_VIEWS_PER_FOLLOWER)
    if snapshot.views > expected:
        signals.append(
            _signal(
                "ENGAGEMENT_OUT_OF_LINE",
                60,
                f"{snapshot.views} views for an account with {followers} followers",
            )
        )
    if snapshot.views and snapshot.likes > snapshot.views:
        signals.append(
            _signal("MORE_LIKES_THAN_VIEWS", 60, f"{snapshot.likes} likes on {snapshot.views} views")
        )
    return min(100, sum(s["weight"] for s in signals)), signals


@dataclass(frozen=True)
class SharedWith:
    """Another account seen on one of a person's devices or addresses (what the fraud signals count)."""

    user: User
    same_device: int  # actions of theirs from a device this person used
    same_address: int  # actions of theirs from an address this person used
    last_at: datetime
    banned: bool


def people_sharing_devices(*, user_id: int, limit: int = 50) -> list[SharedWith]:
    """Other accounts whose actions came from this person's device cookies or IP addresses.

    The same two keys ``action_risk`` counts (``SocialAction.device_id`` and
    ``ip_address``), over all time: the signals look at a window, a reviewer at the
    whole picture. Most shared devices first.
    """
    mine = SocialAction.objects.filter(user_id=user_id)
    devices = mine.exclude(device_id="").values("device_id").distinct()
    addresses = mine.exclude(ip_address=None).values("ip_address").distinct()
    others = SocialAction.objects.exclude(user_id=user_id)
    found: dict[int, dict] = {}
    for key, rows in (
        ("same_device", others.filter(device_id__in=devices)),
        ("same_address", others.filter(ip_address__in=addresses)),
    ):
        for row in rows.values("user_id").annotate(n=Count("pk"), last=Max("occurred_at")):
            entry = found.setdefault(
                row["user_id"], {"same_device": 0, "same_address": 0, "last_at": row["last"]}
            )
            entry[key] = row["n"]
            entry["last_at"] = max(entry["last_at"], row["last"])
    ranked = sorted(
        found.items(), key=lambda item: (-item[1]["same_device"], -item[1]["same_address"], item[0])
    )[:limit]
    users = User.objects.in_bulk([user_id for user_id, _ in ranked])
    banned = set(Ban.objects.filter(user_id__in=users).values_list("user_id", flat=True))
    return [
        SharedWith(user=users[uid], banned=uid in banned, **entry) for uid, entry in ranked if uid in users
    ]
