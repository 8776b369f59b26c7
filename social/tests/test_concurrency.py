"""Races on PostgreSQL with real threads: the shared rate limit and the once-per-video rule."""

from __future__ import annotations

import threading
from datetime import UTC, datetime

import pytest
from django.db import connection
from django.utils import timezone

from accounts.models import User
from social.models import ApiRateWindow, TrackedPost
from social.rate_limits import rate_limit_acquire
from social.services import tracked_post_record
from social.tiktok import TikTokVideo

pytestmark = pytest.mark.django_db(transaction=True)


def _race(n: int, work) -> list:
    results: list = []
    barrier = threading.Barrier(n, timeout=60)

    def run():
        try:
            barrier.wait()
            results.append(work())
        finally:
            connection.close()

    threads = [threading.Thread(target=run) for _ in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return results


def test_concurrent_callers_never_take_more_than_the_limit():
    now = datetime(2026, 11, 22, 10, 0, 30, tzinfo=UTC)

    results = _race(12, lambda: rate_limit_acquire(endpoint="video.query", limit=5, now=now))

    assert sorted(results) == [False] * 7 + [True] * 5
    assert ApiRateWindow.objects.get().used == 5


def test_the_next_minute_has_a_fresh_budget():
    first = datetime(2026, 11, 22, 10, 0, 59, tzinfo=UTC)
    second = datetime(2026, 11, 22, 10, 1, 0, tzinfo=UTC)

    assert rate_limit_acquire(endpoint="video.list", limit=1, now=first)
    assert not rate_limit_acquire(endpoint="video.list", limit=1, now=first)
    assert rate_limit_acquire(endpoint="video.list", limit=1, now=second)


def test_the_same_video_seen_by_concurrent_runs_is_recorded_once():
    user = User.objects.create_user(display_name="Ana")
    video = TikTokVideo(id="7311", caption="#JoyShoes", created_at=timezone.now())

    results = _race(
        6, lambda: tracked_post_record(user=user, video=video, criterion_key="c", now=timezone.now())[1]
    )

    assert sorted(results) == [False] * 5 + [True]
    assert TrackedPost.objects.count() == 1
