"""A reward's history page in French keeps the no-break space before ":" in its breadcrumbs, as in
its title (#23, tester pass 13: Django's truncatewords rejoined the words with plain spaces)."""

from __future__ import annotations

import re

import pytest

from campaigns.models import ActionType
from rewards.models import Reward
from rewards.services import action_record
from rewards.tests.conftest import NOW, owner_of

pytestmark = pytest.mark.django_db


def test_a_rewards_history_breadcrumb_keeps_the_french_no_break_space(
    client, make_merchant, make_campaign, make_consumer
):
    merchant = make_merchant()
    make_campaign(merchant)
    action_record(user=make_consumer(), merchant=merchant, action_type=ActionType.TIKTOK_LOGIN, now=NOW)
    reward = Reward.objects.get()
    client.force_login(owner_of(merchant))

    page = client.get(f"/console/rewards/reward/{reward.pk}/history/", HTTP_ACCEPT_LANGUAGE="fr")

    assert page.status_code == 200
    crumbs = re.search(r'<div class="breadcrumbs">(.*?)</div>', page.content.decode(), re.S).group(1)
    last = re.sub(r"<[^>]+>", "", crumbs).split("&rsaquo;")[-2]  # the reward's own crumb, before "Historique"
    assert f"Récompense n° {reward.pk} (" in last
    assert re.search(r"\xa0: \d+,\d\d\xa0€", last) and " : " not in last
