"""Demo rewards for ``seed_demo``: every state, produced by the engine itself.

- Ana signs in with TikTok on the brand page: login reward PENDING; her shared post earns
  engagement as its snapshots come in (PENDING).
- Ben signs in, and his reward is settled with the clock advanced past the hold
  (``manage.py rewards_settle --advance-days 15`` does the same for everyone): CONFIRMED.
- Dan shares a post, then deletes it; the sync finds it gone, and at the end of the hold
  it is REVERSED and the brand refunded. (Chloe, the creator, has her own video waiting for
  the brand's review: her shares earn once the brand approves it.)
- Eve signs in from the device Ana used: HELD for ops review (/ops/ review queue).

Idempotent: actions count once by their key, settlement only touches pending rewards.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from accounts.models import User
from campaigns.models import ActionType, Campaign
from rewards.models import Reward, RewardStatus
from rewards.services import action_record, reward_settle, snapshot_process
from social.models import EngagementSnapshot, TrackedPost


def _demo_post(*, user: User, campaign: Campaign, video_id: str, now: datetime) -> TrackedPost:
    post, _ = TrackedPost.objects.get_or_create(
        video_id=video_id,
        defaults={
            "user": user,
            "caption": f"My morning at {campaign.merchant.brand_name} #{campaign.hashtag}",
            "posted_at": now,
            "criterion_key": f"campaign:{campaign.pk}",
            "discovered_at": now,
            "track_until": now + timedelta(days=campaign.hold_days),
        },
    )
    return post


def _snapshot(post: TrackedPost, *, views: int, likes: int, comments: int, shares: int, at: datetime) -> None:
    if not post.snapshots.filter(views=views).exists():
        shot = EngagementSnapshot.objects.create(
            post=post, views=views, likes=likes, comments=comments, shares=shares, taken_at=at
        )
        TrackedPost.objects.filter(pk=post.pk).update(last_synced_at=at)  # as the engagement sync does
        snapshot_process(snapshot_id=shot.pk, now=at)


def demo_rewards_seed(
    *, campaign: Campaign, ana: User, ben: User, dan: User, eve: User, now: datetime
) -> list[str]:
    merchant = campaign.merchant
    lines = []

    action_record(
        user=ana, merchant=merchant, action_type=ActionType.TIKTOK_LOGIN, now=now, device_id="demo-device-ana"
    )
    ana_post = _demo_post(user=ana, campaign=campaign, video_id="demo-ana-1", now=now)
    action_record(
        user=ana,
        merchant=merchant,
        action_type=ActionType.SHARE_VIDEO,
        campaign=campaign,
        tracked_post=ana_post,
        now=now,
    )
    _snapshot(ana_post, views=3_200, likes=140, comments=12, shares=3, at=now)
    _snapshot(ana_post, views=9_800, likes=410, comments=31, shares=9, at=now + timedelta(minutes=1))
    lines.append(f"{ana}: login and a shared post, pending")

    action_record(
        user=ben, merchant=merchant, action_type=ActionType.TIKTOK_LOGIN, now=now, device_id="demo-device-ben"
    )
    for reward in Reward.objects.filter(user=ben, status=RewardStatus.PENDING):
        reward_settle(reward_id=reward.pk, now=reward.available_at)  # the clock advanced past the hold
    lines.append(f"{ben}: login reward confirmed (available)")

    dan_post = _demo_post(user=dan, campaign=campaign, video_id="demo-dan-1", now=now)
    action_record(
        user=dan,
        merchant=merchant,
        action_type=ActionType.SHARE_VIDEO,
        campaign=campaign,
        tracked_post=dan_post,
        now=now,
        device_id="demo-device-dan",
    )
    _snapshot(dan_post, views=1_500, likes=60, comments=4, shares=1, at=now)
    if dan_post.status == TrackedPost.Status.ACTIVE:
        TrackedPost.objects.filter(pk=dan_post.pk).update(
            status=TrackedPost.Status.GONE, gone_at=now, last_synced_at=now
        )
    for reward in Reward.objects.filter(user=dan, status=RewardStatus.PENDING):
        reward_settle(reward_id=reward.pk, now=reward.available_at)
    lines.append(f"{dan}: shared post deleted, rewards reversed")

    action_record(
        user=eve, merchant=merchant, action_type=ActionType.TIKTOK_LOGIN, now=now, device_id="demo-device-ana"
    )
    lines.append(f"{eve}: login from Ana's device, held for review")
    return lines
