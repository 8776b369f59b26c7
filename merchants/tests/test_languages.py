"""The console in the person's language: labels, navigation, panels and messages; no raw placeholders."""

from __future__ import annotations

import re

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone, translation

from accounts.models import User
from merchants import services
from merchants.models import Invitation
from merchants.roles import Role
from merchants.tests.conftest import owner_of

pytestmark = pytest.mark.django_db

PLACEHOLDER = re.compile(r"%\(\w+\)[sd]|\{\{|\{%")


def test_the_console_dashboard_in_german_shows_german_labels_and_no_raw_placeholder(client, make_merchant):
    merchant = make_merchant("fizz", funds="100.00")
    client.force_login(owner_of(merchant))

    page = client.get(reverse("console:index"), HTTP_ACCEPT_LANGUAGE="de").content.decode()

    for german in (
        "Übersicht",
        "Guthaben",
        "Kontaktpunkte",
        "Guthaben aufladen",
        "Händler wechseln",
        "Alle Seiten",
        "Ihre Rolle: Inhaber",
        "TikJoy-Konsole",
    ):
        assert german in page, german
    for english in ("Add funds", "Switch merchant", "All pages", "You are Owner"):
        assert english not in page, english
    assert not PLACEHOLDER.search(page)


def test_the_console_in_italian_for_the_wallet_and_the_team(client, make_merchant, add_member):
    merchant = make_merchant("fizz", funds="100.00")
    client.force_login(owner_of(merchant))

    wallet = client.get(reverse("console:wallet"), HTTP_ACCEPT_LANGUAGE="it").content.decode()
    assert "Esporta cronologia (CSV)" in wallet and "Bonifico ricevuto" in wallet and "Saldo" in wallet
    assert "Bank transfer received" not in wallet and not PLACEHOLDER.search(wallet)

    team = client.get(reverse("console:merchants_membership_changelist"), HTTP_ACCEPT_LANGUAGE="it")
    text = team.content.decode()
    assert "Titolare" in text and "membro del team" in text  # the role and the model's name
    assert not PLACEHOLDER.search(text)


def test_a_refusal_is_in_the_person_s_language(client, make_merchant):
    merchant = make_merchant("fizz")
    client.force_login(owner_of(merchant))
    with (
        translation.override("fr"),
        pytest.raises(services.LastOwner, match="Le dernier propriétaire ne peut pas être retiré"),
    ):
        services.membership_remove(membership=merchant.memberships.get(), actor=owner_of(merchant))


def test_the_english_console_is_unchanged(client, make_merchant):
    merchant = make_merchant("fizz", funds="100.00")
    client.force_login(owner_of(merchant))
    page = client.get(reverse("console:index")).content.decode()
    assert "You are Owner" in page and "Add funds" in page and "Dashboard" in page


def test_an_invitation_e_mail_is_written_in_the_merchant_s_language(
    make_merchant, django_capture_on_commit_callbacks
):
    merchant = make_merchant("fizz", language="es")
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        services.invitation_create(
            merchant=merchant,
            actor=owner_of(merchant),
            email="new@fizz.example",
            role=Role.MANAGER,
            now=timezone.now(),
        )
    [message] = mail.outbox
    assert message.subject == "[TikJoy] Únase a Fizz en TikJoy"
    assert "como Gestor" in message.body and "El enlace es válido durante" in message.body
    assert Invitation.objects.filter(email="new@fizz.example").exists()


def test_an_invitation_to_an_account_that_saved_italian_is_in_italian_not_the_merchant_s_german(
    make_merchant, make_user, django_capture_on_commit_callbacks
):
    merchant = make_merchant("joy", brand_name="Joy Coffee", language="de")
    giulia = make_user("giulia@bar.example")
    User.objects.filter(pk=giulia.pk).update(language="it")
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        services.invitation_create(
            merchant=merchant,
            actor=owner_of(merchant),
            email="Giulia@Bar.example",
            role=Role.MANAGER,
            now=timezone.now(),
        )
    [message] = mail.outbox
    assert message.subject == "[TikJoy] Si unisca a Joy Coffee su TikJoy"
    assert "Accetti accedendo" in message.body
    assert "Treten Sie" not in message.subject and "Sie" not in message.body


def test_an_invitation_to_an_account_without_a_saved_language_is_in_the_merchant_s(
    make_merchant, make_user, django_capture_on_commit_callbacks
):
    merchant = make_merchant("joy", brand_name="Joy Coffee", language="de")
    make_user("max@bar.example")  # an account that chose no language
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        services.invitation_create(
            merchant=merchant,
            actor=owner_of(merchant),
            email="max@bar.example",
            role=Role.MANAGER,
            now=timezone.now(),
        )
    [message] = mail.outbox
    assert message.subject == "[TikJoy] Treten Sie Joy Coffee auf TikJoy bei"


def test_the_brand_page_touchpoint_keeps_its_default_name_in_the_reader_s_language(client, make_merchant):
    merchant = make_merchant("fizz")
    client.force_login(owner_of(merchant))
    url = reverse("console:merchants_touchpoint_changelist")

    german = client.get(url, HTTP_ACCEPT_LANGUAGE="de").content.decode()
    assert "TikJoy-Markenseite" in german and "TikJoy brand page" not in german
    assert "Kontaktpunkte" in german  # the menu and the page's title
    french = client.get(url, HTTP_ACCEPT_LANGUAGE="fr").content.decode()
    assert "Page de marque TikJoy" in french and "TikJoy brand page" not in french

    touchpoint = merchant.touchpoints.get()
    with translation.override("es"):
        assert str(touchpoint) == "Página de marca en TikJoy"  # named once, not "X (X)"
    touchpoint.name = "Schaufenster"  # a name the merchant chose stays as written
    touchpoint.save()
    assert "Schaufenster" in client.get(url, HTTP_ACCEPT_LANGUAGE="fr").content.decode()
    with translation.override("es"):
        assert str(touchpoint) == "Schaufenster (Página de marca en TikJoy)"


def test_the_console_menu_names_the_prepaid_wallet_in_the_merchant_s_words(client, make_merchant):
    merchant = make_merchant("fizz", funds="100.00")
    client.force_login(owner_of(merchant))

    spanish = client.get(reverse("console:wallet"), HTTP_ACCEPT_LANGUAGE="es").content.decode()
    assert "Monedero de prepago" in spanish
    german = client.get(reverse("console:wallet"), HTTP_ACCEPT_LANGUAGE="de").content.decode()
    assert "Guthaben" in german and ">Wallet<" not in german
