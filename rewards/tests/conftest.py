from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from importlib import import_module
from itertools import count

import pytest
from moneyed import Money

from accounts.models import User
from social.models import EngagementSnapshot, TrackedPost
from tikjoy.tests.factories import NOW, login_rule, share_rule

__all__ = ["NOW", "eur", "login_rule", "seen_on_tiktok", "share_rule", "snapshot", "tracked_post"]

_seq = count(1)


def eur(value) -> Money:
    return Money(Decimal(str(value)), "EUR")


@pytest.fixture
def make_merchant(make_merchant, ops):
    """The project's ``make_merchant``, funded with 100.00 by default (the engine needs money)."""

    def make(slug: str = "acme", *, funds: str | None = "100.00", **fields):
        return make_merchant(slug, funds=funds, ops=ops, **fields)

    return make


@pytest.fixture
def make_campaign(make_campaign):
    """The project's ``make_campaign`` on this app's clock (``NOW``)."""

    def make(merchant, *, rules=None, **overrides):
        # Transactional tests flush the defaults that migration 0002 seeded: put them back.
        from django.apps import apps

        import_module("campaigns.migrations.0002_platform_defaults").create_defaults(apps, None)
        return make_campaign(merchant, rules=rules, now=NOW, **overrides)

    return make


def tracked_post(user: User, campaign, *, video_id: str | None = None) -> TrackedPost:
    return TrackedPost.objects.create(
        video_id=video_id or f"v{next(_seq)}",
        user=user,
        caption=f"Loving it #{campaign.hashtag}",
        posted_at=NOW,
        criterion_key=f"campaign:{campaign.pk}",
        track_until=NOW + timedelta(days=campaign.hold_days),
    )


def snapshot(post: TrackedPost, *, views=0, likes=0, comments=0, shares=0, at=None) -> EngagementSnapshot:
    """A snapshot as social's engagement sync takes it (it also records when the post was last seen)."""
    taken = at or NOW
    seen_on_tiktok(post, at=taken)
    return EngagementSnapshot.objects.create(
        post=post, views=views, likes=likes, comments=comments, shares=shares, taken_at=taken
    )


def seen_on_tiktok(post: TrackedPost, *, at) -> None:
    """The engagement sync found the post still up at ``at`` (what settlement waits for)."""
    TrackedPost.objects.filter(pk=post.pk).update(last_synced_at=at)
    post.refresh_from_db()
