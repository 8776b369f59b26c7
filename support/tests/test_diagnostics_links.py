"""The console links to Diagnostics where the question comes up: each consumer of the consumers list
("Why no reward?") and a campaign's page and report ("Why isn't this campaign paying?"), in the
reader's language, for every role that may read Diagnostics, naming nobody beyond what they shared."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext

from campaigns.models import ActionType
from merchants.models import ConsentField
from merchants.roles import Role
from merchants.services import consent_give
from rewards.models import MerchantConsumer
from rewards.services import action_record
from tikjoy.tests.factories import NOW, login_rule, owner_of, response_text

pytestmark = pytest.mark.django_db


def _in(language: str, msgid: str) -> str:
    with translation.override(language):
        return gettext(msgid)


@pytest.fixture
def shop(make_merchant, make_campaign, make_consumer, ops):
    merchant = make_merchant("joycoffee", funds="100.00", ops=ops, brand_name="Joy Coffee")
    campaign = make_campaign(merchant, rules=[login_rule()], now=NOW, name="Joy launch")
    ana, ben = make_consumer("Ana Sharer"), make_consumer("Ben Private")
    consent_give(user=ana, merchant=merchant, fields=[ConsentField.DISPLAY_NAME], now=NOW)
    for person in (ana, ben):
        action_record(user=person, merchant=merchant, action_type=ActionType.TIKTOK_LOGIN, now=NOW)
    return merchant, campaign, ana, ben


@pytest.mark.parametrize("language", ["de", "it"])
def test_each_consumer_in_the_list_links_to_why_they_got_no_reward(client, shop, add_member, language):
    merchant, _campaign, ana, ben = shop
    viewer = add_member(merchant, "viewer@joy.example", role=Role.VIEWER)  # the least role
    viewer.language = language
    viewer.save(update_fields=["language"])
    client.force_login(viewer)

    page = client.get("/console/rewards/reward/consumers/").content.decode()

    why = _in(language, "Why no reward?")
    assert why != "Why no reward?" and why in page
    refs = dict(MerchantConsumer.objects.filter(merchant=merchant).values_list("user_id", "pk"))
    links = re.findall(r'href="(/console/diagnostics/consumers/\d+/)"', page)
    assert sorted(links) == sorted(
        reverse("console:diagnostics_consumer", kwargs={"ref": refs[p.pk]}) for p in (ana, ben)
    )
    # The link names nobody: Ben shared nothing, and his diagnosis shows his code name only.
    ben_page = response_text(client.get(links[[str(refs[ben.pk]) in link for link in links].index(True)]))
    assert "Ben Private" not in ben_page and "Ben Private" not in page
    assert _in(language, "Why didn't %(person)s get a reward?").split("%(person)s")[0].strip() in ben_page


@pytest.mark.parametrize("language", ["de", "es"])
def test_a_campaigns_page_and_report_link_to_why_it_isnt_paying(client, shop, language):
    merchant, campaign, _ana, _ben = shop
    owner = owner_of(merchant)
    owner.language = language
    owner.save(update_fields=["language"])
    client.force_login(owner)
    target = reverse("console:diagnostics_campaign", kwargs={"campaign_id": campaign.pk})
    why = _in(language, "Why isn't this campaign paying?")
    assert why != "Why isn't this campaign paying?"

    for url in (
        reverse("console:campaigns_campaign_change", args=[campaign.pk]),
        reverse("console:campaigns_campaign_report", kwargs={"object_id": campaign.pk}),
    ):
        page = client.get(url).content.decode()
        assert f'href="{target}" data-diagnose="campaign">{why}</a>' in page, url

    assert client.get(target).status_code == 200


def test_another_merchants_consumer_and_campaign_are_not_diagnosed_through_a_link(
    client, shop, make_merchant
):
    merchant, campaign, ana, _ben = shop
    other = make_merchant("bravo")
    client.force_login(owner_of(other))
    ref = MerchantConsumer.objects.get(merchant=merchant, user=ana).pk

    assert (
        "/console/diagnostics/consumers/"
        not in client.get("/console/rewards/reward/consumers/").content.decode()
    )
    assert client.get(reverse("console:diagnostics_consumer", kwargs={"ref": ref})).status_code == 404
    assert (
        client.get(reverse("console:diagnostics_campaign", kwargs={"campaign_id": campaign.pk})).status_code
        == 404
    )
