"""The console's campaign and UGC pages name a campaign in the reader's language where the merchant gave
it a name in that language, else by its own name (#23): the same name on a list and on a detail page."""

from __future__ import annotations

import re
from html import unescape

import pytest
from django.urls import reverse

from campaigns import services
from campaigns.models import UgcPolicy
from campaigns.tests.conftest import NOW, tiny_mp4

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


def _text(response) -> str:
    return re.sub(r"\s+", " ", unescape(re.sub(r"<[^>]+>", " ", response.content.decode())))


@pytest.fixture
def winter(merchant, owner, make_campaign):
    campaign = make_campaign(merchant, name="Winter sale", ugc_policy=UgcPolicy.ALL_USERS)
    services.campaign_texts_save(campaign=campaign, actor=owner, texts={"de": "Winterschlussverkauf"})
    return campaign


def test_the_campaigns_list_and_page_name_the_campaign_in_the_readers_language(client, owner, winter):
    client.force_login(owner)
    page = reverse("console:campaigns_campaign_change", args=[winter.pk])

    german_list = _text(
        client.get(reverse("console:campaigns_campaign_changelist"), HTTP_ACCEPT_LANGUAGE="de")
    )
    german_page = _text(client.get(page, HTTP_ACCEPT_LANGUAGE="de"))
    italian_list = _text(
        client.get(reverse("console:campaigns_campaign_changelist"), HTTP_ACCEPT_LANGUAGE="it")
    )

    assert "Winterschlussverkauf" in german_list and "Winter sale" not in german_list
    assert "<h2>Winterschlussverkauf</h2>" in client.get(page, HTTP_ACCEPT_LANGUAGE="de").content.decode()
    assert (
        'value="Winter sale"' in client.get(page, HTTP_ACCEPT_LANGUAGE="de").content.decode()
    )  # what it edits
    assert "Winterschlussverkauf" in german_page
    assert "Winter sale" in italian_list and "Winterschlussverkauf" not in italian_list  # no Italian name


def test_the_ugc_list_and_page_name_the_campaign_in_the_readers_language(client, owner, winter, make_user):
    submission = services.ugc_submit(
        campaign=winter, user=make_user("fan@consumer.example"), file=tiny_mp4(), caption="v1", now=NOW
    )
    client.force_login(owner)

    listed = _text(
        client.get(reverse("console:campaigns_ugcsubmission_changelist"), HTTP_ACCEPT_LANGUAGE="de")
    )
    detail = _text(
        client.get(
            reverse("console:campaigns_ugcsubmission_change", args=[submission.pk]), HTTP_ACCEPT_LANGUAGE="de"
        )
    )
    english = _text(client.get(reverse("console:campaigns_ugcsubmission_changelist")))

    for page in (listed, detail):
        assert f"UGC-Einreichung Nr. {submission.pk} für Winterschlussverkauf" in page
        assert "Winter sale" not in page
    assert f"UGC #{submission.pk} for Winter sale" in english


def test_the_ops_campaign_list_names_the_campaign_in_the_readers_language(client, make_user, winter):
    client.force_login(make_user("lead@ops.example", is_staff=True, is_superuser=True))

    german = _text(client.get("/ops/campaigns/campaign/", HTTP_ACCEPT_LANGUAGE="de"))
    french = _text(client.get("/ops/campaigns/campaign/", HTTP_ACCEPT_LANGUAGE="fr"))

    assert "Winterschlussverkauf" in german and "Winter sale" not in german
    assert "Winter sale" in french and "Winterschlussverkauf" not in french  # no French name: its own


@pytest.mark.parametrize("language", ["de", "it", "en"])
def test_a_new_campaigns_name_language_preselects_the_merchants_own_language(
    client, owner, merchant, language
):
    """#23: the new-campaign form offered English for the name's language to a German merchant."""
    type(merchant).objects.filter(pk=merchant.pk).update(language=language)
    client.force_login(owner)

    body = client.get("/console/campaigns/campaign/add/").content.decode()

    select = re.search(r'<select name="language"[^>]*>(.*?)</select>', body, re.S).group(1)
    assert re.findall(r'<option value="(\w+)"[^>]*selected', select) == [language]
