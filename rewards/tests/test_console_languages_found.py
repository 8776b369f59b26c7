"""What a newcomer tester found on the console's reward pages (#23): the detail page's labels in every
language, the consumers list's times in the reader's format (the merchant's time zone)."""

from __future__ import annotations

import re
from html import unescape

import pytest
from django.conf import settings
from django.utils import timezone, translation
from django.utils.formats import date_format
from django.utils.text import capfirst

from rewards.models import MerchantConsumer, Reward
from rewards.tests.conftest import owner_of
from rewards.tests.test_console import _text

pytestmark = pytest.mark.django_db

OTHER_LANGUAGES = [code for code, _name in settings.LANGUAGES if code != "en"]
ISO_MOMENT = re.compile(r"\d{4}-\d{2}-\d{2} \d{2}:\d{2}")


@pytest.mark.parametrize("language", OTHER_LANGUAGES)
def test_the_reward_detail_labels_are_in_the_readers_language(client, acme_month, language):
    client.force_login(owner_of(acme_month))
    reward = Reward.objects.filter(merchant=acme_month).first()

    page = _text(client.get(f"/console/rewards/reward/{reward.pk}/change/", HTTP_ACCEPT_LANGUAGE=language))

    for english in ("Reason:", "Margin:", "Decided at:"):
        assert english not in page
    with translation.override(language):
        for field in ("reason", "margin", "decided_at"):
            label = str(capfirst(Reward._meta.get_field(field).verbose_name))
            assert re.search(rf"{re.escape(label)}\s?:", page), label  # French: "Motif :"


@pytest.mark.parametrize("language", [code for code, _name in settings.LANGUAGES])
def test_the_consumers_list_writes_times_as_the_reader_does(client, acme_month, language):
    client.force_login(owner_of(acme_month))

    page = _text(client.get("/console/rewards/reward/consumers/", HTTP_ACCEPT_LANGUAGE=language))

    assert not ISO_MOMENT.search(page)
    first = MerchantConsumer.objects.filter(merchant=acme_month).order_by("first_at").first().first_at
    with translation.override(language), timezone.override(acme_month.time_zone):
        assert date_format(timezone.localtime(first), "SHORT_DATETIME_FORMAT") in page


@pytest.mark.parametrize("language", [code for code, _name in settings.LANGUAGES])
def test_the_reward_detail_explains_the_action_to_the_merchant_not_to_a_developer(
    client, acme_month, language
):
    client.force_login(owner_of(acme_month))
    reward = Reward.objects.filter(merchant=acme_month).first()

    page = _text(client.get(f"/console/rewards/reward/{reward.pk}/change/", HTTP_ACCEPT_LANGUAGE=language))

    for developer_words in ("an index of its own", "joining every action", "copied from the action"):
        assert developer_words not in page
    with translation.override(language):
        help_text = str(Reward._meta.get_field("action_type").help_text)
    assert help_text in page
    assert {
        "en": "What the person did for the brand.",  # the same words on the console's and ops' pages
        "de": "Was die Person für die Marke getan hat.",
    }.get(language, "") in page


def _text_keeping_no_break_spaces(response) -> str:
    body = unescape(re.sub(r"<[^>]+>", " ", response.content.decode()))
    return re.sub(r"[ \t\r\n]+", " ", body)  # not \s: it would make a no-break space a space


def test_french_labels_in_the_console_have_a_no_break_space_before_the_colon(client, acme_month):
    client.force_login(owner_of(acme_month))
    reward = Reward.objects.filter(merchant=acme_month).first()
    campaign_id = reward.campaign_id

    detail = _text_keeping_no_break_spaces(
        client.get(f"/console/rewards/reward/{reward.pk}/change/", HTTP_ACCEPT_LANGUAGE="fr")
    )
    diagnosis = _text_keeping_no_break_spaces(
        client.get(f"/console/diagnostics/campaigns/{campaign_id}/", HTTP_ACCEPT_LANGUAGE="fr")
    )

    with translation.override("fr"):
        reason = str(capfirst(Reward._meta.get_field("reason").verbose_name))
    assert f"{reason}\xa0:" in detail  # Django's label suffix, as French writes it
    assert not re.search(r"[^\W\d_]:", detail.replace("https:", "").replace("http:", ""))  # a word, then ":"
    assert "\xa0: " in diagnosis and not re.search(r"[^\W\d_]: ", diagnosis)


@pytest.mark.parametrize(
    ("language", "label"), [("fr", "Langue\xa0:"), ("de", "Sprache:"), ("en", "Language:")]
)
def test_the_footers_language_label_is_written_as_the_language_writes_a_colon(client, language, label):
    page = _text_keeping_no_break_spaces(client.get("/", HTTP_ACCEPT_LANGUAGE=language))

    assert label in page
