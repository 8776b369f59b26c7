from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest

from accounts.services import user_ensure_with_email
from campaigns import services
from campaigns.models import ActionType
from merchants import services as merchant_services
from merchants.models import Membership
from merchants.roles import Role

PASSWORD = "a-long-pass-phrase-42"
NOW = datetime(2026, 11, 22, 10, 0, tzinfo=UTC)


@pytest.fixture
def make_user(db):
    def make(email: str, **flags):
        return user_ensure_with_email(email=email, password=PASSWORD, **flags)[0]

    return make


@pytest.fixture
def make_merchant(db, make_user):
    def make(slug: str, **fields):
        owner = make_user(f"owner@{slug}.example")
        values = {
            "brand_name": slug.title(),
            "country": "DE",
            "legal_name": f"{slug.title()} GmbH",
            "billing_address": "Hauptstrasse 1, 10115 Berlin",
            "contact_email": f"hello@{slug}.example",
        }
        values.update(fields)
        return merchant_services.merchant_create(actor=owner, slug=slug, **values)

    return make


@pytest.fixture
def merchant(make_merchant):
    return make_merchant("acme")


@pytest.fixture
def owner(merchant):
    return merchant.memberships.get(role=Role.OWNER).user


@pytest.fixture
def add_member(make_user):
    def add(merchant, email: str, role: str = Role.MANAGER):
        user = make_user(email)
        Membership.objects.create(merchant=merchant, user=user, role=role)
        return user

    return add


def campaign_values(**overrides) -> dict:
    values = {
        "name": "Summer JoyBack",
        "starts_at": NOW - timedelta(days=1),
        "ends_at": NOW + timedelta(days=30),
        "hashtag": "#acmesummer",
        "mention": "",
    }
    values.update(overrides)
    return values


def rule(action: str, **fields) -> dict:
    values = {"action": action, "is_enabled": True, "amount": Decimal("0.50")}
    values.update(fields)
    return values


def all_rules() -> list[dict]:
    return [
        rule(ActionType.TIKTOK_LOGIN, amount=Decimal("1.00"), max_rewards=500),
        rule(ActionType.WHATSAPP_LOGIN, amount=Decimal("0.50"), max_rewards=500),
        rule(
            ActionType.SHARE_VIDEO,
            amount=Decimal("2.00"),
            per_1000_views=Decimal("0.25"),
            per_like=Decimal("0.01"),
            per_comment=Decimal("0.02"),
            per_share=Decimal("0.05"),
            max_per_post=Decimal("25.00"),
            max_rewards=200,
        ),
        rule(ActionType.LIKE, amount=Decimal("0.05")),
        rule(ActionType.COMMENT, amount=Decimal("0.10")),
    ]


@pytest.fixture
def make_campaign(owner):
    def make(merchant, *, actor=None, rules=None, activate=True, **overrides):
        actor = actor or merchant.memberships.get(role=Role.OWNER).user
        campaign = services.campaign_create(
            merchant=merchant,
            actor=actor,
            values=campaign_values(**overrides),
            rules=all_rules() if rules is None else rules,
        )
        if activate:
            campaign = services.campaign_activate(campaign=campaign, actor=actor, now=NOW)
        return campaign

    return make


def tiny_mp4(name: str = "clip.mp4", size: int = 2048):
    from django.core.files.uploadedfile import SimpleUploadedFile

    head = b"\x00\x00\x00\x18ftypmp42\x00\x00\x00\x00mp42isom"
    return SimpleUploadedFile(name, head + b"\x00" * (size - len(head)), content_type="video/mp4")
