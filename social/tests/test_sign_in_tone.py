"""allauth's own sign-in pages speak to the person informally in Spanish, German and Italian, as
every consumer page does (tester, issue #23: "Si aún no ha creado una cuenta, por favor
regístrese", "bitte geben Sie ihn bald ein")."""

from __future__ import annotations

import html
import re

import pytest

pytestmark = pytest.mark.django_db

SENT = {"messaging_product": "whatsapp", "contacts": [], "messages": [{"id": "wamid.1"}]}


def _text(response) -> str:
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", response.content.decode())).split())


def test_the_spanish_sign_in_page_says_tu(client):
    page = _text(client.get("/accounts/login/", HTTP_ACCEPT_LANGUAGE="es"))

    assert "Si aún no tienes una cuenta, regístrate primero." in page
    assert "¿Has olvidado tu contraseña?" in page
    for formal in ("ha creado", "regístrese", "Ha olvidado su"):
        assert formal not in page


def test_a_wrong_password_is_told_informally_in_spanish(client):
    page = _text(
        client.post(
            "/accounts/login/",
            {"login": "nobody@example.com", "password": "wrong"},
            HTTP_ACCEPT_LANGUAGE="es",
        )
    )

    assert "que has indicado no son correctas" in page


def test_the_spanish_password_reset_page_says_tu(client):
    page = _text(client.get("/accounts/password/reset/", HTTP_ACCEPT_LANGUAGE="es"))

    assert "Introduce tu dirección de correo electrónico y te enviaremos un correo" in page
    assert "Introduzca" not in page and "contáctenos" not in page


@pytest.mark.parametrize(
    ("language", "informal", "formal"),
    [
        ("de", "Der Code läuft bald ab, gib ihn also bitte bald ein.", "Sie"),
        ("es", "Introduce el código de inicio de sesión", "Ingrese"),
        ("it", "inseriscilo al più presto", "La preghiamo"),
    ],
)
def test_the_code_page_says_du_tu_tu(client, whatsapp_api, language, informal, formal):
    whatsapp_api.expect_request("/v21.0/1055/messages", method="POST").respond_with_json(SENT)
    sent = client.post("/accounts/whatsapp/", {"phone": "+49 170 1234567"}, HTTP_ACCEPT_LANGUAGE=language)

    page = _text(client.get(sent["Location"], HTTP_ACCEPT_LANGUAGE=language))

    assert informal in page
    assert "+49 170 1234567" in page
    assert formal not in page.split()


def test_the_german_sign_in_buttons_and_links_say_what_they_do(client):
    """A button names its action with a verb: "Anmelden", never the noun "Anmeldung" (newcomer walkthrough)."""
    login = client.get("/accounts/login/", HTTP_ACCEPT_LANGUAGE="de").content.decode()
    signup = client.get("/accounts/signup/", HTTP_ACCEPT_LANGUAGE="de").content.decode()

    buttons = [_text_of(b) for b in re.findall(r"<button[^>]*>(.*?)</button>", login, re.S)]
    assert "Anmelden" in buttons and "Anmeldung" not in buttons
    assert re.search(r"Dann <a [^>]*>melde dich an</a>\.", signup)
    assert "hier entlang" not in signup


def _text_of(fragment: str) -> str:
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", fragment)).split())


def _buttons(response) -> list[str]:
    return [
        " ".join(html.unescape(re.sub(r"<[^>]+>", " ", button)).split())
        for button in re.findall(r"<button[^>]*>(.*?)</button>", response.content.decode(), re.S)
    ]


def test_the_french_sign_in_button_is_a_verb(client):
    response = client.get("/accounts/login/", HTTP_ACCEPT_LANGUAGE="fr")

    assert "Se connecter" in _buttons(response)
    assert "Connexion" not in _buttons(response)


def test_the_spanish_e_mail_confirmation_page_says_tu(
    client, connected_user, django_capture_on_commit_callbacks
):
    """The bank details page sends a TikTok consumer to add an e-mail address for its code; the link in
    the confirmation e-mail opened a page saying "Por favor, confirme que ..." (usted)."""
    from django.core import mail

    client.force_login(connected_user())
    with django_capture_on_commit_callbacks(execute=True):
        client.post(
            "/accounts/email/", {"email": "lucia@mail.example", "action_add": ""}, HTTP_ACCEPT_LANGUAGE="es"
        )
    link = re.search(r"https?://[^/\s]+(/accounts/confirm-email/\S+/)", mail.outbox[-1].body).group(1)

    page = _text(client.get(link, HTTP_ACCEPT_LANGUAGE="es"))

    assert "Confirma que lucia@mail.example es una dirección de correo electrónico de" in page
    assert "confirme" not in page


def test_a_spanish_expired_e_mail_confirmation_link_says_tu(client):
    page = _text(client.get("/accounts/confirm-email/not-a-key/", HTTP_ACCEPT_LANGUAGE="es"))

    assert (
        "Este enlace de confirmación ha caducado o no es válido. Pide un nuevo correo de confirmación" in page
    )
    assert "emita" not in page
