"""A fixed-window rate limiter kept in the database, so every web and worker process shares it."""

from __future__ import annotations

from datetime import datetime, timedelta

from django.db import IntegrityError, transaction
from django.db.models import F

from social.models import ApiRateWindow


def _window_start(now: datetime, window_seconds: int) -> datetime:
    epoch = int(now.timestamp())
    return datetime.fromtimestamp(epoch - epoch % window_seconds, tz=now.tzinfo)


def rate_limit_acquire(*, endpoint: str, limit: int, now: datetime, window_seconds: int = 60) -> bool:
    """Take one request from ``endpoint``'s budget for the current window; False when it is spent.

    One conditional ``UPDATE ... WHERE used < limit``: two processes can never both take the last slot.
    """
    start = _window_start(now, window_seconds)
    if not ApiRateWindow.objects.filter(endpoint=endpoint, window_start=start).exists():
        try:
            with transaction.atomic():
                ApiRateWindow.objects.create(endpoint=endpoint, window_start=start, used=0)
        except IntegrityError:  # another process opened the window first
            pass
    taken = ApiRateWindow.objects.filter(endpoint=endpoint, window_start=start, used__lt=limit).update(
        used=F("used") + 1
    )
    return taken == 1


def rate_limit_seconds_to_next_window(*, now: datetime, window_seconds: int = 60) -> float:
    start = _window_start(now, window_seconds)
    return (start + timedelta(seconds=window_seconds) - now).total_seconds()


def rate_windows_prune(*, before: datetime) -> int:
    deleted, _ = ApiRateWindow.objects.filter(window_start__lt=before).delete()
    return deleted
