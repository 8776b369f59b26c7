"""Every write in the campaigns app. Keyword-only, typed, ``<entity>_<action>``."""

from __future__ import annotations

from django.db import transaction

from campaigns.models import CreatorSource, CreatorStatus


class CampaignError(Exception):
    """A campaign, rule, video or UGC request that breaks a rule; the message is shown to the person."""


def creator_status_set(
    *, user, is_creator: bool, source: str = CreatorSource.OPS, follower_count: int | None = None, actor=None
) -> CreatorStatus:
    """Mark ``user`` as a creator or not (ops now; the TikTok follower count later)."""
    with transaction.atomic():
        status, _ = CreatorStatus.objects.update_or_create(
            user=user,
            defaults={
                "is_creator": is_creator,
                "source": source,
                "follower_count": follower_count,
                "set_by": actor,
            },
        )
    return status
