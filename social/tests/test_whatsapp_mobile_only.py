"""WhatsApp codes go to mobile numbers only: a landline, a toll-free (+800) or another service number
is refused on the form, before any code is sent (newcomer walkthrough)."""

from __future__ import annotations

import html

import pytest

from accounts.models import User
from social.tests.conftest import body_json

pytestmark = pytest.mark.django_db

SENT = {"messaging_product": "whatsapp", "contacts": [], "messages": [{"id": "wamid.1"}]}


@pytest.mark.parametrize(
    ("typed", "shown"),
    [
        ("+49 30 12345678", "+49 30 12345678"),  # a Berlin landline
        ("+800 1234 5678", "+800 1234 5678"),  # universal toll-free
        ("+49 800 1234567", "+49 800 1234567"),  # German toll-free
        ("+39 899 123456", "+39 899 123 456"),  # Italian premium rate
    ],
)
def test_a_number_that_is_no_mobile_gets_no_code_and_is_refused_with_a_reason(
    client, whatsapp_api, typed, shown
):
    response = client.post("/accounts/whatsapp/", {"phone": typed, "country": ""})

    page = html.unescape(response.content.decode())
    assert response.status_code == 200
    assert f"{shown} is not a mobile number, so it cannot receive WhatsApp messages." in page
    assert whatsapp_api.log == [] and not User.objects.exists()


def test_the_refusal_is_in_the_persons_language(client, whatsapp_api):
    page = client.post(
        "/accounts/whatsapp/", {"phone": "+49 30 12345678", "country": ""}, HTTP_ACCEPT_LANGUAGE="de"
    ).content.decode()

    assert "+49 30 12345678 ist keine Handynummer" in html.unescape(page)
    assert whatsapp_api.log == []


def test_a_local_landline_is_refused_before_the_number_is_confirmed(client, whatsapp_api):
    page = client.post("/accounts/whatsapp/", {"phone": "030 12345678", "country": "DE"}).content.decode()

    assert "is not a mobile number" in html.unescape(page)
    assert "Is this your number?" not in page
    assert whatsapp_api.log == []


@pytest.mark.parametrize(
    ("typed", "to"),
    [
        ("+49 151 12340007", "4915112340007"),  # a mobile (the demo's Hana)
        ("+1 415 555 2671", "14155552671"),  # the US and Canada don't tell mobiles from landlines
    ],
)
def test_a_mobile_number_gets_its_code(client, whatsapp_api, typed, to):
    whatsapp_api.expect_request("/v21.0/1055/messages", method="POST").respond_with_json(SENT)

    response = client.post("/accounts/whatsapp/", {"phone": typed, "country": ""})

    assert response.status_code == 302
    assert body_json(whatsapp_api.log[-1][0])["to"] == to


def test_connecting_a_landline_on_my_account_sends_no_code(client, whatsapp_api, make_consumer):
    client.force_login(make_consumer("Ana"))

    response = client.post("/me/whatsapp/", {"phone": "+49 30 12345678", "country": ""})

    assert "+49 30 12345678 is not a mobile number" in html.unescape(response.content.decode())
    assert whatsapp_api.log == []


@pytest.mark.parametrize(
    "phone",
    [
        "+445612345678",  # a UK VoIP number (056)
        "+447012345678",  # a UK personal number (070)
        "+493012345678",  # a Berlin landline on WhatsApp Business
    ],
)
def test_a_number_that_already_signs_in_to_an_account_still_gets_its_code_and_signs_in(
    client, whatsapp_api, phone
):
    existing = User.objects.create_user(phone=phone, phone_verified=True)
    whatsapp_api.expect_request("/v21.0/1055/messages", method="POST").respond_with_json(SENT)

    response = client.post("/accounts/whatsapp/", {"phone": phone, "country": ""})

    assert response.status_code == 302
    sent = body_json(whatsapp_api.log[-1][0])
    assert sent["to"] == phone[1:]
    code = sent["template"]["components"][0]["parameters"][0]["text"]
    response = client.post("/accounts/login/code/confirm/", {"code": code})
    assert response.status_code == 302
    assert client.get("/me/").context["user"] == existing
    assert User.objects.count() == 1


def test_a_landline_not_yet_verified_on_an_account_is_still_refused(client, whatsapp_api):
    # An abandoned sign-in does not make a landline a WhatsApp number.
    User.objects.create_user(phone="+493012345678", phone_verified=False)

    response = client.post("/accounts/whatsapp/", {"phone": "+49 30 12345678", "country": ""})

    assert "+49 30 12345678 is not a mobile number" in html.unescape(response.content.decode())
    assert whatsapp_api.log == []


def test_my_verified_landline_is_told_connected_not_refused(client, whatsapp_api):
    client.force_login(User.objects.create_user(phone="+493012345678", phone_verified=True))

    response = client.post("/me/whatsapp/", {"phone": "+49 30 12345678", "country": ""})

    assert response.context["whatsapp_form"].errors["phone"] == [
        "This number is already connected to your account."
    ]
    assert whatsapp_api.log == []
