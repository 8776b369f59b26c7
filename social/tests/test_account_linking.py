"""One person, one account: a signed-in consumer connects the other sign-in (TikTok or WhatsApp).

Against local servers speaking TikTok's and WhatsApp's wire formats; an identity that already
belongs to another account is refused, and nothing is merged.
"""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import pytest
from allauth.socialaccount.models import SocialAccount
from django.contrib.messages import get_messages

from accounts.models import User
from social.models import TikTokProfile
from social.tests.conftest import body_json, ok, token_json

pytestmark = pytest.mark.django_db

SENT = {
    "messaging_product": "whatsapp",
    "contacts": [{"input": "491701234567", "wa_id": "491701234567"}],
    "messages": [{"id": "wamid.1"}],
}
TIKTOK_USER = {
    "open_id": "open-77",
    "display_name": "Ben Cooks",
    "username": "ben.cooks",
    "follower_count": 310,
}


def _code(whatsapp_api) -> str:
    return body_json(whatsapp_api.log[-1][0])["template"]["components"][0]["parameters"][0]["text"]


def _messages(response) -> list[str]:
    return [str(m) for m in get_messages(response.wsgi_request)]


def _whatsapp_consumer(phone: str = "+491701234567") -> User:
    user = User.objects.create_user(phone=phone, phone_verified=True, display_name="Wanda")
    user.set_unusable_password()
    user.save()
    return user


# --- WhatsApp added to a TikTok account ----------------------------------------------------


def test_a_tiktok_consumer_adds_whatsapp_and_signs_in_with_it_to_the_same_account(
    client, whatsapp_api, connected_user
):
    ana = connected_user()
    client.force_login(ana)
    whatsapp_api.expect_request("/v21.0/1055/messages", method="POST").respond_with_json(SENT)
    page = client.get("/me/").content.decode()
    assert "No WhatsApp number yet" in page and "Send me a code" in page

    response = client.post("/me/whatsapp/", {"phone": "+49 170 1234567"})
    assert response["Location"] == "/me/whatsapp/code/"
    assert body_json(whatsapp_api.log[-1][0])["to"] == "491701234567"
    assert "+49 170 1234567" in client.get("/me/whatsapp/code/").content.decode()
    response = client.post("/me/whatsapp/code/", {"code": _code(whatsapp_api)})

    assert response["Location"] == "/me/"
    assert _messages(response) == [
        "WhatsApp +49 170 1234567 is now connected to your account: you can sign in with it, "
        "and everything stays in one wallet."
    ]
    ana.refresh_from_db()
    assert (ana.phone, ana.phone_verified) == ("+491701234567", True)
    client.logout()
    client.post("/accounts/whatsapp/", {"phone": "+491701234567"})
    client.post("/accounts/login/code/confirm/", {"code": _code(whatsapp_api)})
    assert client.get("/me/").context["user"] == ana
    assert User.objects.count() == 1


def test_a_number_that_signs_in_to_another_account_is_refused_and_nothing_is_merged(
    client, whatsapp_api, connected_user
):
    other = _whatsapp_consumer()
    other.last_login = other.date_joined
    other.save()
    ana = connected_user()
    client.force_login(ana)
    whatsapp_api.expect_request("/v21.0/1055/messages", method="POST").respond_with_json(SENT)

    client.post("/me/whatsapp/", {"phone": "+491701234567"})
    response = client.post("/me/whatsapp/code/", {"code": _code(whatsapp_api)})

    assert response["Location"] == "/me/"
    message = _messages(response)[0]
    assert "already belongs to another TikJoy account" in message
    assert "nothing was merged" in message and "sign out and continue with WhatsApp" in message
    ana.refresh_from_db()
    other.refresh_from_db()
    assert ana.phone is None
    assert (other.phone, other.phone_verified) == ("+491701234567", True)


def test_a_number_left_by_an_abandoned_whatsapp_sign_in_moves_to_the_person_who_proves_it(
    client, whatsapp_api, connected_user
):
    shell = User.objects.create_user(phone="+491701234567", phone_verified=False)
    ana = connected_user()
    client.force_login(ana)
    whatsapp_api.expect_request("/v21.0/1055/messages", method="POST").respond_with_json(SENT)

    client.post("/me/whatsapp/", {"phone": "+491701234567"})
    client.post("/me/whatsapp/code/", {"code": _code(whatsapp_api)})

    ana.refresh_from_db()
    shell.refresh_from_db()
    assert (ana.phone, ana.phone_verified, shell.phone) == ("+491701234567", True, None)


def test_a_wrong_code_connects_nothing_and_the_third_ends_the_attempt(client, whatsapp_api, connected_user):
    ana = connected_user()
    client.force_login(ana)
    whatsapp_api.expect_request("/v21.0/1055/messages", method="POST").respond_with_json(SENT)
    client.post("/me/whatsapp/", {"phone": "+491701234567"})
    wrong = "000000" if _code(whatsapp_api) != "000000" else "111111"

    first = client.post("/me/whatsapp/code/", {"code": wrong})
    client.post("/me/whatsapp/code/", {"code": wrong})
    third = client.post("/me/whatsapp/code/", {"code": wrong})

    assert first.status_code == 400 and "That code is not right" in first.content.decode()
    assert third["Location"] == "/me/"
    assert _messages(third) == ["That code was wrong too many times. Ask for a new code."]
    ana.refresh_from_db()
    assert ana.phone is None
    assert client.get("/me/whatsapp/code/")["Location"] == "/me/"


def test_whatsapp_refusing_the_message_says_why_on_the_account_page(client, whatsapp_api, connected_user):
    client.force_login(connected_user())
    whatsapp_api.expect_request("/v21.0/1055/messages", method="POST").respond_with_json(
        {"error": {"message": "undeliverable", "type": "OAuthException", "code": 131026, "fbtrace_id": "x"}},
        status=400,
    )

    response = client.post("/me/whatsapp/", {"phone": "+491701234567"})

    assert response.status_code == 400
    assert "We could not deliver a WhatsApp message to this number" in response.content.decode()


# --- TikTok added to a WhatsApp account ----------------------------------------------------


def _connect_tiktok(client, tiktok_api, *, open_id: str, next_url: str = ""):
    data = {"process": "connect", **({"next": next_url} if next_url else {})}
    start = client.post("/accounts/tiktok/login/", data)
    state = parse_qs(urlsplit(start["Location"]).query)["state"][0]
    tiktok_api.expect_oneshot_request("/v2/oauth/token/", method="POST").respond_with_json(
        token_json(access="act.c", open_id=open_id)
    )
    tiktok_api.expect_oneshot_request("/v2/user/info/").respond_with_json(
        ok({"user": {**TIKTOK_USER, "open_id": open_id}})
    )
    return client.get("/accounts/tiktok/login/callback/", {"code": "c", "state": state})


def test_a_whatsapp_consumer_connects_tiktok_to_the_same_account(client, tiktok_api):
    wanda = _whatsapp_consumer()
    client.force_login(wanda)
    assert "Connect TikTok" in client.get("/me/").content.decode()

    response = _connect_tiktok(client, tiktok_api, open_id="open-77")

    assert response["Location"] == "/me/"
    assert _messages(response) == [
        "TikTok is now connected to your account: you can sign in with it, and everything stays in one wallet."
    ]
    assert SocialAccount.objects.get().user == wanda
    assert TikTokProfile.objects.get().user == wanda
    assert User.objects.count() == 1
    assert "@ben.cooks" in client.get("/me/").content.decode()


def test_a_tiktok_account_of_another_person_is_refused_and_nothing_is_merged(
    client, tiktok_api, connected_user
):
    owner = connected_user(open_id="open-77")
    wanda = _whatsapp_consumer()
    client.force_login(wanda)

    response = _connect_tiktok(client, tiktok_api, open_id="open-77")

    assert response["Location"] == "/me/"
    message = _messages(response)[0]
    assert "This TikTok account already belongs to another TikJoy account" in message
    assert "nothing was merged" in message and "sign out and continue with TikTok" in message
    assert SocialAccount.objects.get().user == owner
    assert TikTokProfile.objects.get().user == owner
    assert TikTokProfile.objects.get().display_name == "Ana"  # the other account's profile is untouched
    assert client.get("/me/").context["user"] == wanda


def test_cancelling_the_tiktok_connection_returns_to_the_account_page(client, tiktok_api):
    client.force_login(_whatsapp_consumer())
    start = client.post("/accounts/tiktok/login/", {"process": "connect"})
    state = parse_qs(urlsplit(start["Location"]).query)["state"][0]

    response = client.get("/accounts/tiktok/login/callback/", {"error": "access_denied", "state": state})

    assert response["Location"] == "/me/"
    assert _messages(response) == ["You cancelled connecting TikTok. Nothing was changed."]
    assert not SocialAccount.objects.exists()


def test_signed_in_consumers_find_their_account_in_the_navigation_without_password_talk(
    client, connected_user
):
    client.force_login(connected_user())

    page = client.get("/wallet/").content.decode()

    assert '<a href="/me/">My account</a>' in page
    assert "/accounts/email/" not in page
    assert "password" not in page.lower()


def test_the_e_mail_page_does_not_tell_a_tiktok_consumer_to_get_a_password(client, connected_user):
    client.force_login(connected_user())

    page = client.get("/accounts/email/").content.decode()

    assert "You sign in with TikTok or WhatsApp: you need no password." in page
    assert "reset your password" not in page


@pytest.mark.parametrize(
    ("language", "words"),
    [
        ("en", "if your account has no WhatsApp number, to get the code that confirms your bank details"),
        ("es", "si tu cuenta no tiene número de WhatsApp, para recibir el código"),
        ("de", "wenn dein Konto keine WhatsApp-Nummer hat, um den Code zu bekommen"),
        ("fr", "pas de numéro WhatsApp, le code qui confirme vos coordonnées bancaires"),
        ("it", "se il tuo account non ha un numero WhatsApp, per ricevere il codice"),
    ],
)
def test_the_e_mail_page_tells_a_tiktok_consumer_the_address_gets_the_bank_details_code(
    client, connected_user, language, words
):
    """The bank details page sends a TikTok-only consumer here for the code that confirms their IBAN;
    this page said to add an address "only if you want to hear from TikJoy by e-mail"."""
    client.force_login(connected_user())

    page = client.get("/accounts/email/", HTTP_ACCEPT_LANGUAGE=language).content.decode()

    assert words in page
    assert "only if you want" not in page
    assert "solo si quieres" not in page
