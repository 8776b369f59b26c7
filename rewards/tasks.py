"""Scheduled work of the JoyBack engine (django-q2). Each task reloads state and is safe to run twice.

Schedules are created by migration 0002 (docs/rewards.md):
- every 15 minutes, ``shares_discover_all``: for each consumer who joined a brand with a live
  share campaign, list their TikTok videos and record the shares (each pays its fixed amount);
- every 10 minutes, ``snapshots_process_latest``: pay the engagement the latest snapshot of each
  tracked post earned beyond what it has earned so far (social's engagement sync takes them);
- every hour, ``settle_due``: confirm or reverse the rewards whose hold period ended;
- every 10 minutes, ``advance_due`` (migration 0008): make available early the rewards of people
  with a fast subscription (JoyFast), advanced by TikJoy.

Queued by the engine: ``debt_repay`` after money reached a person who owes (docs/subscriptions.md).

Queued by the receivers in ``rewards/receivers.py``: ``funds_arrived`` after a top-up and
``campaign_went_live`` after a campaign goes live (actions refused for lack of money are paid then).
"""

from __future__ import annotations

import logging
from datetime import datetime

from django.utils import timezone

from accounts.models import User
from campaigns.models import Campaign
from campaigns.services import campaigns_resume_funded
from rewards.discovery import share_criteria_for, share_discovery_user_ids, snapshot_ids_to_process
from rewards.services import (
    launch_watchers_notify,
    person_debt_repay,
    record_discovered_shares,
    rewards_advance_due,
    rewards_settle_due,
    snapshots_process,
    unfunded_actions_retry,
)
from rewards.services import (
    merchant_days_rebuild as _merchant_days_rebuild,
)
from social.services import TikTokNotConnected, shares_discover
from social.tiktok import TikTokClient, TikTokError

logger = logging.getLogger(__name__)

SNAPSHOT_BATCH = 200


def shares_discover_for_user(user_id: int) -> int:
    """Find one consumer's new shares of live campaigns and reward them; returns how many were recorded."""
    now = timezone.now()
    user = User.objects.get(pk=user_id)
    criteria = share_criteria_for(user=user, now=now)
    if criteria:
        try:
            shares_discover(user=user, criteria=criteria, now=now, client=TikTokClient())
        except (TikTokNotConnected, TikTokError) as exc:
            logger.info("share discovery skipped for user %s: %s", user_id, type(exc).__name__)
    # Record every tracked share of this user that has no action yet, including ones found
    # by an earlier run that stopped before recording them.
    return len(record_discovered_shares(user=user, now=now))


def shares_discover_all() -> dict[str, int]:
    recorded = 0
    users = share_discovery_user_ids(now=timezone.now())
    for user_id in users:
        recorded += shares_discover_for_user(user_id)
    return {"users": len(users), "shares_recorded": recorded}


def snapshots_process_latest() -> dict[str, int]:
    ids = snapshot_ids_to_process(now=timezone.now())
    paid = 0
    for start in range(0, len(ids), SNAPSHOT_BATCH):
        # The clock is read per batch (per transaction): a run that crosses midnight counts
        # each payment in the day it was made.
        paid += snapshots_process(snapshot_ids=ids[start : start + SNAPSHOT_BATCH], now=timezone.now())
    return {"snapshots": len(ids), "paid": paid}


def settle_due() -> dict[str, int]:
    return rewards_settle_due(now=timezone.now())


def _moment(at: str | None) -> datetime:
    return datetime.fromisoformat(at) if at else timezone.now()


def funds_arrived(merchant_id: int, at: str | None = None) -> dict[str, int]:
    """After a top-up (``merchants.signals.top_up_credited``, ``at`` its time): campaigns paused because
    the funds ran out go live again when the funds cover their smallest reward (each then runs
    ``campaign_went_live``), and the actions refused for lack of money in the retry window are
    evaluated again."""
    now = _moment(at)
    resumed = campaigns_resume_funded(merchant_id=merchant_id, now=now)
    outcome = unfunded_actions_retry(merchant_id=merchant_id, now=now)
    return {"campaigns_resumed": len(resumed), **outcome}


def campaign_went_live(campaign_id: int, at: str | None = None) -> dict[str, int]:
    """After a campaign went live (``campaigns.signals.campaign_went_live``, ``at`` its time): evaluate
    again the merchant's actions refused for lack of money, and tell the people who waited for the
    brand's first campaign."""
    now = _moment(at)
    merchant_id = Campaign.objects.values_list("merchant_id", flat=True).get(pk=campaign_id)
    outcome = unfunded_actions_retry(merchant_id=merchant_id, now=now)
    told = launch_watchers_notify(campaign_id=campaign_id, now=now)
    return {"told": told, **outcome}


def advance_due() -> dict[str, int]:
    """JoyFast: make available the pending rewards whose early availability has come."""
    return {"advanced": rewards_advance_due(now=timezone.now())}


def debt_repay(user_id: int, currency: str) -> str:
    """After money reached a person who owes: repay from their available balance."""
    return str(person_debt_repay(user_id=user_id, currency=currency, now=timezone.now()))


def merchant_days_rebuild(merchant_id: int) -> str:
    """The merchant's days counted again in its time zone (queued when the zone changes)."""
    _merchant_days_rebuild(merchant_id=merchant_id)
    return "rebuilt"
