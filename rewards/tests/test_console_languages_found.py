"""What a newcomer tester found on the console's reward pages (#23): the detail page's labels in every
language, the consumers list's times in the reader's format (the merchant's time zone)."""

from __future__ import annotations

import re

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
        "en": "What the person did for your brand.",
        "de": "Was die Person für Ihre Marke getan hat.",
    }.get(language, "") in page
