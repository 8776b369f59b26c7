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


@pytest.mark.parametrize(
    ("language", "words"),
    [
        (
            "it",
            [
                "Accesso con password",
                "Attivato",
                "Disattivato",
                "Se la persona può accedere con una password.",
            ],
        ),
        (
            "de",
            ["Anmeldung mit Passwort", "Aktiviert", "Deaktiviert", "Ob sich die Person mit einem Passwort"],
        ),
        (
            "fr",
            [
                "Connexion par mot de passe",
                "Activée",
                "Désactivée",
                "Désactiver la connexion par mot de passe",
            ],
        ),
        (
            "es",
            [
                "Acceso con contraseña",
                "Activado",
                "Desactivado",
                "Si lo desactivas, se perderá la contraseña",
            ],
        ),
    ],
)
def test_the_password_based_authentication_field_reads_in_the_operators_language(
    admin_client, language, words
):
    """#23: Django 5.1's usable-password field (label, help, choices, its button) is empty in Django's
    own Italian and German catalogues: ops read it in English."""
    person = UserFactory(email="ana@example.com")  # with a password: the page offers to disable it

    response = admin_client.get(
        reverse("admin:auth_user_password_change", args=[person.pk]), HTTP_ACCEPT_LANGUAGE=language
    )

    assert response.status_code == 200
    page = re.sub(r"\s+", " ", html.unescape(response.content.decode()))
    for word in words:
        assert word in page
    for english in (
        "Password-based authentication",
        "Whether the user will be able",
        ">Enabled<",
        ">Disabled<",
    ):
        assert english not in page
