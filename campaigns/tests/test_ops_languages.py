"""Ops read the campaigns' pages in their own language (#23, tester pass 8): campaigns named as the
reader reads them on every list, titles that start with a capital, plurals, decimal commas."""

from __future__ import annotations

import re
from html import unescape

import pytest

from campaigns import services
from campaigns.models import PricingPlan, UgcPolicy
from campaigns.tests.conftest import NOW, tiny_mp4

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


def _text(response) -> str:
    assert response.status_code == 200
    return re.sub(r"\s+", " ", unescape(re.sub(r"<[^>]+>", " ", response.content.decode())))


@pytest.fixture
def winter(merchant, owner, make_campaign):
    campaign = make_campaign(merchant, name="Winter sale", ugc_policy=UgcPolicy.ALL_USERS)
    services.campaign_texts_save(campaign=campaign, actor=owner, texts={"de": "Winterschlussverkauf"})
    return campaign


def test_the_ops_ugc_list_names_the_campaign_in_german_under_an_id_heading(winter, ops_client, make_user):
    submission = services.ugc_submit(
        campaign=winter, user=make_user("fan@consumer.example"), file=tiny_mp4(), caption="v1", now=NOW
    )

    page = ops_client.get("/ops/campaigns/ugcsubmission/", HTTP_ACCEPT_LANGUAGE="de")
    text = _text(page)

    assert "Winterschlussverkauf" in text and "Winter sale" not in text
    heading = re.search(
        r'<th scope="col" class="[^"]*column-(\w+)[^"]*">.*?<a [^>]*>([^<]+)</a>', page.content.decode(), re.S
    )
    assert heading.groups() == ("id", "ID")  # as the other lists, not "PK"
    assert f"{submission.pk} Winterschlussverkauf" in text


def test_the_ops_ugc_page_explains_the_revision_as_the_brands_request_not_the_readers(
    winter, ops_client, make_user
):
    submission = services.ugc_submit(
        campaign=winter, user=make_user("fan@consumer.example"), file=tiny_mp4(), caption="v1", now=NOW
    )

    text = _text(
        ops_client.get(f"/ops/campaigns/ugcsubmission/{submission.pk}/change/", HTTP_ACCEPT_LANGUAGE="de")
    )

    assert "nachdem die Marke Änderungen verlangt hat" in text
    assert "nachdem Sie" not in text
    assert (
        'href="/ops/campaigns/campaign/'
        in ops_client.get(f"/ops/campaigns/ugcsubmission/{submission.pk}/change/").content.decode()
    )  # the campaign, linked


def test_the_ops_campaign_pages_rule_rows_name_the_campaign_in_german(winter, ops_client):
    text = _text(ops_client.get(f"/ops/campaigns/campaign/{winter.pk}/change/", HTTP_ACCEPT_LANGUAGE="de"))

    assert "in Winterschlussverkauf" in text
    assert " in Winter sale" not in text


def test_german_ops_titles_start_with_a_capital(ops_client):
    listed = ops_client.get("/ops/campaigns/merchantpricing/", HTTP_ACCEPT_LANGUAGE="de").content.decode()
    added = ops_client.get("/ops/campaigns/merchantpricing/add/", HTTP_ACCEPT_LANGUAGE="de").content.decode()

    assert "<h1>Händlertarif zur Änderung auswählen</h1>" in listed
    assert "<title>Händlertarif zur Änderung auswählen |" in listed
    assert "<h1>Händlertarif hinzufügen</h1>" in added


def test_an_empty_merchant_pricing_list_counts_in_the_plural_in_german(ops_client):
    text = _text(ops_client.get("/ops/campaigns/merchantpricing/", HTTP_ACCEPT_LANGUAGE="de"))

    assert "0 Händlertarife" in text
    assert "0 Händlertarif " not in text


def test_a_pricing_plans_help_writes_its_decimal_with_the_readers_mark(ops_client):
    plan = PricingPlan.objects.first()
    url = f"/ops/campaigns/pricingplan/{plan.pk}/change/"

    german = _text(ops_client.get(url, HTTP_ACCEPT_LANGUAGE="de"))
    french = _text(ops_client.get(url, HTTP_ACCEPT_LANGUAGE="fr"))

    assert "0 bis 1 (0,8000 = 80 %)" in german and "0.8000" not in german
    assert "(0,8000 = 80 %)" in french and "0.8000" not in french


def test_the_console_ugc_heading_says_one_waits_in_german_with_the_menus_word(
    winter, owner, client, make_user
):
    services.ugc_submit(
        campaign=winter, user=make_user("fan@consumer.example"), file=tiny_mp4(), caption="v1", now=NOW
    )
    client.force_login(owner)

    one = _text(client.get("/console/campaigns/ugcsubmission/", HTTP_ACCEPT_LANGUAGE="de"))
    services.ugc_submit(
        campaign=winter, user=make_user("fan2@consumer.example"), file=tiny_mp4(), caption="v2", now=NOW
    )
    two = _text(client.get("/console/campaigns/ugcsubmission/", HTTP_ACCEPT_LANGUAGE="de"))

    assert "UGC-Einreichungen (1 wartet auf Prüfung)" in one
    assert "UGC-Einreichungen (2 warten auf Prüfung)" in two
    assert "Einsendungen" not in one + two
