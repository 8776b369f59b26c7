"""Sign-in with WhatsApp: allauth's login by code, the code sent through the Cloud API format."""

from __future__ import annotations

import pytest

from accounts.models import User
from social.tests.conftest import body_json

pytestmark = pytest.mark.django_db

SENT = {
    "messaging_product": "whatsapp",
    "contacts": [{"input": "491701234567", "wa_id": "491701234567"}],
    "messages": [{"id": "wamid.HBgLMTY1MDM4Nzk0MzkVAgARGBI"}],
}


def _cloud_error(code: int, message: str, subcode: int | None = None) -> dict:
    error = {"message": message, "type": "OAuthException", "code": code, "fbtrace_id": "AbCdEf123"}
    if subcode:
        error["error_subcode"] = subcode
    return {"error": error}


def test_a_new_number_gets_a_code_by_whatsapp_and_signs_in_with_it(client, whatsapp_api):
    whatsapp_api.expect_oneshot_request(
        "/v21.0/1055/messages", method="POST", headers={"Authorization": "Bearer wa-test-token"}
    ).respond_with_json(SENT)

    response = client.post("/accounts/whatsapp/", {"phone": "+49 170 1234567"})

    assert response.status_code == 302
    assert response["Location"] == "/accounts/login/code/confirm/"
    sent = body_json(whatsapp_api.log[0][0])
    assert sent["messaging_product"] == "whatsapp"
    assert sent["to"] == "491701234567"
    assert sent["type"] == "template"
    template = sent["template"]
    body, button = template["components"]
    code = body["parameters"][0]["text"]
    assert len(code) == 6 and code.isdigit()
    assert (button["type"], button["sub_type"], button["parameters"][0]["text"]) == ("button", "url", code)
    user = User.objects.get()
    assert (user.phone, user.phone_verified) == ("+491701234567", False)

    response = client.post("/accounts/login/code/confirm/", {"code": code})

    assert response.status_code == 302
    assert response["Location"] == "/wallet/"
    user.refresh_from_db()
    assert user.phone_verified
    assert client.get("/me/").context["user"] == user


def test_the_code_goes_out_in_the_template_translation_of_the_persons_language(client, whatsapp_api):
    whatsapp_api.expect_request("/v21.0/1055/messages", method="POST").respond_with_json(SENT)
    User.objects.create_user(phone="+491701234567", phone_verified=True, language="it")

    # A new number on a German browser: the German translation of the template.
    client.post("/accounts/whatsapp/", {"phone": "+4917099990000"}, HTTP_ACCEPT_LANGUAGE="de-DE,de;q=0.9")
    # A person who saved Italian, signing in from an English browser: Italian.
    client.post("/accounts/whatsapp/", {"phone": "+491701234567"}, HTTP_ACCEPT_LANGUAGE="en")
    # Nothing chosen and a language TikJoy doesn't speak: the English translation.
    client.post("/accounts/whatsapp/", {"phone": "+4917099990001"}, HTTP_ACCEPT_LANGUAGE="pt-BR")

    languages = [body_json(request)["template"]["language"]["code"] for request, _ in whatsapp_api.log]
    assert languages == ["de", "it", "en_US"]


def test_a_wrong_code_does_not_sign_in(client, whatsapp_api):
    whatsapp_api.expect_request("/v21.0/1055/messages", method="POST").respond_with_json(SENT)
    client.post("/accounts/whatsapp/", {"phone": "+491701234567"})

    response = client.post("/accounts/login/code/confirm/", {"code": "000000x"})

    assert response.status_code == 200
    assert not response.context["user"].is_authenticated
    assert not User.objects.get().phone_verified


def test_an_existing_number_signs_in_to_the_same_account(client, whatsapp_api):
    existing = User.objects.create_user(phone="+491701234567", phone_verified=True)
    whatsapp_api.expect_request("/v21.0/1055/messages", method="POST").respond_with_json(SENT)

    client.post("/accounts/whatsapp/", {"phone": "+49 (170) 123-4567"})
    code = body_json(whatsapp_api.log[0][0])["template"]["components"][0]["parameters"][0]["text"]
    client.post("/accounts/login/code/confirm/", {"code": code})

    assert User.objects.count() == 1
    assert client.get("/me/").context["user"] == existing


@pytest.mark.parametrize(
    ("code", "subcode", "shown"),
    [
        (131026, None, "could not deliver a WhatsApp message to this number"),
        (131047, None, "Send any message to our WhatsApp number"),
        (100, 2494010, "did not accept this phone number"),
        (130429, None, "too many codes were sent just now"),
        (999999, None, "could not send your code with WhatsApp just now"),
    ],
)
def test_a_cloud_api_error_is_a_clear_form_error_and_creates_nobody(
    client, whatsapp_api, code, subcode, shown
):
    whatsapp_api.expect_oneshot_request("/v21.0/1055/messages", method="POST").respond_with_json(
        _cloud_error(code, f"(#{code}) refused", subcode), status=400
    )

    response = client.post("/accounts/whatsapp/", {"phone": "+491701234567"})

    assert response.status_code == 200
    assert shown in " ".join(response.context["form"].errors["phone"])
    assert not User.objects.exists()
    assert client.get("/accounts/login/code/confirm/").status_code == 302  # no half-started login


def test_an_unreachable_cloud_api_is_a_clear_form_error(client, settings):
    settings.WHATSAPP_API_BASE_URL = "http://127.0.0.1:9/v21.0"

    response = client.post("/accounts/whatsapp/", {"phone": "+491701234567"})

    assert response.status_code == 200
    assert "could not send your code" in " ".join(response.context["form"].errors["phone"])
    assert not User.objects.exists()


@pytest.mark.parametrize("phone", ["12345", "+49 abc", "+1 555 0100 999 999 999", ""])
def test_an_invalid_number_is_refused_before_anything_is_sent(client, whatsapp_api, phone):
    response = client.post("/accounts/whatsapp/", {"phone": phone})

    assert response.status_code == 200
    assert response.context["form"].errors["phone"]
    assert whatsapp_api.log == []
    assert not User.objects.exists()


def test_the_database_refuses_a_phone_that_is_not_e164(db):
    from django.db import IntegrityError

    with pytest.raises(IntegrityError):
        User.objects.create_user(phone="0170 1234567")


def test_allauths_rate_limit_stops_a_fourth_code_for_the_same_number_within_a_minute(
    client, whatsapp_api, settings
):
    from django.core.cache import cache

    cache.clear()
    settings.ACCOUNT_RATE_LIMITS = {}  # allauth's defaults: request_login_code 3/m per number
    whatsapp_api.expect_request("/v21.0/1055/messages", method="POST").respond_with_json(SENT)

    for _ in range(3):
        assert client.post("/accounts/whatsapp/", {"phone": "+491701234567"}).status_code == 302
    response = client.post("/accounts/whatsapp/", {"phone": "+491701234567"})

    assert response.status_code == 200
    assert "Too many codes" in " ".join(response.context["form"].errors["phone"])
    assert len(whatsapp_api.log) == 3


def test_three_wrong_codes_end_the_attempt(client, whatsapp_api):
    whatsapp_api.expect_request("/v21.0/1055/messages", method="POST").respond_with_json(SENT)
    client.post("/accounts/whatsapp/", {"phone": "+491701234567"})
    code = body_json(whatsapp_api.log[0][0])["template"]["components"][0]["parameters"][0]["text"]

    for _ in range(3):
        client.post("/accounts/login/code/confirm/", {"code": "999999" if code != "999999" else "111111"})
    response = client.post("/accounts/login/code/confirm/", {"code": code})

    assert response.status_code == 302
    assert response["Location"] not in ("/me/", "/wallet/")
    assert not client.get("/accounts/login/").context["user"].is_authenticated


def test_the_last_wrong_code_leads_back_to_the_number_step_to_ask_for_a_new_one(client, whatsapp_api):
    whatsapp_api.expect_request("/v21.0/1055/messages", method="POST").respond_with_json(SENT)
    client.post("/accounts/whatsapp/", {"phone": "+491701234567", "next": "/b/fizz/join/"})
    code = body_json(whatsapp_api.log[0][0])["template"]["components"][0]["parameters"][0]["text"]
    wrong = "999999" if code != "999999" else "111111"

    for _ in range(2):
        assert (
            client.post("/accounts/login/code/confirm/", {"code": wrong, "next": "/b/fizz/join/"}).status_code
            == 200
        )
    response = client.post("/accounts/login/code/confirm/", {"code": wrong, "next": "/b/fizz/join/"})

    assert response.status_code == 302
    assert response["Location"] == "/accounts/whatsapp/?next=%2Fb%2Ffizz%2Fjoin%2F"
    page = client.get(response["Location"]).content.decode()
    assert (
        "This code is no longer valid: it was typed wrong too many times. Ask for a new code below." in page
    )
    assert 'name="phone"' in page and 'name="password"' not in page
    assert not client.get("/").context["user"].is_authenticated


def test_signing_in_tells_a_person_whose_tiktok_was_disconnected(client, whatsapp_api):
    from django.utils import timezone

    from social.models import TikTokProfile

    user = User.objects.create_user(phone="+491701234567", phone_verified=True)
    TikTokProfile.objects.create(
        user=user,
        open_id="open-1",
        disconnected_at=timezone.now(),
        disconnect_reason=TikTokProfile.DisconnectReason.REVOKED_BY_USER,
    )
    whatsapp_api.expect_request("/v21.0/1055/messages", method="POST").respond_with_json(SENT)
    client.post("/accounts/whatsapp/", {"phone": "+491701234567"})
    code = body_json(whatsapp_api.log[0][0])["template"]["components"][0]["parameters"][0]["text"]

    page = client.post("/accounts/login/code/confirm/", {"code": code}, follow=True).content.decode()

    assert "Your TikTok account is disconnected: you removed TikJoy&#x27;s access in TikTok." in page


def _code_sent(client, whatsapp_api, **data) -> str:
    whatsapp_api.expect_request("/v21.0/1055/messages", method="POST").respond_with_json(SENT)
    client.post("/accounts/whatsapp/", {"phone": "+491701234567", **data})
    return body_json(whatsapp_api.log[-1][0])["template"]["components"][0]["parameters"][0]["text"]


def test_a_code_sent_after_it_expired_leads_back_to_the_number_step_not_the_email_sign_in(
    client, whatsapp_api, settings
):
    code = _code_sent(client, whatsapp_api, next="/b/fizz/join/")
    settings.ACCOUNT_LOGIN_BY_CODE_TIMEOUT = -1  # the five minutes have passed

    response = client.post("/accounts/login/code/confirm/?next=%2Fb%2Ffizz%2Fjoin%2F", {"code": code})

    assert response.status_code == 302
    assert response["Location"] == "/accounts/whatsapp/?next=%2Fb%2Ffizz%2Fjoin%2F"
    page = client.get(response["Location"]).content.decode()
    assert "This code is no longer valid: it expired or was already used. Ask for a new code below." in page
    assert 'name="phone"' in page and 'name="password"' not in page
    assert not client.get("/").context["user"].is_authenticated


def test_a_code_sent_from_a_tab_whose_sign_in_is_gone_leads_back_to_the_number_step(client, whatsapp_api):
    code = _code_sent(client, whatsapp_api)
    client.cookies.clear()  # the session the code page belonged to is gone (signed out, expired)

    response = client.post("/accounts/login/code/confirm/", {"code": code})

    assert response.status_code == 302
    assert response["Location"] == "/accounts/whatsapp/"
    page = client.get(response["Location"]).content.decode()
    assert "This code is no longer valid: it expired or was already used. Ask for a new code below." in page
    assert 'name="phone"' in page and 'name="password"' not in page


def test_a_code_sent_again_after_it_signed_in_goes_where_a_sign_in_leads_and_says_so(client, whatsapp_api):
    code = _code_sent(client, whatsapp_api)
    assert client.post("/accounts/login/code/confirm/", {"code": code})["Location"] == "/wallet/"
    client.get("/wallet/")  # the page after signing in shows (and clears) its messages

    response = client.post("/accounts/login/code/confirm/", {"code": code})  # back button, then Confirm

    assert response.status_code == 302
    assert response["Location"] == "/wallet/"
    page = client.get("/wallet/").content.decode()
    assert "This sign-in is already complete: you are signed in." in page
