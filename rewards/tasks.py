"""Scheduled work of the JoyBack engine (django-q2). Each task reloads state and is safe to run twice.

Schedules are created by migration 0002 (docs/rewards.md):
- every 15 minutes, ``shares_discover_all``: for each consumer who joined a brand with a live
  share campaign, list their TikTok videos and record the shares (each pays its fixed amount);
- every 10 minutes, ``snapshots_process_latest``: pay the engagement the latest snapshot of each
  tracked post earned beyond what it has earned so far (social's engagement sync takes them);
- every hour, ``settle_due``: confirm or reverse the rewards whose hold period ended.
"""

from __future__ import annotations

import logging

from django.utils import timezone

from accounts.models import User
from rewards.discovery import share_criteria_for, share_discovery_user_ids, snapshot_ids_to_process
from rewards.services import record_discovered_shares, rewards_settle_due, snapshots_process
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
