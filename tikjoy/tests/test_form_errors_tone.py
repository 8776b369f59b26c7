"""Django's own form errors in the root catalogue: impersonal in Spanish and Italian, so a consumer
(tú / tu) and the console (usted / Lei) can both read them (tester, issue #23: /promote/ said
"Introduzca un número entero." to a consumer; the merchant's onboarding said "Assicurati" and the
bank details "Asegúrese"; the password rules "La tua password", "Su contraseña")."""

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


def test_an_italian_merchants_too_long_brand_name_is_told_without_tu(client):
    client.force_login(
        User.objects.create_user(email="founder@fizz.example", password="x-long-pass-42", language="it")
    )

    page = html.unescape(
        client.post(
            "/merchants/new/",
            {"brand_name": "x" * 500, "slug": "fizz", "country": "IT", "currency": "EUR"},
        ).content.decode()
    )

    assert "Questo valore può avere al massimo 120 caratteri (ne ha 500)." in page
    assert "Assicurati" not in page


def test_a_spanish_consumers_too_long_bank_holder_is_told_without_usted(client):
    client.force_login(
        User.objects.create_user(email="ana@example.com", password="x-long-pass-42", language="es")
    )

    page = html.unescape(
        client.post(
            "/wallet/payouts/bank/",
            {
                "holder_name": "x" * 500,
                "iban": "de89 3704 0044 0532 0130 00",
                "street": "Calle Mayor",
                "building_number": "5",
                "postcode": "28013",
                "town": "Madrid",
                "country": "ES",
            },
        ).content.decode()
    )

    assert "Este valor no puede tener más de 140 caracteres (tiene 500)." in page
    assert "Asegúrese" not in page


@pytest.mark.parametrize(
    ("language", "help_text", "informal"),
    [
        ("it", "La password deve contenere almeno 8 caratteri.", "La tua password"),
        ("es", "La contraseña debe contener al menos 8 caracteres.", "Su contraseña"),
    ],
)
def test_the_password_rules_on_the_sign_up_page_use_no_pronoun(client, language, help_text, informal):
    page = html.unescape(client.get("/accounts/signup/", HTTP_ACCEPT_LANGUAGE=language).content.decode())

    assert help_text in page
    assert informal not in page
