"""Which language an e-mail is in (docs/i18n.md, "Which language an e-mail is in"): the person's
choice, else the language their browser negotiated when they last signed in, else the brand's for
an e-mail about one brand, else English. One rule, ``core.i18n.language_for``."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core import mail

from accounts.models import User
from accounts.services import user_ensure_with_email, user_locale_set
from core.i18n import language_for
from merchants.models import ConsentField
from merchants.services import consent_give
from promote import services as promote_services
from tikjoy.tests.factories import NOW

pytestmark = pytest.mark.django_db

PASSWORD = "a-long-pass-phrase-42"


def _sign_in(client, email: str, **headers) -> User:
    user, _ = user_ensure_with_email(email=email, password=PASSWORD)
    response = client.post("/accounts/login/", {"login": email, "password": PASSWORD}, **headers)
    assert response.status_code == 302
    user.refresh_from_db()
    return user


@pytest.fixture
def italian_brand(make_merchant):
    """Caffè Roma, an Italian brand with 2,000 Promote coins to give as coupons."""
    merchant = make_merchant("caffe", funds="100.00", country="IT", language="it", brand_name="Caffè Roma")
    owner = merchant.memberships.get().user
    promote_services.coins_buy_from_wallet(
        holder=merchant, coins_count=2000, currency="EUR", actor=owner, now=NOW
    )
    return merchant


def _coupon_mail(merchant, user, django_capture_on_commit_callbacks):
    consent_give(user=user, merchant=merchant, fields=[ConsentField.DISPLAY_NAME], now=NOW)
    with django_capture_on_commit_callbacks(execute=True):
        promote_services.coupon_issue(
            code="ROMA300",
            coins_count=300,
            valid_from=NOW - timedelta(hours=1),
            valid_until=NOW + timedelta(days=30),
            user=user,
            merchant=merchant,
            actor=merchant.memberships.get().user,
            now=NOW,
        )
    (sent,) = [m for m in mail.outbox if m.to == [user.email]]
    return sent


def test_signing_in_records_the_browsers_language_without_choosing_it(client):
    user = _sign_in(client, "lena@example.com", HTTP_ACCEPT_LANGUAGE="de-AT,de;q=0.9,en;q=0.5")

    assert user.browser_language == "de"
    assert user.language == ""  # still not chosen: /me/ shows "not chosen"


def test_signing_in_again_with_another_browser_records_that_one_and_keeps_the_choice(client):
    user, _ = user_ensure_with_email(email="lena@example.com", password=PASSWORD)
    user_locale_set(user=user, language="it")

    user = _sign_in(client, "lena@example.com", HTTP_ACCEPT_LANGUAGE="fr-FR")

    assert (user.language, user.browser_language) == ("it", "fr")


def test_a_browser_speaking_nothing_we_ship_records_nothing(client):
    user = _sign_in(client, "joao@example.com", HTTP_ACCEPT_LANGUAGE="pt-BR")

    assert user.browser_language == ""


def test_someone_who_browsed_in_german_gets_a_brands_email_in_german(
    client, italian_brand, django_capture_on_commit_callbacks
):
    user = _sign_in(client, "lena@example.com", HTTP_ACCEPT_LANGUAGE="de-DE")

    sent = _coupon_mail(italian_brand, user, django_capture_on_commit_callbacks)

    assert sent.subject == "Caffè Roma hat dir einen Promote-Gutschein geschenkt"


def test_the_persons_choice_beats_their_browser(client, italian_brand, django_capture_on_commit_callbacks):
    user = _sign_in(client, "lena@example.com", HTTP_ACCEPT_LANGUAGE="de-DE")
    user_locale_set(user=user, language="es")

    sent = _coupon_mail(italian_brand, user, django_capture_on_commit_callbacks)

    assert sent.subject == "Caffè Roma te ha regalado un cupón de Promote"


def test_someone_we_know_nothing_of_gets_a_brands_email_in_the_brands_language(
    make_user, italian_brand, django_capture_on_commit_callbacks
):
    user = make_user("ana@example.com")  # never signed in through a browser, chose nothing

    sent = _coupon_mail(italian_brand, user, django_capture_on_commit_callbacks)

    assert sent.subject == "Caffè Roma ti ha regalato un coupon Promote"


def test_without_choice_browser_or_brand_it_is_english(make_user):
    user = make_user("ana@example.com")

    assert language_for(user) == "en"
    assert language_for(user, brand=None) == "en"
    user.browser_language = "fr"
    assert language_for(user) == "fr"


@pytest.mark.parametrize(
    ("language", "subject", "said", "not_said"),
    [
        (
            "es",
            "Restablecer tu contraseña",
            "Recibes este correo porque tú u otra persona ha pedido restablecer la contraseña de tu cuenta.",
            ["usted", "Haga clic"],
        ),
        (
            "fr",
            "Réinitialisation de votre mot de passe",
            "\u00a0!\n\nVous recevez cet e-mail car vous ou quelqu\u2019un d\u2019autre avez demandé",
            [" !", "c'est"],
        ),
        (
            "it",
            "Reimpostare la tua password",
            "Ricevi questa email perché tu o qualcun altro avete chiesto di reimpostare la password",
            ["Lei"],
        ),
    ],
)
def test_the_sign_in_systems_password_reset_mail_speaks_as_the_sign_in_pages_do(
    client, language, subject, said, not_said
):
    """allauth's own e-mail: Spanish and Italian informal as its pages, French with no-break spaces."""
    user_ensure_with_email(email="reset@example.com", password=PASSWORD)

    client.post("/accounts/password/reset/", {"email": "reset@example.com"}, HTTP_ACCEPT_LANGUAGE=language)

    (sent,) = mail.outbox
    assert subject in sent.subject
    assert said in sent.body
    for words in not_said:
        assert words not in sent.body


def test_the_address_confirmation_mail_in_spanish_says_visit_not_go_away(client):
    client.post(
        "/accounts/signup/",
        {"email": "nueva@example.com", "password1": PASSWORD, "password2": PASSWORD},
        HTTP_ACCEPT_LANGUAGE="es",
    )

    (sent,) = [m for m in mail.outbox if m.to == ["nueva@example.com"]]
    assert "Confirma tu dirección de correo electrónico" in sent.subject
    assert "Para confirmarlo, visita http" in sent.body
    assert "vete a" not in sent.body and "confirme" not in sent.subject
