"""Scheduled work of subscriptions (django-q2; the schedule is created by migration 0002).

- every 10 minutes, ``renew_due``: renew or end the subscriptions whose paid period ended.
"""

from __future__ import annotations

from django.utils import timezone

from subscriptions.services import subscriptions_renew_due


def renew_due() -> dict[str, int]:
    return subscriptions_renew_due(now=timezone.now())
