from __future__ import annotations

import pytest
from django.utils import timezone

from campaigns.models import ActionType
from rewards.models import Reward
from rewards.services import action_record


@pytest.fixture
def reward_for(make_merchant, make_campaign, ops):
    """``reward_for(person, "acme")``: a TikTok sign-in reward of ``person`` at a funded brand."""
    merchants = {}

    def make(person, slug: str = "acme") -> Reward:
        if slug not in merchants:
            merchants[slug] = make_merchant(slug, funds="100.00")
            make_campaign(merchants[slug], now=timezone.now())
        action_record(
            user=person, merchant=merchants[slug], action_type=ActionType.TIKTOK_LOGIN, now=timezone.now()
        )
        return Reward.objects.filter(user=person, merchant=merchants[slug]).latest("pk")

    return make
