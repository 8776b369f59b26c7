"""The console's reward pages (and its diagnostics) name a campaign in the reader's language where the
merchant gave it a name in that language, else by its own name (#23), read with the list: no query per row."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from campaigns.services import campaign_texts_save
from rewards.models import Reward
from rewards.tests.conftest import owner_of
from rewards.tests.test_console import _text

pytestmark = pytest.mark.django_db


@pytest.fixture
def spring(acme_month):
    campaign = Reward.objects.filter(merchant=acme_month).first().campaign
    assert campaign.name == "Spring JoyBack"
    campaign_texts_save(campaign=campaign, actor=owner_of(acme_month), texts={"de": "Frühlingsaktion"})
    return campaign


def test_the_rewards_list_and_its_campaign_filter_name_the_campaign_in_the_readers_language(
    client, acme_month, spring
):
    client.force_login(owner_of(acme_month))

    german = _text(client.get("/console/rewards/reward/", HTTP_ACCEPT_LANGUAGE="de"))
    italian = _text(client.get("/console/rewards/reward/", HTTP_ACCEPT_LANGUAGE="it"))

    assert german.count("Frühlingsaktion") >= 9  # 8 rows and the campaign filter
    assert "Spring JoyBack" not in german
    assert "Winter draft" in german  # no German name: its own
    assert italian.count("Spring JoyBack") >= 9 and "Frühlingsaktion" not in italian


def test_the_reward_page_and_the_campaign_report_name_the_campaign_as_the_list_does(
    client, acme_month, spring
):
    client.force_login(owner_of(acme_month))
    reward = Reward.objects.filter(merchant=acme_month).first()

    detail = _text(client.get(f"/console/rewards/reward/{reward.pk}/change/", HTTP_ACCEPT_LANGUAGE="de"))
    report = _text(client.get(f"/console/campaigns/campaign/{spring.pk}/report/", HTTP_ACCEPT_LANGUAGE="de"))

    for page in (detail, report):
        assert "Frühlingsaktion" in page and "Spring JoyBack" not in page


def test_the_diagnostics_name_the_campaign_in_the_readers_language(client, acme_month, spring):
    client.force_login(owner_of(acme_month))

    index = _text(client.get("/console/diagnostics/", HTTP_ACCEPT_LANGUAGE="de"))
    campaign = _text(client.get(f"/console/diagnostics/campaigns/{spring.pk}/", HTTP_ACCEPT_LANGUAGE="de"))

    for page in (index, campaign):
        assert "Frühlingsaktion" in page and "Spring JoyBack" not in page


def test_naming_the_campaigns_in_the_readers_language_adds_no_query(client, acme_month, spring):
    client.force_login(owner_of(acme_month))
    client.get("/console/rewards/reward/")  # the session's first reads

    counts = {}
    for language in ("en", "de"):
        with CaptureQueriesContext(connection) as queries:
            assert client.get("/console/rewards/reward/", HTTP_ACCEPT_LANGUAGE=language).status_code == 200
        counts[language] = len(queries)

    assert counts["de"] == counts["en"]
