"""Scheduled tasks (django-q2). Safe to run twice. The schedule is created by migration 0003."""

from __future__ import annotations

from django.utils import timezone

from campaigns.services import campaigns_end_expired


def campaigns_end_due() -> int:
    """End every campaign whose end date has passed; returns how many were ended."""
    return campaigns_end_expired(now=timezone.now())
