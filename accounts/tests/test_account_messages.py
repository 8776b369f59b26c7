"""allauth's messages after signing in or out are TikJoy's: informal in German, Italian and Spanish
to a consumer (docs/i18n-glossary.md), never allauth's formal *Ha iniciado sesión exitosamente* (#23);
formal to anyone else (a merchant's team, an affiliate), as the console and their pages are."""

import pytest

from accounts.services import user_ensure_with_email
from tikjoy.tests.factories import owner_of

SIGNED_IN = {
    "en": "You are signed in as devi@example.com.",
    "de": "Du bist als devi@example.com angemeldet.",
    "it": "Hai effettuato l\u2019accesso come devi@example.com.",
    "es": "Has iniciado sesión como devi@example.com.",
    "fr": "Connexion réussie. Compte\u00a0: devi@example.com.",
}
FORMAL = ("Ha iniciado sesión", "exitosamente", "Ha cerrado sesión", "Sie haben", "Erfolgreich als")


@pytest.mark.django_db
@pytest.mark.parametrize("language", list(SIGNED_IN))
def test_signing_in_and_out_says_so_in_the_consumers_tone(client, settings, language):
    devi, _created = user_ensure_with_email(
        email="devi@example.com", password="a-long-pass-phrase-42", display_name="Devi"
    )
    devi.phone = "+4915123456789"  # a consumer (accounts.people.is_consumer), who also has a password
    devi.save(update_fields=["phone"])
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language

    signed_in = client.post(
        "/accounts/login/", {"login": "devi@example.com", "password": "a-long-pass-phrase-42"}, follow=True
    )
    page = signed_in.content.decode().replace("&#x27;", "'")

    assert SIGNED_IN[language] in page
    assert not any(formal in page for formal in FORMAL)
    signed_out = client.post("/accounts/logout/", follow=True).content.decode()
    assert not any(formal in signed_out for formal in FORMAL)
    if language == "es":
        assert "Has cerrado sesión." in signed_out


SIGNED_IN_FORMAL = {
    "de": "Sie sind als owner@fizz.example angemeldet.",
    "it": "Ha effettuato l\u2019accesso come owner@fizz.example.",
    "es": "Ha iniciado sesión como owner@fizz.example.",
    "fr": "Connexion réussie. Compte\u00a0: owner@fizz.example.",
}
INFORMAL = ("Du bist", "Hai effettuato", "Has iniciado")


@pytest.mark.django_db
@pytest.mark.parametrize("language", list(SIGNED_IN_FORMAL))
def test_a_merchant_signing_in_is_greeted_formally_as_the_console_speaks(
    client, settings, make_merchant, language
):
    """The owner of a German brand signed in and read "Du bist als … angemeldet." above a console
    that says "Ihre Rolle: Inhaber" and "Senden Sie": the greeting now speaks as the console does."""
    owner = owner_of(make_merchant("fizz"))
    owner.set_password("a-long-pass-phrase-42")
    owner.save()
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language

    signed_in = client.post(
        "/accounts/login/", {"login": owner.email, "password": "a-long-pass-phrase-42"}, follow=True
    )
    page = signed_in.content.decode().replace("&#x27;", "'")

    assert signed_in.redirect_chain[-1][0] == "/console/"
    assert SIGNED_IN_FORMAL[language] in page
    assert not any(informal in page for informal in INFORMAL)
