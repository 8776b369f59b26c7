"""Demo rewards for ``seed_demo``: every state, produced by the engine itself, on a history that is
over by the time ``make run`` starts (``now`` is the real time): what the wallet shows as available
became available before now, what it shows as pending was earned in the last hours and waits for
its hold to end.

- Ana signs in with TikTok on the brand page two hours ago: login reward PENDING; her shared post
  earns engagement as its snapshots come in (PENDING).
- Ben signed in 18 days ago; the hold (14 days) ended 4 days ago and his reward was settled then:
  CONFIRMED, available.
- Dan shared a post 17 days ago, then deleted it; the sync found it gone, and at the end of the
  hold it was REVERSED and the brand refunded. (Chloe, the creator, has her own video waiting for
  the brand's review: her shares earn once the brand approves it.)
- Eve signs in an hour ago from the device Ana used: HELD for ops review (/ops/ review queue).

Idempotent: actions count once by their key, settlement only touches pending rewards.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from django.db.models import Q

from accounts.models import User
from campaigns.models import ActionType, Campaign
from merchants.models import ConsentField, Merchant
from merchants.services import consent_give
from rewards.models import Reward, RewardStatus
from rewards.services import action_record, reward_settle, snapshot_process
from social.models import TrackedPost
from social.services import EngagementCounts, engagement_snapshots_record
from subscriptions.demo import demo_subscription_seed


def demo_consent_give(person: User, merchant: Merchant, at: datetime) -> None:
    """The consent a person gives on the brand page's join step before their first reward (as the
    real page records it; given twice, the first stays): the demo's wallets then say whom they share
    with, and since when."""
    consent_give(
        user=person,
        merchant=merchant,
        fields=[ConsentField.DISPLAY_NAME, ConsentField.TIKTOK_HANDLE],
        now=at,
        page=f"/b/{merchant.slug}/join/",
    )


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


def _demo_share(
    *, person: User, campaign: Campaign, video_id: str, at: datetime, device_id: str = ""
) -> TrackedPost:
    """A post of the campaign's video shared by ``person`` at ``at``, and its share recorded by the engine."""
    post = _demo_post(user=person, campaign=campaign, video_id=video_id, now=at)
    action_record(
        user=person,
        merchant=campaign.merchant,
        action_type=ActionType.SHARE_VIDEO,
        campaign=campaign,
        tracked_post=post,
        now=at,
        device_id=device_id,
    )
    return post


def _snapshot(post: TrackedPost, *, views: int, likes: int, comments: int, shares: int, at: datetime) -> None:
    if not post.snapshots.filter(views=views).exists():
        (shot,) = engagement_snapshots_record(
            counts={post.pk: EngagementCounts(views=views, likes=likes, comments=comments, shares=shares)},
            taken_at=at,
        )
        TrackedPost.objects.filter(pk=post.pk).update(last_synced_at=at)  # as the engagement sync does
        snapshot_process(snapshot_id=shot.pk, now=at)


def demo_rewards_seed(
    *, campaign: Campaign, ana: User, ben: User, dan: User, eve: User, now: datetime
) -> list[str]:
    merchant = campaign.merchant
    lines = []

    ana_at = now - timedelta(hours=2)
    demo_consent_give(ana, merchant, ana_at)
    action_record(
        user=ana,
        merchant=merchant,
        action_type=ActionType.TIKTOK_LOGIN,
        now=ana_at,
        device_id="demo-device-ana",
    )
    ana_post = _demo_share(person=ana, campaign=campaign, video_id="demo-ana-1", at=ana_at)
    _snapshot(ana_post, views=3_200, likes=140, comments=12, shares=3, at=ana_at + timedelta(minutes=15))
    _snapshot(ana_post, views=9_800, likes=410, comments=31, shares=9, at=ana_at + timedelta(minutes=75))
    lines.append(f"{ana}: login and a shared post, pending")

    demo_consent_give(ben, merchant, now - timedelta(days=18))
    action_record(
        user=ben,
        merchant=merchant,
        action_type=ActionType.TIKTOK_LOGIN,
        now=now - timedelta(days=18),
        device_id="demo-device-ben",
    )
    _settle_when_due(Reward.objects.filter(user=ben, status=RewardStatus.PENDING), now=now)
    lines.append(f"{ben}: login reward confirmed (available)")

    dan_at = now - timedelta(days=17)
    demo_consent_give(dan, merchant, dan_at)
    dan_post = _demo_share(
        person=dan, campaign=campaign, video_id="demo-dan-1", at=dan_at, device_id="demo-device-dan"
    )
    _snapshot(dan_post, views=1_500, likes=60, comments=4, shares=1, at=dan_at + timedelta(minutes=15))
    gone_at = dan_at + timedelta(days=1)
    if dan_post.status == TrackedPost.Status.ACTIVE:
        TrackedPost.objects.filter(pk=dan_post.pk).update(
            status=TrackedPost.Status.GONE, gone_at=gone_at, last_synced_at=gone_at
        )
    _settle_when_due(Reward.objects.filter(user=dan, status=RewardStatus.PENDING), now=now)
    lines.append(f"{dan}: shared post deleted, rewards reversed")

    demo_consent_give(eve, merchant, now - timedelta(hours=1))
    action_record(
        user=eve,
        merchant=merchant,
        action_type=ActionType.TIKTOK_LOGIN,
        now=now - timedelta(hours=1),
        device_id="demo-device-ana",
    )
    lines.append(f"{eve}: login from Ana's device, held for review")
    return lines


def _settle_when_due(rewards, *, now: datetime, synced: bool = False) -> None:
    """Settle each reward at the moment its hold ended, as the every-minute task did then (never later
    than ``now``: a reward still on hold stays pending). With ``synced``, the sync saw its post still
    there at that moment."""
    for reward in rewards.select_related("action"):
        if reward.available_at > now:
            continue
        if synced and reward.action.tracked_post_id:
            TrackedPost.objects.filter(pk=reward.action.tracked_post_id).update(
                last_synced_at=reward.available_at
            )
        reward_settle(reward_id=reward.pk, now=reward.available_at)


def demo_subscriber_seed(*, campaign: Campaign, person: User, now: datetime) -> list[str]:
    """Sam: rewards earned 19 days ago and confirmed when their hold ended (available), JoyPlus paid
    from them a few minutes ago, then a shared post whose engagement reward shows the JoyPlus bonus
    (on /wallet/ and /wallet/subscriptions/)."""
    merchant, earlier = campaign.merchant, max(now - timedelta(days=19), campaign.starts_at)
    demo_consent_give(person, merchant, earlier)
    action_record(
        user=person,
        merchant=merchant,
        action_type=ActionType.TIKTOK_LOGIN,
        now=earlier,
        device_id="demo-device-sam",
    )
    old_post = _demo_share(
        person=person, campaign=campaign, video_id="demo-sam-1", at=earlier, device_id="demo-device-sam"
    )
    _snapshot(old_post, views=12_000, likes=520, comments=40, shares=12, at=earlier + timedelta(minutes=1))
    earned = Reward.objects.filter(user=person, status=RewardStatus.PENDING).filter(
        Q(action__action_type=ActionType.TIKTOK_LOGIN) | Q(action__tracked_post=old_post)
    )
    _settle_when_due(earned, now=now, synced=True)  # the sync saw the post still there then
    lines = [demo_subscription_seed(person=person, now=now - timedelta(minutes=10))]
    shared_at = now - timedelta(minutes=5)
    post = _demo_share(
        person=person, campaign=campaign, video_id="demo-sam-2", at=shared_at, device_id="demo-device-sam"
    )
    _snapshot(post, views=2_400, likes=90, comments=6, shares=2, at=shared_at + timedelta(minutes=1))
    lines.append(f"{person}: a shared post after subscribing, its rewards with the JoyPlus bonus")
    return lines


def demo_payout_ready_seed(*, campaign: Campaign, person: User, now: datetime) -> list[str]:
    """Ivy: signed in and shared a post on each of the campaign's first two days (its cap per person
    and day holds), three weeks ago: every reward was confirmed when its hold ended, so her available
    balance is above the smallest payout and she can ask for one at /wallet/payouts/
    (``payouts.demo`` verifies her identity and gives her bank details past their hold)."""
    merchant = campaign.merchant
    yesterday = campaign.starts_at + timedelta(minutes=5)  # the campaign's first day
    today = yesterday + timedelta(days=1)
    demo_consent_give(person, merchant, yesterday)
    action_record(
        user=person,
        merchant=merchant,
        action_type=ActionType.TIKTOK_LOGIN,
        now=yesterday,
        device_id="demo-device-ivy",
    )
    for video_id, moment in (("demo-ivy-1", yesterday), ("demo-ivy-2", today)):
        post = _demo_share(
            person=person, campaign=campaign, video_id=video_id, at=moment, device_id="demo-device-ivy"
        )
        _snapshot(post, views=30_000, likes=1_200, comments=80, shares=20, at=moment + timedelta(minutes=1))
    # Settled when each hold ended; the sync saw the posts still there then.
    _settle_when_due(Reward.objects.filter(user=person, status=RewardStatus.PENDING), now=now, synced=True)
    return [f"{person}: rewards on two days, confirmed: available to pay out"]
