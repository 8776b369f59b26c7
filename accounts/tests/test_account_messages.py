"""allauth's messages after signing in or out are TikJoy's: informal in German, Italian and Spanish
(docs/i18n-glossary.md), never allauth's formal *Ha iniciado sesión exitosamente* (#23)."""

import pytest

from accounts.services import user_ensure_with_email

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
    user_ensure_with_email(email="devi@example.com", password="a-long-pass-phrase-42", display_name="Devi")
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
