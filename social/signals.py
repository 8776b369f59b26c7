"""What social tells the apps above it, inside the transaction that recorded the change.

Receivers run synchronously in the sender's transaction (a receiver that writes commits or
rolls back with the webhook's record); they live in the higher apps (chats, rewards) and connect
in their ``AppConfig.ready``; social imports none of them.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.dispatch import Signal

# sender=WebhookEvent class; kwargs: event (social.WebhookEvent, first delivery only), payload (dict), now
whatsapp_webhook_received = Signal()


@dataclass(frozen=True)
class EngagementGain:
    """What one snapshot of a post changed in what the post gained at ``taken_at`` (the snapshot's
    time): a new snapshot adds its counts over the post's previous one; a snapshot that arrives after
    a later one also takes as much from that later one (the post's total does not change)."""

    post_id: int
    taken_at: datetime
    views: int
    likes: int
    comments: int
    shares: int


# sender=EngagementSnapshot class; kwargs: gains (list[EngagementGain]), sent by
# social.services.engagement_snapshots_record in the transaction that wrote the snapshots, with the
# posts' rows locked (rewards adds them up per campaign and day).
engagement_gained = Signal()
