"""A local number is read in the visitor's country, not the brand's; the page shows the full number
before the code goes out (tester, issue #23: a Spanish number sent to +49 on a German brand page)."""

from __future__ import annotations

import pytest

from accounts.models import User
from social.tests.conftest import body_json

pytestmark = pytest.mark.django_db

SENT = {"messaging_product": "whatsapp", "contacts": [], "messages": [{"id": "wamid.1"}]}
SPANISH = {"HTTP_ACCEPT_LANGUAGE": "es-ES,es;q=0.9"}


def test_a_spanish_browser_on_a_german_brand_link_gets_spain_and_a_spanish_example(client):
    page = client.get("/accounts/whatsapp/", {"region": "DE"}, **SPANISH).content.decode()

    assert '<option value="ES" selected>España (+34)</option>' in page
    assert "Tu número local (p. ej., 612 34 56 78)" in page
    assert "01512 3456789" not in page


def test_a_local_number_is_shown_in_full_before_anything_is_sent(client, whatsapp_api):
    whatsapp_api.expect_request("/v21.0/1055/messages", method="POST").respond_with_json(SENT)

    page = client.post(
        "/accounts/whatsapp/", {"phone": "612 345 678", "country": "ES", "region": "DE"}, **SPANISH
    ).content.decode()

    assert "Te enviaremos un código a <strong>+34 612 34 56 78</strong> por WhatsApp." in page
    assert whatsapp_api.log == [] and not User.objects.exists()

    response = client.post(
        "/accounts/whatsapp/",
        {"phone": "612 345 678", "country": "ES", "region": "DE", "confirmed": "+34612345678"},
        **SPANISH,
    )

    assert response.status_code == 302
    assert body_json(whatsapp_api.log[-1][0])["to"] == "34612345678"
    assert User.objects.filter(phone="+34612345678").exists()
    code_page = client.get(response["Location"], **SPANISH).content.decode()
    assert ">+34 612 34 56 78</a>" in code_page  # grouped as on every page


def test_changing_the_country_in_the_selector_changes_the_number(client, whatsapp_api):
    page = client.post(
        "/accounts/whatsapp/", {"phone": "612 345 678", "country": "FR", "region": "DE"}, **SPANISH
    ).content.decode()

    assert "Te enviaremos un código a <strong>+33 6 12 34 56 78</strong>" in page
    assert whatsapp_api.log == []


def test_a_confirmation_for_another_number_sends_nothing(client, whatsapp_api):
    page = client.post(
        "/accounts/whatsapp/",
        {"phone": "612 345 678", "country": "ES", "confirmed": "+49612345678"},
        **SPANISH,
    ).content.decode()

    assert "+34 612 34 56 78" in page
    assert whatsapp_api.log == []


@pytest.mark.parametrize(
    ("accept_language", "brand", "selected"),
    [
        ("es", "DE", "ES"),  # a bare language: where it is spoken most
        ("de", "AT", "AT"),  # ... unless the brand's country speaks it
        ("pt-BR,pt;q=0.9", "IT", "BR"),
        ("", "IT", "IT"),  # the browser says nothing: the brand's country
    ],
)
def test_the_default_country_follows_the_browser_then_the_brand(client, accept_language, brand, selected):
    page = client.get("/accounts/whatsapp/", {"region": brand}, HTTP_ACCEPT_LANGUAGE=accept_language)

    assert f'<option value="{selected}" selected>' in page.content.decode()


@pytest.mark.parametrize(
    ("accept_language", "selected"),
    [("en-US,en;q=0.9", "US"), ("en-GB", "GB"), ("de", "DE")],
)
def test_a_browser_that_names_its_country_or_a_language_of_one_keeps_that_country(
    client, accept_language, selected
):
    page = client.get("/accounts/whatsapp/", HTTP_ACCEPT_LANGUAGE=accept_language).content.decode()

    assert f'<option value="{selected}" selected>' in page


def test_a_bare_english_browser_is_not_taken_for_an_american_on_a_brands_page(client):
    page = client.get("/accounts/whatsapp/", {"region": "DE"}, HTTP_ACCEPT_LANGUAGE="en").content.decode()

    assert '<option value="DE" selected>Germany (+49)</option>' in page
    assert '<option value="US" selected>' not in page


def test_a_bare_english_browser_gets_the_platforms_country_else_picks_one(client, settings):
    asked = client.get("/accounts/whatsapp/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    settings.PHONE_DEFAULT_REGION = "IT"
    platform = client.get("/accounts/whatsapp/", HTTP_ACCEPT_LANGUAGE="en").content.decode()

    assert '<option value="" selected>Other: I type the country code (+...)</option>' in asked
    assert " selected>" not in asked.replace('<option value="" selected>', "")
    assert '<option value="IT" selected>Italy (+39)</option>' in platform


def test_the_country_a_code_went_to_is_this_devices_default_next_time(client, whatsapp_api):
    whatsapp_api.expect_request("/v21.0/1055/messages", method="POST").respond_with_json(SENT)
    client.post("/accounts/whatsapp/", {"phone": "+34 612 345 678"}, HTTP_ACCEPT_LANGUAGE="de-DE")

    page = client.get("/accounts/whatsapp/", {"region": "DE"}, HTTP_ACCEPT_LANGUAGE="de-DE").content.decode()

    assert '<option value="ES" selected>Spanien (+34)</option>' in page


def test_connecting_whatsapp_on_me_defaults_to_the_country_of_the_persons_own_number(client):
    person = User.objects.create_user(phone="+34612345678", phone_verified=False, language="de")
    client.force_login(person)

    page = client.get("/me/", HTTP_ACCEPT_LANGUAGE="de-DE").content.decode()

    assert '<option value="ES" selected>Spanien (+34)</option>' in page
