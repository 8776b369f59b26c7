"""/ops/' user page for someone who signs in without a password (TikTok, a magic link) says how to
give them one in the operator's language: Django's own catalogue leaves the sentence empty (#23)."""

from __future__ import annotations

import html
import re

import pytest
from django.urls import reverse

from tikjoy.tests.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("language", "words"),
    [
        ("de", "Passwort festlegen, um die Anmeldung mit Passwort für diese Person zu aktivieren."),
        ("it", "Per consentire a questo utente di accedere con una password, imposta una password."),
        ("fr", "Définissez un mot de passe pour activer la connexion par mot de passe de cette personne."),
        ("es", "Para activar el acceso con contraseña de esta persona, establece una contraseña."),
    ],
)
def test_the_set_a_password_help_reads_in_the_operators_language(admin_client, language, words):
    person = UserFactory(email="ana@example.com")
    person.set_unusable_password()
    person.save(update_fields=["password"])

    response = admin_client.get(
        reverse("admin:accounts_user_change", args=[person.pk]), HTTP_ACCEPT_LANGUAGE=language
    )

    assert response.status_code == 200
    page = re.sub(r"\s+", " ", html.unescape(response.content.decode()))
    assert words in page
    assert "Enable password-based authentication" not in page
