from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from importlib import import_module
from itertools import count

import pytest
from moneyed import Money

from accounts.models import User
from accounts.services import user_ensure_with_email
from campaigns import services as campaign_services
from campaigns.models import ActionType
from merchants import services as merchant_services
from merchants.wallet import merchant_top_up_record
from social.models import EngagementSnapshot, TrackedPost

NOW = datetime(2026, 11, 22, 12, 0, tzinfo=UTC)
_seq = count(1)


def eur(value) -> Money:
    return Money(Decimal(str(value)), "EUR")


@pytest.fixture
def ops(db) -> User:
    user, _ = user_ensure_with_email(
        email="ops@tikjoy.example", password="a-long-pass-phrase-42", is_staff=True
    )
    return user


@pytest.fixture
def make_merchant(db, ops):
    def make(slug: str = "acme", *, funds: str | None = "100.00"):
        owner, _ = user_ensure_with_email(email=f"owner@{slug}.example", password="a-long-pass-phrase-42")
        merchant = merchant_services.merchant_create(
            actor=owner,
            slug=slug,
            brand_name=slug.title(),
            country="DE",
            legal_name=f"{slug.title()} GmbH",
            billing_address="Hauptstrasse 1, 10115 Berlin",
            contact_email=f"hello@{slug}.example",
        )
        if funds:
            merchant_top_up_record(
                merchant=merchant,
                amount=eur(funds),
                bank_reference=f"BANK-{slug}-{next(_seq)}",
                value_date=date(2026, 11, 20),
                actor=ops,
                now=NOW,
            )
        return merchant

    return make


def share_rule(**fields) -> dict:
    values = {
        "action": ActionType.SHARE_VIDEO,
        "is_enabled": True,
        "amount": Decimal("1.00"),
        "per_1000_views": Decimal("0.25"),
        "per_like": Decimal("0.01"),
        "per_comment": Decimal("0.02"),
        "per_share": Decimal("0.05"),
        "max_per_post": Decimal("10.00"),
    }
    values.update(fields)
    return values


def login_rule(**fields) -> dict:
    values = {"action": ActionType.TIKTOK_LOGIN, "is_enabled": True, "amount": Decimal("0.50")}
    values.update(fields)
    return values


@pytest.fixture
def make_campaign(db):
    def make(merchant, *, rules=None, **overrides):
        # Transactional tests flush the defaults that migration 0002 seeded: put them back.
        from django.apps import apps

        create_defaults = import_module("campaigns.migrations.0002_platform_defaults").create_defaults
        create_defaults(apps, None)
        owner = merchant.memberships.get(role="OWNER").user
        values = {
            "name": "Spring JoyBack",
            "starts_at": NOW - timedelta(days=1),
            "ends_at": NOW + timedelta(days=60),
            "hashtag": "spring",
            "mention": "",
            "hold_days": 14,
        }
        values.update(overrides)
        campaign = campaign_services.campaign_create(
            merchant=merchant, actor=owner, values=values, rules=rules or [login_rule(), share_rule()]
        )
        return campaign_services.campaign_activate(campaign=campaign, actor=owner, now=NOW)

    return make


@pytest.fixture
def make_consumer(db):
    def make(name: str | None = None) -> User:
        n = next(_seq)
        return User.objects.create_user(
            email=None, display_name=name or f"Consumer {n}", date_joined=NOW - timedelta(days=30)
        )

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
    TrackedPost.objects.filter(pk=post.pk).update(last_synced_at=at, track_until=at + timedelta(days=1))
    post.refresh_from_db()
