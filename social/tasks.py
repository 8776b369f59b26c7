"""Scheduled tasks (django-q2). Each takes ids or nothing, reloads state, and is safe to run twice.

Schedules are created by migration 0002 (see docs/social.md).
"""

from __future__ import annotations

import logging
from datetime import timedelta

from django.utils import timezone

from social.rate_limits import rate_windows_prune
from social.selectors import tiktok_token_ids_due
from social.services import (
    TikTokNotConnected,
    engagement_sync,
    tiktok_profile_sync,
    tiktok_token_refresh,
)
from social.tiktok import TikTokClient, TikTokError

logger = logging.getLogger(__name__)


def tiktok_tokens_refresh() -> dict[str, int]:
    """Refresh every access token that expires within the margin, then re-sync that profile."""
    now = timezone.now()
    client = TikTokClient()
    refreshed = failed = 0
    for token_id in tiktok_token_ids_due(now=now):
        try:
            token = tiktok_token_refresh(token_id=token_id, now=now, client=client)
            tiktok_profile_sync(user=token.account.user, now=now, client=client)
            refreshed += 1
        except (TikTokNotConnected, TikTokError) as exc:
            logger.warning("TikTok token %s not refreshed: %s", token_id, type(exc).__name__)
            failed += 1
    rate_windows_prune(before=now - timedelta(hours=1))
    return {"refreshed": refreshed, "failed": failed}


def tiktok_engagement_sync() -> dict[str, int | bool]:
    result = engagement_sync(now=timezone.now())
    return {
        "snapshots": result.snapshots,
        "gone": result.gone,
        "users_skipped": result.users_skipped,
        "rate_limited": result.rate_limited,
    }
