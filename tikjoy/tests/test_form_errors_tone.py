"""Django's own form errors in the root catalogue: impersonal in Spanish and Italian, so a consumer
(tú / tu) and the console (usted / Lei) can both read them (tester, issue #23: /promote/ said
"Introduzca un número entero." to a consumer)."""

from __future__ import annotations

import html

import pytest

from accounts.models import User

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("language", "whole", "at_most", "formal"),
    [
        ("es", "El valor debe ser un número entero.", "El valor debe ser menor o igual que", "Introduzca"),
        (
            "it",
            "Il valore deve essere un numero intero.",
            "Il valore deve essere minore o uguale a",
            "Inserisci un",
        ),
    ],
)
def test_a_consumers_bad_number_on_promote_is_told_impersonally(client, language, whole, at_most, formal):
    client.force_login(User.objects.create_user(phone="+34612345678", phone_verified=True, language=language))

    not_a_number = html.unescape(
        client.post("/promote/", {"action": "buy", "coins": "doce", "currency": "EUR"}).content.decode()
    )
    too_many = html.unescape(
        client.post("/promote/", {"action": "buy", "coins": "20000000", "currency": "EUR"}).content.decode()
    )

    assert whole in not_a_number and formal not in not_a_number
    assert at_most in too_many and "Asegúrese" not in too_many and "Assicurati" not in too_many
