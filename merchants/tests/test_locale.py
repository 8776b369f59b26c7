"""A merchant's language and time zone: from its country, and the console's times (docs/i18n.md)."""

import pytest
from django.contrib.sessions.backends.db import SessionStore
from django.http import HttpResponse, StreamingHttpResponse
from django.test import RequestFactory
from django.utils import timezone

from merchants.console_site import console_site
from merchants.services import merchant_create


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("country", "language", "zone"),
    [
        ("IT", "it", "Europe/Rome"),
        ("AT", "de", "Europe/Vienna"),
        ("NL", "en", "Europe/Amsterdam"),
        ("US", "en", "America/New_York"),
    ],
)
def test_a_new_merchant_speaks_its_countrys_language_in_its_time_zone(make_user, country, language, zone):
    merchant = merchant_create(
        actor=make_user("owner@pasta.example"),
        brand_name="Pasta",
        slug="pasta",
        country=country,
        legal_name="Pasta Srl",
        billing_address="Via Roma 1",
        contact_email="hello@pasta.example",
    )
    assert (merchant.language, merchant.time_zone) == (language, zone)


def _console_request(user):
    request = RequestFactory().get("/console/whatever/")
    request.user = user
    request.session = SessionStore()
    return request


@pytest.mark.django_db
def test_console_pages_and_exports_show_the_merchants_time_zone(make_merchant, make_user):
    merchant = make_merchant("pasta", time_zone="Europe/Rome")
    owner = merchant.memberships.get().user
    view = console_site.admin_view(lambda request: HttpResponse(timezone.get_current_timezone_name()))
    streaming = console_site.admin_view(
        lambda request: StreamingHttpResponse(timezone.get_current_timezone_name() for _ in range(1))
    )

    assert view(_console_request(owner)).content == b"Europe/Rome"
    response = streaming(_console_request(owner))
    assert timezone.get_current_timezone_name() == "UTC"  # not leaked outside the console
    assert b"".join(response.streaming_content) == b"Europe/Rome"
