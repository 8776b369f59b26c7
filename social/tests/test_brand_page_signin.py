"""Signing in from a brand page: local phone numbers in the brand's country; a cancelled TikTok
sign-in comes back to the brand page it started from."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import pytest
from django.contrib.messages import get_messages

from accounts.models import User
from accounts.services import user_ensure_with_email
from merchants.services import merchant_create
from social.tests.conftest import body_json

pytestmark = pytest.mark.django_db

SENT = {"messaging_product": "whatsapp", "contacts": [], "messages": [{"id": "wamid.1"}]}


@pytest.fixture
def gelato(db):
    owner, _ = user_ensure_with_email(email="owner@gelato.example", password="a-long-pass-phrase-42")
    return merchant_create(
        actor=owner,
        brand_name="Gelato Roma",
        slug="gelato",
        country="IT",
        legal_name="Gelato Roma S.r.l.",
        billing_address="Via del Corso 1, 00186 Roma",
        contact_email="ciao@gelato.example",
    )


def test_a_local_number_typed_on_an_italian_brand_page_is_an_italian_number(client, whatsapp_api, gelato):
    whatsapp_api.expect_request("/v21.0/1055/messages", method="POST").respond_with_json(SENT)
    link = client.get("/b/gelato/").content.decode()
    assert "/accounts/whatsapp/?next=/b/gelato/join/&amp;region=IT" in link.replace("%2F", "/")
    form = client.get("/accounts/whatsapp/", {"next": "/b/gelato/join/", "region": "IT"}).content.decode()
    assert '<input type="hidden" name="region" value="IT">' in form
    assert "Your local number (e.g. 312 345 6789)" in form

    typed = {"phone": "333 123 4567", "region": "IT", "next": "/b/gelato/join/"}
    shown = client.post("/accounts/whatsapp/", typed).content.decode()
    assert "We'll send a code to <strong>+39 333 123 4567</strong> on WhatsApp." in shown.replace(
        "&#x27;", "'"
    )
    response = client.post("/accounts/whatsapp/", {**typed, "confirmed": "+393331234567"})

    assert response.status_code == 302
    assert body_json(whatsapp_api.log[-1][0])["to"] == "393331234567"
    assert User.objects.filter(phone="+393331234567").exists()


def test_an_international_number_still_works_on_a_brand_page_of_another_country(client, whatsapp_api, gelato):
    whatsapp_api.expect_request("/v21.0/1055/messages", method="POST").respond_with_json(SENT)

    client.post("/accounts/whatsapp/", {"phone": "+49 170 1234567", "region": "IT"})

    assert User.objects.filter(phone="+491701234567").exists()


def test_without_a_country_a_local_number_is_refused_with_a_clear_message(client, whatsapp_api):
    response = client.post("/accounts/whatsapp/", {"phone": "333 123 4567", "region": "ZZ"})

    assert response.status_code == 200
    assert (
        "Enter a valid mobile number with its country code, e.g. +49 170 1234567."
        in response.content.decode()
    )
    assert not User.objects.exists()


def test_cancelling_tiktok_sign_in_returns_to_the_brand_page_it_started_from(client, tiktok_api, gelato):
    start = client.post("/accounts/tiktok/login/", {"process": "login", "next": "/b/gelato/join/"})
    state = parse_qs(urlsplit(start["Location"]).query)["state"][0]

    response = client.get("/accounts/tiktok/login/callback/", {"error": "access_denied", "state": state})

    assert response["Location"] == "/b/gelato/"
    assert [str(m) for m in get_messages(response.wsgi_request)] == [
        "You cancelled signing in with TikTok. Nothing was changed. "
        "You can still join with TikTok or WhatsApp below."
    ]
    # An Italian brand's page is in Italian for a visitor who asks for no language; this one asks for English.
    assert "Continue with WhatsApp" in client.get("/b/gelato/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert not User.objects.filter(email__isnull=True).exists()
