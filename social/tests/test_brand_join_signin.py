"""Signing in from a brand page (``next=/b/<slug>/join/``) with WhatsApp or TikTok lands on the join page."""

from __future__ import annotations

from urllib.parse import parse_qs, urlencode, urlsplit

import pytest
from django.urls import reverse

from accounts.models import User
from accounts.services import user_ensure_with_email
from merchants.services import merchant_create
from social.tests.conftest import body_json, ok, token_json

pytestmark = pytest.mark.django_db

SENT = {
    "messaging_product": "whatsapp",
    "contacts": [{"input": "491701234567", "wa_id": "491701234567"}],
    "messages": [{"id": "wamid.1"}],
}


@pytest.fixture
def fizz(db):
    owner, _ = user_ensure_with_email(email="owner@fizz.example", password="a-long-pass-phrase-42")
    return merchant_create(
        actor=owner,
        brand_name="Fizz",
        slug="fizz",
        country="DE",
        language="en",  # its brand page is read in English here (the consent text is translated)
        legal_name="Fizz GmbH",
        billing_address="Hauptstrasse 1, 10115 Berlin",
        contact_email="hello@fizz.example",
    )


def _code(whatsapp_api) -> str:
    return body_json(whatsapp_api.log[-1][0])["template"]["components"][0]["parameters"][0]["text"]


def test_whatsapp_sign_in_from_a_brand_page_lands_on_its_join_page(client, whatsapp_api, fizz):
    whatsapp_api.expect_request("/v21.0/1055/messages", method="POST").respond_with_json(SENT)
    form = client.get("/accounts/whatsapp/?next=/b/fizz/join/").content.decode()
    assert '<input type="hidden" name="next" value="/b/fizz/join/">' in form

    response = client.post("/accounts/whatsapp/?next=/b/fizz/join/", {"phone": "+49 170 1234567"})

    assert response["Location"] == "/accounts/login/code/confirm/?next=%2Fb%2Ffizz%2Fjoin%2F"
    confirm_page = client.get(response["Location"]).content.decode()
    assert 'name="next" value="/b/fizz/join/"' in confirm_page
    response = client.post(response["Location"], {"code": _code(whatsapp_api), "next": "/b/fizz/join/"})
    assert response.status_code == 302
    assert response["Location"] == "/b/fizz/join/"
    page = client.get("/b/fizz/join/").content.decode()
    assert "Fizz will receive" in page and "+49 170 1234567" in page


@pytest.mark.parametrize("tampered", ["https://evil.example/steal", "//evil.example/", "javascript:alert(1)"])
def test_whatsapp_sign_in_does_not_follow_a_next_to_another_site(client, whatsapp_api, tampered):
    whatsapp_api.expect_request("/v21.0/1055/messages", method="POST").respond_with_json(SENT)

    response = client.post(
        "/accounts/whatsapp/?" + urlencode({"next": tampered}), {"phone": "+491701234567", "next": tampered}
    )

    assert response["Location"] == "/accounts/login/code/confirm/"
    response = client.post(response["Location"], {"code": _code(whatsapp_api), "next": tampered})
    assert response["Location"] == "/wallet/"


def test_a_signed_in_person_opening_whatsapp_sign_in_goes_to_next_or_their_page(client, fizz):
    client.force_login(User.objects.create_user(phone="+491701234567", phone_verified=True))

    assert client.get("/accounts/whatsapp/?next=/b/fizz/join/")["Location"] == "/b/fizz/join/"
    assert client.get("/accounts/whatsapp/?next=https://evil.example/")["Location"] == "/wallet/"


def test_tiktok_sign_in_from_a_brand_page_lands_on_its_join_page(client, tiktok_api, fizz):
    response = client.post(reverse("tiktok_login"), {"process": "login", "next": "/b/fizz/join/"})
    state = parse_qs(urlsplit(response["Location"]).query)["state"][0]
    tiktok_api.expect_oneshot_request("/v2/oauth/token/", method="POST").respond_with_json(
        token_json(open_id="open-42")
    )
    tiktok_api.expect_oneshot_request("/v2/user/info/").respond_with_json(
        ok({"user": {"open_id": "open-42", "display_name": "Chloe Creates", "username": "chloe.creates"}})
    )

    response = client.get("/accounts/tiktok/login/callback/", {"code": "c", "state": state})

    assert response.status_code == 302
    assert response["Location"] == "/b/fizz/join/"
    page = client.get("/b/fizz/join/").content.decode()
    assert "Chloe Creates" in page and "@chloe.creates" in page


def test_tiktok_sign_in_does_not_follow_a_next_to_another_site(client, tiktok_api):
    response = client.post(reverse("tiktok_login"), {"process": "login", "next": "https://evil.example/"})
    state = parse_qs(urlsplit(response["Location"]).query)["state"][0]
    tiktok_api.expect_oneshot_request("/v2/oauth/token/", method="POST").respond_with_json(
        token_json(open_id="open-42")
    )
    tiktok_api.expect_oneshot_request("/v2/user/info/").respond_with_json(
        ok({"user": {"open_id": "open-42", "display_name": "Chloe Creates", "username": "chloe.creates"}})
    )

    response = client.get("/accounts/tiktok/login/callback/", {"code": "c", "state": state})

    assert response["Location"] == "/wallet/"


def test_the_sign_in_page_whatsapp_link_keeps_where_the_person_was_going(client):
    page = client.get("/accounts/login/?next=/b/fizz/join/").content.decode()

    assert 'href="/accounts/whatsapp/?next=/b/fizz/join/"' in page
