"""The campaign pages of the console in the merchant's language: the form's field names, the rules'
columns and the model names are translated, not the English derived from the code."""

from __future__ import annotations

import pytest
from django.urls import reverse

from tikjoy.tests.factories import response_text

pytestmark = pytest.mark.django_db


def test_the_campaign_form_in_german_names_every_field_in_german(client, merchant, owner, make_campaign):
    campaign = make_campaign(merchant)
    client.force_login(owner)

    page = response_text(
        client.get(
            reverse("console:campaigns_campaign_change", args=[campaign.pk]), HTTP_ACCEPT_LANGUAGE="de"
        )
    )

    for german in (
        "Beginn",
        "Ende",
        "Kontaktpunkte",
        "Budget",
        "Multiplikator für neue Nutzer",
        "Multiplikator für wiederkehrende Nutzer",
        "Tageslimit pro Nutzer",
        "Kampagnenlimit pro Nutzer",
        "Mindestprämie",
        "Höchstprämie",
        "Höchstbetrag pro Beitrag",
        "Aktiviert",
        "Betrag",
    ):
        assert german in page, german
    for english in (
        "Starts",
        "Ends",
        "Touchpoints",
        "New user multiplier",
        "Returning user multiplier",
        "User daily cap",
        "User campaign cap",
        "Min reward",
        "Max reward",
        "Max per post",
        "Enabled",
        "Amount",
    ):
        assert english not in page, english


def test_the_campaign_list_in_german_has_german_column_headers(client, merchant, owner, make_campaign):
    make_campaign(merchant)
    client.force_login(owner)

    page = response_text(
        client.get(reverse("console:campaigns_campaign_changelist"), HTTP_ACCEPT_LANGUAGE="de")
    )

    assert "Aktiv" in page
    for english in ("Starts", "Ends", "Spent", "Budget left"):
        assert english not in page, english


def test_all_pages_in_german_name_the_video_submissions_in_german(client, merchant, owner):
    client.force_login(owner)

    page = response_text(client.get(reverse("console:index"), HTTP_ACCEPT_LANGUAGE="de"))

    assert "UGC-Einreichungen" in page
    assert "UGC submissions" not in page


def test_the_english_campaign_form_is_unchanged(client, merchant, owner, make_campaign):
    campaign = make_campaign(merchant)
    client.force_login(owner)

    page = response_text(client.get(reverse("console:campaigns_campaign_change", args=[campaign.pk])))

    for english in ("Starts", "Touchpoints", "New user multiplier", "User daily cap", "Max per post"):
        assert english in page, english
