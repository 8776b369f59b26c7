"""Ops read the merchants' top-ups and consents in their own language (#23, tester pass 8)."""

from __future__ import annotations

import re
from datetime import date
from html import unescape

import pytest
from django.utils import timezone, translation
from moneyed import Money

from merchants.models import ConsentField
from merchants.services import consent_give
from merchants.wallet import merchant_top_up_record

pytestmark = pytest.mark.django_db


def _text(response) -> str:
    assert response.status_code == 200
    return re.sub(r"\s+", " ", unescape(re.sub(r"<[^>]+>", " ", response.content.decode())))


def test_the_top_ups_state_column_is_headed_in_german(make_merchant, ops, ops_client):
    transfer, _ = merchant_top_up_record(
        merchant=make_merchant("acme"),
        amount=Money("250.00", "EUR"),
        bank_reference="BANK-REF-1",
        value_date=date(2026, 11, 2),
        actor=ops,
        now=timezone.now(),
    )

    page = ops_client.get("/ops/merchants/banktransfer/", HTTP_ACCEPT_LANGUAGE="de").content.decode()
    headings = re.findall(
        r'<th scope="col" class="[^"]*column-(\w+)[^"]*">.*?<(?:a [^>]*|span)>([^<]+)<', page, re.S
    )

    assert ("state_text", "Status") in headings
    assert not any(text.strip().lower() == "state" for _, text in headings)
    with translation.override("de"):
        state = transfer.state.capitalize()
    assert state in ("Gutgeschrieben", "Wartet auf eine zweite Person")
    assert state in _text(ops_client.get("/ops/merchants/banktransfer/", HTTP_ACCEPT_LANGUAGE="de"))


def test_a_consents_title_says_its_state_in_german(make_merchant, make_consumer, ops_client):
    merchant = make_merchant("joy", brand_name="Joy Coffee")
    consent = consent_give(
        user=make_consumer("Hana"), merchant=merchant, fields=[ConsentField.DISPLAY_NAME], now=timezone.now()
    )

    text = _text(ops_client.get(f"/ops/merchants/consent/{consent.pk}/change/", HTTP_ACCEPT_LANGUAGE="de"))

    assert "Hana → Joy Coffee (aktiv)" in text
    assert "(active)" not in text


def test_the_touchpoints_list_names_the_brand_page_in_the_readers_language(make_merchant, ops_client):
    make_merchant("kaffee")  # created with its TikJoy brand page as first touchpoint

    page = _text(ops_client.get("/ops/merchants/touchpoint/", HTTP_ACCEPT_LANGUAGE="de"))

    assert "TikJoy-Markenseite" in page
    assert "TikJoy brand page" not in page


def test_the_top_up_form_says_a_large_transfer_waits_for_a_second_person(ops_client, settings):
    """QA: the form said the wallet "is credited at once"; above the limit it is recorded and waits."""
    settings.MERCHANT_TOP_UP_CONFIRM_ABOVE = "10000.00"

    english = _text(ops_client.get("/ops/merchants/banktransfer/add/", HTTP_ACCEPT_LANGUAGE="en"))
    german = _text(ops_client.get("/ops/merchants/banktransfer/add/", HTTP_ACCEPT_LANGUAGE="de"))

    assert "A transfer above 10,000 (in the wallet's currency) is recorded but credited only once" in english
    assert "Eine Überweisung über 10.000 (in der Währung des Guthabens) wird erfasst" in german
