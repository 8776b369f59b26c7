"""A bank-detail change and its safety hold are told in the reader's time zone, its name said:
the person's saved one (else UTC, said so); an owner's, else the merchant's (#23, tester pass 11)."""

from __future__ import annotations

import html
import re
from zoneinfo import ZoneInfo

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import formats, timezone, translation

from payouts import services
from payouts.models import BankAccount
from payouts.tests.conftest import IBAN_DE, NOW, add_bank_account
from tikjoy.tests.factories import owner_of, response_text

pytestmark = pytest.mark.django_db

BERLIN = ZoneInfo("Europe/Berlin")
FR_IBAN = "FR1420041010050500013M02606"


def _in(zone: ZoneInfo, language: str, moment, format_name: str = "DATETIME_FORMAT") -> str:
    with translation.override(language):
        return formats.date_format(moment.astimezone(zone), format_name)


def _person(make_payee, *, language: str, zone: str, email: str):
    person = make_payee("100.00", email=email)
    person.language, person.time_zone = language, zone
    person.save(update_fields=["language", "time_zone"])
    return person


def _page(response) -> str:
    return html.unescape(response_text(response)).replace("\xa0", " ")


def test_the_bank_details_e_mail_gives_the_times_in_the_persons_zone_and_names_it(
    make_payee, django_capture_on_commit_callbacks
):
    ivy = _person(make_payee, language="de", zone="Europe/Berlin", email="ivy@example.com")

    with django_capture_on_commit_callbacks(execute=True):
        add_bank_account(ivy, iban=FR_IBAN, now=NOW)

    body = mail.outbox[-1].body
    assert "am 23. November 2026 um 11:00 Uhr Berlin (Mitteleuropäische Zeit) geändert" in body  # 10:00 UTC
    assert "nach dem 25. November 2026 um 11:00 Uhr Berlin (Mitteleuropäische Zeit) möglich" in body
    assert "UTC" not in body


def test_the_bank_details_e_mail_joins_date_and_time_as_a_french_sentence_does(
    make_payee, django_capture_on_commit_callbacks
):
    # "le 23 novembre 2026 à 11:00", as the German one says "am 23. November 2026 um 11:00 Uhr"
    ivy = _person(make_payee, language="fr", zone="Europe/Paris", email="ivy@example.com")

    with django_capture_on_commit_callbacks(execute=True):
        add_bank_account(ivy, iban=FR_IBAN, now=NOW)

    body = mail.outbox[-1].body.replace("\xa0", " ")
    assert "le 23 novembre 2026 à 11:00 Paris" in body, body
    assert "après le 25 novembre 2026 à 11:00 Paris" in body, body


def test_a_person_without_a_zone_is_told_the_times_in_utc_and_that_they_are(
    make_payee, django_capture_on_commit_callbacks
):
    ben = make_payee("100.00", email="ben@example.com")

    with django_capture_on_commit_callbacks(execute=True):
        add_bank_account(ben, iban=FR_IBAN, now=NOW)

    assert "Payouts to it can start after 25 November 2026, 10:00 UTC." in mail.outbox[-1].body


def test_the_payouts_page_and_its_refusal_give_the_hold_in_the_persons_zone(client, make_payee):
    ivy = _person(make_payee, language="it", zone="Europe/Berlin", email="ivy@example.com")
    account = add_bank_account(ivy, iban=FR_IBAN, now=timezone.now())
    client.force_login(ivy)
    until = account.payouts_hold_until

    page = _page(client.get(reverse("payouts:home")))
    hold = re.search(r'data-testid="bank-hold">([^<]*)<', page).group(1)
    # The zone named, as the refusal below and the e-mail name it, though the page knows it (#23 pass 12).
    assert hold == (
        "Nuovi dati bancari: per la tua sicurezza, i pagamenti possono partire dopo il "
        f"{_in(BERLIN, 'it', until, 'SHORT_DATETIME_FORMAT')} Berlino (Ora dell\u2019Europa centrale)."
    )

    refused = _page(client.post(reverse("payouts:home"), {"amount": "40.00"}))
    assert (
        f"si possono usare dal {_in(BERLIN, 'it', until, 'SHORT_DATETIME_FORMAT')} "
        "Berlino (Ora dell\u2019Europa centrale) (48 ore"
    ) in refused
    assert "UTC" not in hold and "UTC" not in refused


def test_the_bank_details_saved_message_gives_the_hold_in_the_persons_zone(
    client, make_payee, django_capture_on_commit_callbacks
):
    ivy = _person(make_payee, language="en", zone="Europe/Berlin", email="ivy@example.com")
    client.force_login(ivy)
    form = {
        "holder_name": "Ivy Example",
        "iban": FR_IBAN,
        "street": "Hauptstraße",
        "building_number": "5a",
        "postcode": "10115",
        "town": "Berlin",
        "country": "DE",
    }
    with django_capture_on_commit_callbacks(execute=True):
        confirm_url = client.post(reverse("payouts:bank"), form)["Location"]
    code = re.search(r"Your code is (\d{6})", mail.outbox[-1].body).group(1)

    with django_capture_on_commit_callbacks(execute=True):
        page = _page(client.post(confirm_url, {"code": code}, follow=True))

    until = BankAccount.objects.current().get(iban=FR_IBAN).payouts_hold_until
    assert (
        "For your safety, payouts to them can start after "
        f"{_in(BERLIN, 'en', until, 'SHORT_DATETIME_FORMAT')} Berlin (Central European Time)."
    ) in page


def test_each_owner_reads_the_merchants_bank_change_in_their_zone_else_the_merchants(
    make_merchant, add_member, django_capture_on_commit_callbacks
):
    merchant = make_merchant("fizz")
    merchant.language, merchant.time_zone = "en", "America/New_York"
    merchant.save(update_fields=["language", "time_zone"])
    owner = owner_of(merchant)
    partner = add_member(merchant, "partner@fizz.example", role="OWNER")
    partner.language, partner.time_zone = "de", "Europe/Berlin"
    partner.save(update_fields=["language", "time_zone"])
    details = services.bank_details_clean(
        holder_name="Fizz GmbH", street="Hauptstrasse", building_number="1", postcode="10115", town="Berlin",
        country="DE", iban=IBAN_DE,
    )  # fmt: skip
    mail.outbox.clear()

    with django_capture_on_commit_callbacks(execute=True):
        services.bank_account_replace(user=owner, details=details, now=NOW, owner=merchant)

    bodies = {m.to[0]: m.body for m in mail.outbox}
    assert (
        "refund was added on 23 November 2026, 05:00 New York (Eastern Time) by owner@fizz.example"
        in bodies[owner.email]
    )
    assert (
        "A refund to it can be sent after 25 November 2026, 05:00 New York (Eastern Time)."
        in bodies[owner.email]
    )
    assert (
        "am 23. November 2026 um 11:00 Uhr Berlin (Mitteleuropäische Zeit) von"
        in bodies["partner@fizz.example"]
    )
    assert all("UTC" not in body for body in bodies.values())


def test_the_console_says_when_a_refund_can_go_in_the_merchants_zone(
    make_merchant, client, django_capture_on_commit_callbacks
):
    merchant = make_merchant("fizz")
    merchant.time_zone = "America/New_York"
    merchant.save(update_fields=["time_zone"])
    owner = owner_of(merchant)
    client.force_login(owner)
    form = {
        "holder_name": "Fizz GmbH",
        "iban": IBAN_DE,
        "street": "Hauptstr.",
        "building_number": "1",
        "postcode": "10115",
        "town": "Berlin",
        "country": "DE",
    }
    with django_capture_on_commit_callbacks(execute=True):
        confirm_url = client.post(reverse("console:refund_bank"), form)["Location"]
    code = re.search(r"code is (\d{6})", mail.outbox[-1].body).group(1)

    with django_capture_on_commit_callbacks(execute=True):
        page = _page(client.post(confirm_url, {"code": code}, follow=True))

    until = BankAccount.objects.current().get(owner_id=merchant.pk).payouts_hold_until
    new_york = ZoneInfo("America/New_York")
    assert (
        f"A refund to them can be sent from {_in(new_york, 'en', until, 'SHORT_DATETIME_FORMAT')} "
        "New York (Eastern Time)."
    ) in page
