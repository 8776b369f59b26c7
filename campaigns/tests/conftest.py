from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest

from campaigns.models import ActionType
from merchants.roles import Role

PASSWORD = "a-long-pass-phrase-42"
NOW = datetime(2026, 11, 22, 10, 0, tzinfo=UTC)


@pytest.fixture
def merchant(make_merchant):
    return make_merchant("acme", funds="100.00")  # funded: a campaign goes live only with money behind it


@pytest.fixture
def owner(merchant):
    return merchant.memberships.get(role=Role.OWNER).user


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
        rule(ActionType.PURCHASE, amount=Decimal("1.50")),
        rule(ActionType.SIGN_UP, amount=Decimal("0.75")),
    ]


@pytest.fixture
def make_campaign(make_campaign, owner):
    """The project's ``make_campaign`` with this app's defaults: every action rewarded, #acmesummer."""

    def make(merchant, *, actor=None, rules=None, activate=True, **overrides):
        values = campaign_values(**overrides)
        values.setdefault("hold_days", 14)
        return make_campaign(
            merchant,
            actor=actor,
            rules=all_rules() if rules is None else rules,
            activate=activate,
            now=NOW,
            **values,
        )

    return make


def tiny_mp4(name: str = "clip.mp4", size: int = 2048):
    from django.core.files.uploadedfile import SimpleUploadedFile

    head = b"\x00\x00\x00\x18ftypmp42\x00\x00\x00\x00mp42isom"
    return SimpleUploadedFile(name, head + b"\x00" * (size - len(head)), content_type="video/mp4")
