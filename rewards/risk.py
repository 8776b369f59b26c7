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
from django.db.models import Count, Max

from accounts.models import User
from rewards.models import Ban, SocialAction
from social.models import TikTokProfile


def _signal(code: str, weight: int, detail: str) -> dict:
    return {"code": code, "weight": weight, "detail": detail}


def action_risk(action: SocialAction, *, now: datetime) -> tuple[int, list[dict]]:
    signals: list[dict] = []
    hour_ago = now - timedelta(hours=1)
    others = SocialAction.objects.exclude(user_id=action.user_id)
    if action.device_id:
        users = others.filter(device_id=action.device_id).values("user_id").distinct().count()
        if users >= settings.REWARDS_RISK_DEVICE_USERS:
            signals.append(_signal("SHARED_DEVICE", 60, f"{users} other people earned on this device"))
        recent = SocialAction.objects.filter(device_id=action.device_id, created_at__gte=hour_ago).count()
        if recent > settings.REWARDS_RISK_ACTIONS_PER_HOUR:
            signals.append(_signal("DEVICE_VELOCITY", 40, f"{recent} actions from this device in an hour"))
    if action.ip_address:
        since = now - timedelta(days=1)
        users = (
            others.filter(ip_address=action.ip_address, created_at__gte=since)
            .values("user_id")
            .distinct()
            .count()
        )
        if users >= settings.REWARDS_RISK_IP_USERS:
            signals.append(_signal("SHARED_IP", 30, f"{users} other people earned from this address today"))
        recent = SocialAction.objects.filter(ip_address=action.ip_address, created_at__gte=hour_ago).count()
        if recent > settings.REWARDS_RISK_ACTIONS_PER_HOUR * 3:
            signals.append(_signal("IP_VELOCITY", 30, f"{recent} actions from this address in an hour"))
    recent = SocialAction.objects.filter(user_id=action.user_id, created_at__gte=hour_ago).count()
    if recent > settings.REWARDS_RISK_ACTIONS_PER_HOUR:
        signals.append(_signal("USER_VELOCITY", 40, f"{recent} actions by this person in an hour"))
    joined = action.user.date_joined
    if joined and joined > now - timedelta(hours=settings.REWARDS_RISK_NEW_ACCOUNT_HOURS):
        profile = TikTokProfile.objects.filter(user_id=action.user_id).first()
        if (
            profile is not None
            and (profile.follower_count or 0) < settings.REWARDS_RISK_NEW_ACCOUNT_FOLLOWERS
        ):
            signals.append(_signal("NEW_ACCOUNT", 20, "a brand-new account with almost no followers"))
    return min(100, sum(s["weight"] for s in signals)), signals


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
