"""A support request's times on the person's page are in their time zone, said when unknown (#23)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from accounts.middleware import TIME_ZONE_COOKIE
from support.services import Context, support_request_create
from tikjoy.tests.factories import owner_of, response_text

pytestmark = pytest.mark.django_db

ASKED = datetime(2026, 11, 29, 14, 47, tzinfo=UTC)


@pytest.fixture
def asked(client, make_consumer):
    ana = make_consumer("Ana")
    ana.language = "de"
    ana.save(update_fields=["language"])
    request = support_request_create(
        user=ana,
        email="",
        topic="OTHER",
        subject="Where is my reward?",
        body="I shared the video yesterday.",
        context=Context(page="/wallet/"),
        submission_key="tz-1",
        language="de",
        now=ASKED,
    )
    client.force_login(ana)
    return f"/support/requests/{request.pk}/"


def test_the_first_view_says_the_time_is_utc(client, asked):
    page = client.get(asked).content.decode()

    assert "29. November 2026 um 14:47 Uhr UTC" in page


def test_with_the_browsers_zone_the_time_is_berlins(client, asked):
    client.cookies[TIME_ZONE_COOKIE] = "Europe/Berlin"

    page = client.get(asked).content.decode()

    assert "29. November 2026 um 15:47 Uhr" in page
    assert "14:47" not in page


@pytest.fixture
def owners_request(client, make_merchant):
    """A German owner's request about their brand (Berlin), sent at 04:40 UTC; the owner saved no zone
    and their browser says UTC."""
    merchant = make_merchant("kaffee", brand_name="Kaffee", time_zone="Europe/Berlin")
    owner = owner_of(merchant)
    owner.language = "de"
    owner.save(update_fields=["language"])
    request = support_request_create(
        user=owner,
        email="",
        topic="MERCHANT",
        subject="Kampagne",
        body="Warum zahlt sie nicht?",
        context=Context(page="/console/", merchant=merchant),
        submission_key="tz-owner",
        language="de",
        now=datetime(2026, 11, 30, 4, 40, tzinfo=UTC),
    )
    client.force_login(owner)
    client.cookies[TIME_ZONE_COOKIE] = "UTC"
    return owner, f"/support/requests/{request.pk}/"


def test_a_merchants_request_shows_the_brands_time_and_names_its_zone(client, owners_request):
    _, url = owners_request

    page = response_text(client.get(url))

    assert "30. November 2026 um 05:40 Uhr" in page and "04:40" not in page
    assert "Zeiten in der Zeitzone von Kaffee: Berlin (Mitteleuropäische Zeit)." in page


def test_a_member_who_saved_a_zone_reads_the_request_in_it(client, owners_request):
    owner, url = owners_request
    owner.time_zone = "Europe/Lisbon"
    owner.save(update_fields=["time_zone"])

    page = response_text(client.get(url))

    assert "30. November 2026 um 04:40 Uhr" in page
    assert "Zeitzone von Kaffee" not in page
