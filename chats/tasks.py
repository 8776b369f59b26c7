"""Scheduled tasks (django-q2; the schedule is made by migration 0002)."""

from __future__ import annotations

from django.utils import timezone

from chats.services import chats_pending_expire


def chats_pending_expire_now() -> int:
    """Fail and refund messages the Cloud API never answered for (every 15 minutes)."""
    return chats_pending_expire(now=timezone.now())
