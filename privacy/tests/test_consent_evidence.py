"""Consent as evidence: each consent keeps the exact words, version, fields and page; the person and ops see them."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from merchants.models import CONSENT_TEXT_VERSION, Consent

pytestmark = pytest.mark.django_db


def _words(html: str) -> str:
    return " ".join(re.sub(r"<[^>]+>", " ", html).split())


@pytest.fixture
def consent(client, make_merchant, make_consumer):
    merchant = make_merchant("alpha", brand_name="Alpha Foods")
    ana = make_consumer("Ana Evidence")
    client.force_login(ana)
    page = client.get(f"/b/{merchant.slug}/join/")
    client.post(f"/b/{merchant.slug}/join/", {"decision": "agree", "fields": ["DISPLAY_NAME"]})
    return Consent.objects.get(user=ana), _words(page.content.decode())


def test_the_consent_records_the_words_the_page_showed_its_version_and_the_page(consent):
    consent, page = consent

    assert consent.fields == ["DISPLAY_NAME"]
    assert (consent.text_version, consent.page) == (CONSENT_TEXT_VERSION, "/b/alpha/join/")
    assert consent.text.startswith("Alpha Foods will receive: Name. ")
    purpose = consent.text.split(". ", 1)[1]
    assert purpose in page  # the recorded words are the ones the page showed


def test_the_person_sees_what_they_agreed_to_on_their_account_page(client, consent):
    consent, _ = consent

    me = _words(client.get(reverse("social:me")).content.decode())

    assert "What you agreed to" in me and consent.text in me


def test_ops_see_the_evidence(client, consent, make_user):
    consent, _ = consent
    client.force_login(make_user("root@tikjoy.example", is_staff=True, is_superuser=True))

    page = client.get(reverse("admin:merchants_consent_change", args=[consent.pk])).content.decode()

    assert consent.text in _words(page) and CONSENT_TEXT_VERSION in page and "/b/alpha/join/" in page
