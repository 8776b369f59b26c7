from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from importlib import import_module
from itertools import count

import pytest
from django.core.management import call_command
from moneyed import Money

from accounts.models import User
from campaigns import services as campaign_services
from campaigns.models import ActionType
from merchants.roles import Role
from rewards.services import action_record, reward_reverse, snapshot_process
from social.models import EngagementSnapshot, TrackedPost
from social.services import EngagementCounts, engagement_snapshots_record
from tikjoy.tests.factories import NOW, login_rule, share_rule

__all__ = [
    "NOW",
    "books_are_clean",
    "eur",
    "login_rule",
    "owner_of",
    "seen_on_tiktok",
    "share",
    "share_rule",
    "snapshot",
    "tracked_post",
]

_seq = count(1)


def books_are_clean(capsys) -> None:
    """``ledger_check`` and ``rewards_check`` both clean (what a money test ends with)."""
    capsys.readouterr()
    call_command("ledger_check")
    call_command("rewards_check")
    out = capsys.readouterr().out
    assert "All invariants hold." in out and "All reward invariants hold." in out


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
    (shot,) = engagement_snapshots_record(
        counts={post.pk: EngagementCounts(views=views, likes=likes, comments=comments, shares=shares)},
        taken_at=taken,
    )
    return shot


def seen_on_tiktok(post: TrackedPost, *, at) -> None:
    """The engagement sync found the post still up at ``at`` (what settlement waits for)."""
    TrackedPost.objects.filter(pk=post.pk).update(last_synced_at=at)
    post.refresh_from_db()


# --- Acme's month: the console's reward pages (test_console.py, test_console_at_scale.py) ---------


def owner_of(merchant):
    return merchant.memberships.get(role=Role.OWNER).user


def share(user, merchant, campaign, *, now=NOW):
    post = tracked_post(user, campaign)
    action_record(
        user=user,
        merchant=merchant,
        action_type=ActionType.SHARE_VIDEO,
        tracked_post=post,
        campaign=campaign,
        now=now,
    )
    return post


@pytest.fixture
def acme_month(make_merchant, make_campaign, make_consumer, ops):
    """Acme's November (NOW is 22 Nov 2026), every reward through the engine.

    - Cleo logged in on 23 Oct (0.50, last month) and shared in November (1.00).
    - Ana logged in (0.50) and shared (1.00); her post earned 1.10, then 5.05 more
      (10,000 views, 300 likes, 20 comments, 5 shares at the last snapshot).
    - Ben shared (1.00); his post's 2,000 views earned 0.50, which ops reversed.
    - A second campaign is a draft.
    """
    acme = make_merchant("acme")
    campaign = make_campaign(acme, starts_at=NOW - timedelta(days=40))
    campaign_services.campaign_create(
        merchant=acme,
        actor=owner_of(acme),
        values={"name": "Winter draft", "starts_at": NOW + timedelta(days=10), "hashtag": "winter"},
        rules=[login_rule()],
    )
    ana, ben, cleo = make_consumer("Ana"), make_consumer("Ben"), make_consumer("Cleo")

    action_record(user=cleo, merchant=acme, action_type=ActionType.TIKTOK_LOGIN, now=NOW - timedelta(days=30))
    share(cleo, acme, campaign)

    action_record(user=ana, merchant=acme, action_type=ActionType.TIKTOK_LOGIN, now=NOW)
    ana_post = share(ana, acme, campaign)
    snapshot_process(snapshot_id=snapshot(ana_post, views=4_000, likes=10).pk, now=NOW)
    later = NOW + timedelta(hours=6)
    snapshot_process(
        snapshot_id=snapshot(ana_post, views=10_000, likes=300, comments=20, shares=5, at=later).pk,
        now=later,
    )

    ben_post = share(ben, acme, campaign)
    engagement = snapshot_process(snapshot_id=snapshot(ben_post, views=2_000).pk, now=NOW)
    reward_reverse(reward_id=engagement.pk, reason="Bought views", actor=ops, now=NOW + timedelta(hours=1))
    return acme
