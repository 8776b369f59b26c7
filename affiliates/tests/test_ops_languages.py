"""The affiliates' /ops/ pages in the operator's language (#23: English words and ids in German pages)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from django.test import Client
from django.utils import translation
from django.utils.translation import gettext

from affiliates import services
from affiliates.tests.conftest import NOW, convert
from tikjoy.tests.factories import affiliate_click_make, affiliate_make, affiliate_program_make

pytestmark = pytest.mark.django_db


@pytest.fixture
def ops_client(ops) -> Client:
    ops.is_superuser = True
    ops.save(update_fields=["is_superuser"])
    client = Client()
    client.force_login(ops)
    return client


def _german(client, url: str) -> str:
    response = client.get(url, HTTP_ACCEPT_LANGUAGE="de")
    assert response.status_code == 200
    return response.content.decode()


def test_a_held_commission_reads_in_german_in_its_list_and_title(ops_client, program):
    affiliate = affiliate_make(program, email="pia@creator.example")
    held = convert(
        program, affiliate_click_make(affiliate), "JOY-1006", customer_email="someone@mailinator.com"
    ).commission

    listing = _german(ops_client, "/ops/affiliates/commission/")
    page = _german(ops_client, f"/ops/affiliates/commission/{held.pk}/change/")

    assert "Wegwerf-E-Mail-Domain" in listing and "Disposable e-mail domain" not in listing
    assert f"Provision Nr. {held.pk} (Zur Prüfung zurückgehalten)" in page
    assert "(HELD)" not in page and f"commission #{held.pk}" not in page


def test_an_inquiry_is_titled_by_its_order_and_the_affiliate_in_german(ops_client, program):
    affiliate = affiliate_make(program, email="pia@creator.example")
    inquiry = services.inquiry_open(
        affiliate=affiliate,
        order_id="JOY-0999",
        order_date=date(2026, 11, 22),
        amount=Decimal("31.50"),
        message="A follower ordered with my code.",
        now=NOW,
    )

    page = _german(ops_client, f"/ops/affiliates/inquiry/{inquiry.pk}/change/")

    assert "Anfrage zur Bestellung JOY-0999 von pia@creator.example" in page
    assert f"by {affiliate.pk}" not in page


def test_the_program_list_names_tikjoys_program_and_its_report_link_in_german(ops_client, program):
    affiliate_program_make(None, name="TikJoy affiliate program", domains=["tikjoy.example"])

    listing = _german(ops_client, "/ops/affiliates/program/")

    assert "TikJoy-Partnerprogramm" in listing and "TikJoy affiliate program" not in listing
    assert ">Bericht</a>" in listing and ">report</a>" not in listing


def test_the_inquiries_list_gives_the_claimed_amount_with_its_currency(ops_client, program):
    """QA: the ops list of inquiries showed "31.50" (beside "€24.90" in the conversions list)."""
    affiliate = affiliate_make(program, email="pia@creator.example")
    services.inquiry_open(
        affiliate=affiliate,
        order_id="JOY-0999",
        order_date=date(2026, 11, 22),
        amount=Decimal("31.50"),
        message="A follower ordered with my code.",
        now=NOW,
    )

    listing = _german(ops_client, "/ops/affiliates/inquiry/")

    assert "31,50\xa0€" in listing


def test_an_inquiry_without_its_order_id_is_refused_formally_in_german():
    """Affiliates are addressed as "Sie" (like ops and merchants); this one said "Gib die Bestellnummer an"."""
    with translation.override("de"):
        text = gettext("Give the order id (1 to 200 characters).")

    assert text == "Geben Sie die Bestellnummer an (1 bis 200 Zeichen)."
