"""A support request's times on the person's page are in their time zone, said when unknown (#23)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from accounts.middleware import TIME_ZONE_COOKIE
from support.services import Context, support_request_create

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

    assert "29. November 2026 14:47 UTC" in page


def test_with_the_browsers_zone_the_time_is_berlins(client, asked):
    client.cookies[TIME_ZONE_COOKIE] = "Europe/Berlin"

    page = client.get(asked).content.decode()

    assert "29. November 2026 15:47" in page
    assert "14:47" not in page
