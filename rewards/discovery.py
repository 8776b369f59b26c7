"""Reads that feed the engine: share criteria, who to scan, which snapshots to process."""

from __future__ import annotations

from datetime import datetime, timedelta

from django.db.models import Max, Min, OuterRef, Q, Subquery

from accounts.models import User
from campaigns.models import ActionType, Campaign
from rewards.models import SocialAction
from social.matching import ShareCriterion
from social.models import EngagementSnapshot, TikTokProfile, TrackedPost

CRITERION_PREFIX = "campaign:"


def campaign_id_from_criterion(key: str) -> int | None:
    if not key.startswith(CRITERION_PREFIX):
        return None
    try:
        return int(key.removeprefix(CRITERION_PREFIX))
    except ValueError:
        return None


def _to_tiktok_second(moment: datetime) -> datetime:
    """TikTok gives ``create_time`` in whole seconds: a post made in the same second as the
    moment counts as after it (criteria match posts strictly after ``not_before``)."""
    return moment.replace(microsecond=0) - timedelta(microseconds=1)


def share_criteria_for(*, user: User, now: datetime) -> list[ShareCriterion]:
    """What a consumer's posts must carry to count as shares: one criterion per live share campaign
    of each brand they joined, valid for posts made after the campaign started and after they joined."""
    joined = dict(
        SocialAction.objects.filter(user=user).values_list("merchant_id").annotate(first=Min("occurred_at"))
    )
    if not joined:
        return []
    campaigns = (
        Campaign.objects.live(now=now)
        .filter(merchant_id__in=joined, rules__action=ActionType.SHARE_VIDEO, rules__is_enabled=True)
        .exclude(hashtag="", mention="")
        .distinct()
        .order_by("starts_at", "pk")
    )
    return [
        ShareCriterion(
            key=f"{CRITERION_PREFIX}{c.pk}",
            hashtag=c.hashtag,
            mention=c.mention,
            not_before=_to_tiktok_second(max(c.starts_at, joined[c.merchant_id])),
        )
        for c in campaigns
    ]


def share_discovery_user_ids(*, now: datetime) -> list[int]:
    """Consumers with a connected TikTok account who joined a brand that runs a live share campaign."""
    live_merchants = (
        Campaign.objects.live(now=now)
        .filter(rules__action=ActionType.SHARE_VIDEO, rules__is_enabled=True)
        .values("merchant_id")
    )
    connected = TikTokProfile.objects.filter(disconnected_at__isnull=True).values("user_id")
    return list(
        SocialAction.objects.filter(merchant_id__in=live_merchants, user_id__in=connected)
        .values_list("user_id", flat=True)
        .distinct()
        .order_by("user_id")
    )


def undiscovered_shares(*, user: User) -> list[TrackedPost]:
    """The user's tracked posts that matched a campaign but have no SocialAction yet."""
    return list(
        TrackedPost.objects.filter(user=user, criterion_key__startswith=CRITERION_PREFIX)
        .filter(social_actions__isnull=True)
        .order_by("pk")
    )


def snapshot_ids_to_process(*, now: datetime) -> list[int]:
    """The latest snapshot of every tracked post of a rewarded share, unless it already paid.

    The latest counts decide what a post has earned; older snapshots add nothing.
    """
    latest = (
        EngagementSnapshot.objects.filter(post=OuterRef("post")).order_by("-taken_at", "-pk").values("pk")[:1]
    )
    shares = SocialAction.objects.filter(action_type=ActionType.SHARE_VIDEO).filter(
        Q(status="REWARDED") | Q(status="RECORDED") | Q(status="HELD")
    )
    return list(
        EngagementSnapshot.objects.filter(post__social_actions__in=shares, reward__isnull=True)
        .filter(pk=Subquery(latest))
        .values_list("pk", flat=True)
        .order_by("pk")
    )


def latest_snapshot_at(post: TrackedPost) -> datetime | None:
    return post.snapshots.aggregate(at=Max("taken_at"))["at"]
