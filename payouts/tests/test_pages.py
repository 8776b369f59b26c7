"""The person's pages: bank details with a one-time code (e-mail or WhatsApp), identity, requests, reasons."""

from __future__ import annotations

import html
import json
import re
from datetime import timedelta
from decimal import Decimal

import pytest
from django.core import mail
from django.utils import timezone, translation
from moneyed import Money

from accounts.models import User
from payouts import sandbox_bank, services
from payouts.models import BankAccount, BankDetailsChallenge, PayeeIdentity, PayoutState
from payouts.tests.conftest import (
    IBAN_DE,
    add_bank_account,
    assert_ledger_clean,
    available,
    eur,
    fund,
    verify_identity,
)
from wallets.formats import money_text
from wallets.models import PLATFORM, Purpose
from wallets.services import account_for, transfer

pytestmark = pytest.mark.django_db

BANK_FORM = {
    "holder_name": "Zoë O'Brien & Co",
    "iban": "de89 3704 0044 0532 0130 00",
    "street": "Hauptstraße",
    "building_number": "5a",
    "postcode": "10115",
    "town": "Berlin",
    "country": "DE",
}


def text(response) -> str:
    return response.content.decode().replace("\xa0", " ")


def _code_from_mail() -> str:
    return re.search(r"Your code is (\d{6})", mail.outbox[-1].body).group(1)


@pytest.fixture
def person(client, db):
    user = User.objects.create_user(email="zoe@example.com", password="a-long-pass-phrase-42")
    client.force_login(user)
    return user


def test_bank_details_need_the_code_sent_by_email_and_start_a_hold(
    client, person, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/wallet/payouts/bank/", BANK_FORM)
    assert response.status_code == 302
    assert not BankAccount.objects.exists()
    assert mail.outbox[-1].to == ["zoe@example.com"]
    code = _code_from_mail()

    wrong = client.post(response["Location"], {"code": "000000" if code != "000000" else "111111"})
    assert "That code is not right. 4 attempts left." in wrong.content.decode()

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(response["Location"], {"code": code})
    assert response.status_code == 302
    account = BankAccount.objects.get()
    assert account.iban == "DE89370400440532013000"
    assert account.bic == "COBADEFFXXX"
    assert account.sepa_eea
    assert account.payouts_hold_until > timezone.now() + timedelta(hours=47)
    assert "were added" in mail.outbox[-1].subject
    page = text(client.get("/wallet/payouts/"))
    assert "DE89 •••• 3000" in page
    assert "payouts can start after" in page


def test_a_second_code_for_the_same_details_says_they_were_already_saved_and_keeps_the_hold(
    client, person, django_capture_on_commit_callbacks
):
    """Walk finding: the form sent twice (two codes), both confirmed: the second said "Bank details
    saved" again, retired the first row for a copy of it, started the 48-hour hold again and
    e-mailed "your bank details were changed"."""
    codes = []
    for _ in range(2):
        with django_capture_on_commit_callbacks(execute=True):
            confirm = client.post("/wallet/payouts/bank/", BANK_FORM)["Location"]
        codes.append((confirm, _code_from_mail()))
    with django_capture_on_commit_callbacks(execute=True):
        assert "Bank details saved" in text(client.post(codes[0][0], {"code": codes[0][1]}, follow=True))
    first = BankAccount.objects.get()
    mails = len(mail.outbox)

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(codes[1][0], {"code": codes[1][1]}, follow=True)

    page = text(response)
    assert (
        "These bank details were already saved: DE89 •••• 3000. Nothing changed: payouts to them can still start after"
        in page
    )
    assert "Bank details saved" not in page
    assert list(BankAccount.objects.values_list("pk", "payouts_hold_until", "retired_at")) == [
        (first.pk, first.payouts_hold_until, None)
    ]
    assert len(mail.outbox) == mails  # no "your bank details were changed"
    assert BankDetailsChallenge.objects.filter(used_at__isnull=True).count() == 0  # the code is used up


def test_the_same_details_typed_again_after_the_hold_send_no_code_and_say_so_in_german(
    client, person, django_capture_on_commit_callbacks
):
    """Walk finding: the saved details typed again sent a code (an e-mail "someone asked to pay your
    balance to the account ending 3000") and only the code said "already saved"."""
    services.bank_account_replace(
        user=person,
        details=services.bank_details_clean(**BANK_FORM),
        now=timezone.now() - timedelta(hours=49),
    )
    saved = BankAccount.objects.get()
    mails = len(mail.outbox)

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/wallet/payouts/bank/", BANK_FORM, HTTP_ACCEPT_LANGUAGE="de")

    assert response.status_code == 200  # the form again, with why nothing was sent
    page = text(response)
    assert "Diese Bankdaten waren bereits gespeichert: DE89 •••• 3000. Es hat sich nichts geändert." in page
    assert len(mail.outbox) == mails
    assert not BankDetailsChallenge.objects.exists()
    assert list(BankAccount.objects.values_list("pk", "payouts_hold_until", "retired_at")) == [
        (saved.pk, saved.payouts_hold_until, None)
    ]
    assert 'data-testid="bank-hold"' not in text(client.get("/wallet/payouts/"))  # payouts can go out now


def test_the_same_details_typed_again_during_the_hold_send_no_code_and_keep_the_hold(
    client, person, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        confirm = client.post("/wallet/payouts/bank/", BANK_FORM)["Location"]
    with django_capture_on_commit_callbacks(execute=True):
        client.post(confirm, {"code": _code_from_mail()})
    saved = BankAccount.objects.get()
    mails, codes = len(mail.outbox), BankDetailsChallenge.objects.count()

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/wallet/payouts/bank/", {**BANK_FORM, "iban": "DE89370400440532013000"})

    page = text(response)
    assert (
        "These bank details were already saved: DE89 •••• 3000. Nothing changed: payouts to them can still start after"
        in page
    )
    assert (len(mail.outbox), BankDetailsChallenge.objects.count()) == (mails, codes)
    assert list(BankAccount.objects.values_list("pk", "payouts_hold_until")) == [
        (saved.pk, saved.payouts_hold_until)
    ]


def test_other_details_than_the_saved_ones_still_need_a_code(
    client, person, django_capture_on_commit_callbacks
):
    services.bank_account_replace(
        user=person,
        details=services.bank_details_clean(**BANK_FORM),
        now=timezone.now() - timedelta(hours=49),
    )

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/wallet/payouts/bank/", {**BANK_FORM, "town": "Potsdam"})

    assert response.status_code == 302
    assert "Your code is" in mail.outbox[-1].body


def test_a_code_pasted_with_a_space_is_read_whole_and_a_short_one_costs_no_attempt(
    client, person, django_capture_on_commit_callbacks
):
    """Walk finding: the box held six characters, so a pasted "627 548" became "627 54", a wrong code
    that used up an attempt."""
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/wallet/payouts/bank/", BANK_FORM)
    confirm = response["Location"]
    code = _code_from_mail()

    page = client.get(confirm).content.decode()
    short = client.post(confirm, {"code": "627 54"})
    with django_capture_on_commit_callbacks(execute=True):
        pasted = client.post(confirm, {"code": f"{code[:3]} {code[3:]}"})

    assert 'maxlength="16"' in page and 'autocomplete="one-time-code"' in page
    assert (
        "The code has 6 digits." in short.content.decode() and "attempts left" not in short.content.decode()
    )
    assert pasted.status_code == 302 and BankAccount.objects.get().iban == "DE89370400440532013000"


def test_changing_the_iban_tells_the_contact_on_file(client, person, django_capture_on_commit_callbacks):
    for iban in (IBAN_DE, "FR1420041010050500013M02606"):
        with django_capture_on_commit_callbacks(execute=True):
            response = client.post("/wallet/payouts/bank/", {**BANK_FORM, "iban": iban})
        with django_capture_on_commit_callbacks(execute=True):
            client.post(response["Location"], {"code": _code_from_mail()})
    assert BankAccount.objects.current().get().iban.startswith("FR")
    notice = mail.outbox[-1]
    assert notice.to == ["zoe@example.com"]
    assert "were changed" in notice.subject
    assert "previous account was DE89 •••• 3000" in notice.body


def test_a_german_speaking_person_gets_the_bank_details_changed_notice_in_german(
    client, person, django_capture_on_commit_callbacks
):
    """Walkthrough: the security notice of a changed IBAN came in English whatever the person's language."""
    person.language = "de"
    person.save(update_fields=["language"])
    for iban in (IBAN_DE, "FR1420041010050500013M02606"):
        with django_capture_on_commit_callbacks(execute=True):
            response = client.post("/wallet/payouts/bank/", {**BANK_FORM, "iban": iban})
        code = re.search(r"(\d{6})", mail.outbox[-1].body).group(1)
        with django_capture_on_commit_callbacks(execute=True):
            client.post(response["Location"], {"code": code})

    notice = mail.outbox[-1]
    assert notice.subject == "[TikJoy] Deine Bankdaten wurden geändert"
    assert "Das vorherige Konto war DE89 •••• 3000." in notice.body
    for english in ("bank account", "payouts", "If this wasn't you"):
        assert english not in notice.body


def test_a_person_without_a_saved_language_gets_the_notice_in_the_language_of_their_page(
    client, person, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/wallet/payouts/bank/", BANK_FORM, HTTP_ACCEPT_LANGUAGE="fr-FR,fr;q=0.9")
    code = re.search(r"(\d{6})", mail.outbox[-1].body).group(1)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(response["Location"], {"code": code}, HTTP_ACCEPT_LANGUAGE="fr-FR,fr;q=0.9")

    assert mail.outbox[-1].subject == "[TikJoy] Vos coordonnées bancaires ont été ajoutées"


def test_a_whatsapp_only_person_gets_the_code_on_whatsapp(client, db, httpserver, settings):
    settings.WHATSAPP_API_BASE_URL = httpserver.url_for("/v21.0").rstrip("/")
    settings.WHATSAPP_PHONE_NUMBER_ID = "1055"
    httpserver.expect_request("/v21.0/1055/messages", method="POST").respond_with_json(
        {
            "messaging_product": "whatsapp",
            "contacts": [{"wa_id": "491701234567"}],
            "messages": [{"id": "wamid.1"}],
        }
    )
    user = User.objects.create_user(phone="+491701234567", phone_verified=True)
    client.force_login(user)

    response = client.post("/wallet/payouts/bank/", BANK_FORM)

    sent = json.loads(httpserver.log[-1][0].get_data())
    assert sent["to"] == "491701234567"
    code = sent["template"]["components"][0]["parameters"][0]["text"]
    client.post(response["Location"], {"code": code})
    assert BankAccount.objects.get().user == user


def test_the_bank_details_code_goes_in_the_language_of_the_page_like_the_sign_in_code(
    client, db, httpserver, settings
):
    # The tester's Italian page sent the sign-in code "(it)" but the bank details' code "(en_US)".
    settings.WHATSAPP_API_BASE_URL = httpserver.url_for("/v21.0").rstrip("/")
    settings.WHATSAPP_PHONE_NUMBER_ID = "1055"
    httpserver.expect_request("/v21.0/1055/messages", method="POST").respond_with_json(
        {"messaging_product": "whatsapp", "contacts": [{"wa_id": "1"}], "messages": [{"id": "wamid.1"}]}
    )
    client.force_login(User.objects.create_user(phone="+393471234567", phone_verified=True))

    client.post("/wallet/payouts/bank/", BANK_FORM, HTTP_ACCEPT_LANGUAGE="it-IT,it;q=0.9")

    assert json.loads(httpserver.log[-1][0].get_data())["template"]["language"] == {"code": "it"}


@pytest.mark.parametrize(
    ("iban", "message"),
    [
        ("DE89370400440532013001", "This IBAN is not valid"),
        ("US12345678901234567890", "the code of a country that uses IBANs"),  # the US is known, without IBANs
        ("BR1800360305000010009795493C1", "outside it"),
    ],
)
def test_a_wrong_or_unreachable_iban_is_refused_with_a_reason(client, person, iban, message):
    response = client.post("/wallet/payouts/bank/", {**BANK_FORM, "iban": iban})
    assert response.status_code == 200
    assert message in text(response)


@pytest.mark.parametrize(
    "pasted",
    [
        "DE89-3704-0044-0532-0130-00",  # dashes
        "DE89.3704.0044.0532.0130.00",  # dots
        "DE89\u00a03704\u00a00044\u00a00532\u00a00130\u00a000",  # no-break spaces
        "DE89\u202f3704\u202f0044\u202f0532\u202f0130\u202f00",  # narrow no-break spaces
        "DE89\u200b3704\u200b0044\u200b0532\u200b0130\u200b00",  # zero-width spaces
        "DE89\u200c3704\u200c0044\u200c0532\u200c0130\u200c00",  # zero-width non-joiners
        "DE89\u200d3704\u200d0044\u200d0532\u200d0130\u200d00",  # zero-width joiners
        "\ufeffde89 3704 0044 0532 0130 00\ufeff",  # byte order marks, lower case
        "\u200bDE89 - 3704 - 0044 - 0532 - 0130 - 00.\u00a0",  # a PDF's mix
    ],
)
def test_an_iban_pasted_with_separators_from_a_bank_app_or_pdf_is_accepted(client, person, pasted):
    """Walkthrough: "DE89-3704-..." or an IBAN copied from a PDF (no-break or zero-width spaces) was refused."""
    response = client.post("/wallet/payouts/bank/", {**BANK_FORM, "iban": pasted})

    assert response.status_code == 302, text(response)
    page = text(client.get(response["Location"]))
    assert "It confirms the account ending 3000 for" in page
    assert BankDetailsChallenge.objects.get().details["iban"] == "DE89370400440532013000"


def test_an_iban_with_other_characters_is_still_refused_with_a_reason(client, person):
    response = client.post("/wallet/payouts/bank/", {**BANK_FORM, "iban": "DE89/3704/0044/0532/0130/00"})

    assert response.status_code == 200
    assert "it contains characters an IBAN can't have" in html.unescape(text(response))
    assert not BankDetailsChallenge.objects.exists()


@pytest.mark.parametrize(
    ("iban", "reason"),
    [
        ("1e9", "tiene caracteres que un IBAN no puede tener"),
        ("XX89370400440532013000", "no empieza por el código de un país que usa IBAN"),
        ("DE8937040044053201300", "tiene demasiados o demasiado pocos caracteres"),
        ("DE89370400440532013001", "los dígitos de control no coinciden"),
    ],
)
def test_a_refused_iban_says_why_in_the_persons_language_never_the_librarys_english(
    client, person, iban, reason
):
    person.language = "es"
    person.save(update_fields=["language"])

    page = text(client.post("/wallet/payouts/bank/", {**BANK_FORM, "iban": iban}))

    assert "Este IBAN no es válido: " in page
    assert reason in page
    for english in ("Invalid", "Unknown country", "checksum", "IBAN 1E9"):
        assert english not in page


def test_the_person_requests_and_sees_state_name_and_arrival(client, person, ops):
    fund(person, "35.00")
    verify_identity(person, ops)
    services.bank_account_replace(
        user=person,
        details=services.bank_details_clean(**BANK_FORM),
        now=timezone.now() - timedelta(hours=49),
    )
    response = client.post("/wallet/payouts/", {"amount": "5.00"})
    assert "The smallest payout is €10.00." in text(response)

    response = client.post("/wallet/payouts/", {"amount": "0", "whole": "on"}, follow=True)
    page = text(response)
    assert "Your payout of €35.00 is requested" in page
    assert "Zoe O&#x27;Brien + Co" in page  # the exact, EPC-safe name sent to the bank
    assert "business days after we send it" in page
    assert available(person) == eur("0.00")


def _ready_to_pay(person, ops, amount: str) -> None:
    fund(person, amount)
    verify_identity(person, ops)
    services.bank_account_replace(
        user=person,
        details=services.bank_details_clean(**BANK_FORM),
        now=timezone.now() - timedelta(hours=49),
    )


def test_a_stale_tabs_pay_out_everything_says_the_balance_changed_and_pays_nothing(client, person, ops):
    _ready_to_pay(person, ops, "16.00")
    person.language = "fr"
    person.save(update_fields=["language"])
    tab = text(client.get("/wallet/payouts/"))
    assert "Tout verser (16,00 €)" in tab
    button = {"amount": "16.00", "whole": "on", "shown_available": "16.00"}
    client.post("/wallet/payouts/", button)  # the first tab

    response = client.post("/wallet/payouts/", button)  # the second tab's identical button

    assert (
        "Votre solde a changé : rien n\u2019a été demandé. Disponible maintenant : 0,00 €."
        in html.unescape(text(response))
    )
    assert person.payouts.count() == 1
    assert available(person) == eur("0.00")


def test_a_pay_out_everything_button_showing_less_than_is_now_available_pays_nothing(client, person, ops):
    _ready_to_pay(person, ops, "30.00")

    response = client.post("/wallet/payouts/", {"amount": "16.00", "whole": "on", "shown_available": "16.00"})

    assert "Your balance changed: nothing was requested. Available now: €30.00." in text(response)
    assert available(person) == eur("30.00")


def test_the_bank_account_is_named_truthfully_before_anything_is_paid(client, person, ops):
    _ready_to_pay(person, ops, "16.00")
    expected = {
        "en": "To account DE89 •••• 3000",
        "de": "Auf Konto DE89 •••• 3000",
        "fr": "Vers le compte DE89 •••• 3000",
        "it": "Sul conto DE89 •••• 3000",
        "es": "A la cuenta DE89 •••• 3000",
    }
    for language, words in expected.items():
        person.language = language
        person.save(update_fields=["language"])

        page = re.sub(r"<[^>]+>", "", text(client.get("/wallet/payouts/")))

        assert words in page
        for paid in ("Paid to", "Ausgezahlt auf", "Versé sur", "Pagamento su", "Se paga a"):
            assert paid not in page


def test_a_returned_payout_shows_its_reason_and_the_money_is_back(client, person, ops, ops2):
    fund(person, "35.00")
    verify_identity(person, ops)
    services.bank_account_replace(
        user=person,
        details=services.bank_details_clean(**BANK_FORM),
        now=timezone.now() - timedelta(hours=49),
    )
    now = timezone.now()
    payout = services.payout_request(user=person, amount=eur("20.00"), now=now)
    services.payout_approve(payout_id=payout.pk, actor=ops, now=now)
    batch = services.batch_build(actor=ops, now=now)
    services.batch_release(batch_id=batch.pk, actor=ops2, now=now)
    camt = sandbox_bank.camt054_answer(
        batch=batch,
        payouts=[payout],
        answer=sandbox_bank.BankAnswer(give_back={payout.end_to_end_id: "AC04"}),
        now=now,
    )
    services.bank_file_import(raw=camt, name="camt.xml", actor=ops, now=now)

    page = text(client.get("/wallet/payouts/"))
    assert "Returned" in page
    assert "Your bank says this account is closed." in page
    assert "(AC04)" in page
    assert 'data-testid="bank-blocked"' in page
    # Every request would be refused until new details are given: none is offered.
    assert "Pay out this amount" not in page and "Pay out everything" not in page
    assert available(person) == eur("35.00")
    wallet = text(client.get("/wallet/"))
    assert "/wallet/payouts/" in wallet
    assert_ledger_clean()


def test_cancel_from_the_page(client, person, ops):
    fund(person, "35.00")
    verify_identity(person, ops)
    services.bank_account_replace(
        user=person,
        details=services.bank_details_clean(**BANK_FORM),
        now=timezone.now() - timedelta(hours=49),
    )
    payout = services.payout_request(user=person, amount=eur("20.00"), now=timezone.now())
    response = client.post(f"/wallet/payouts/{payout.pk}/cancel/", follow=True)
    assert "Payout cancelled: €20.00 is back in your wallet." in text(response)
    payout.refresh_from_db()
    assert payout.state == PayoutState.CANCELLED


def _requested_payout(person, ops):
    fund(person, "35.00")
    verify_identity(person, ops)
    services.bank_account_replace(
        user=person,
        details=services.bank_details_clean(**BANK_FORM),
        now=timezone.now() - timedelta(hours=49),
    )
    return services.payout_request(user=person, amount=eur("20.00"), now=timezone.now())


def test_cancelling_again_from_a_second_tab_says_it_was_cancelled_not_sent_to_the_bank(client, person, ops):
    person.language = "it"
    person.save(update_fields=["language"])
    payout = _requested_payout(person, ops)
    client.post(f"/wallet/payouts/{payout.pk}/cancel/")  # the first tab

    page = text(client.post(f"/wallet/payouts/{payout.pk}/cancel/", follow=True))  # the second tab

    assert "Questo pagamento è già stato annullato: i soldi sono di nuovo nel tuo saldo." in page
    assert "già partito verso la banca" not in page
    assert available(person) == eur("35.00")


@pytest.mark.parametrize(
    ("close", "refusal"),
    [
        (
            lambda payout, ops: services.payout_reject(
                payout_id=payout.pk, actor=ops, reason="The name does not match.", now=timezone.now()
            ),
            "This payout was rejected: the money is back in your balance.",
        ),
        (
            lambda payout, ops: (
                services.payout_approve(payout_id=payout.pk, actor=ops, now=timezone.now())
                and services.batch_build(actor=ops, now=timezone.now())
            ),
            "This payout is already on its way to the bank and can't be cancelled.",
        ),
    ],
)
def test_a_payout_that_cannot_be_cancelled_says_what_became_of_it(client, person, ops, close, refusal):
    payout = _requested_payout(person, ops)
    close(payout, ops)

    page = html.unescape(text(client.post(f"/wallet/payouts/{payout.pk}/cancel/", follow=True)))

    assert refusal in page
    assert "Payout cancelled" not in page


def test_someone_else_cannot_cancel_my_payout(client, person, ops, make_payee):
    other = make_payee("30.00")
    from payouts.tests.conftest import LATER

    payout = services.payout_request(user=other, amount=eur("20.00"), now=LATER)
    response = client.post(f"/wallet/payouts/{payout.pk}/cancel/", follow=True)
    assert "This payout is not yours." in text(response)
    payout.refresh_from_db()
    assert payout.state == PayoutState.REQUESTED


def test_identity_form_and_ops_asking_for_more(client, person, ops):
    response = client.post(
        "/wallet/payouts/identity/",
        {
            "legal_name": "Zoë O'Brien",
            "date_of_birth": "1990-01-31",
            "street": "Hauptstraße",
            "building_number": "5",
            "postcode": "10115",
            "town": "Berlin",
            "country": "DE",
        },
    )
    assert response.status_code == 302
    identity = person.payee_identity
    services.identity_review(
        identity=identity, actor=ops, verified=False, reason="Your name is cut off.", now=timezone.now()
    )
    page = text(client.get("/wallet/payouts/"))
    assert "We need more from you: Your name is cut off." in page


def test_below_the_minimum_the_page_says_so_instead_of_offering_a_payout_that_would_be_refused(
    client, person, ops
):
    fund(person, "1.20")
    verify_identity(person, ops)
    services.bank_account_replace(
        user=person,
        details=services.bank_details_clean(**BANK_FORM),
        now=timezone.now() - timedelta(hours=49),
    )

    page = text(client.get("/wallet/payouts/"))

    assert "you can ask for one once that much is available" in page
    assert "Pay out everything" not in page


def test_the_payouts_page_writes_amounts_the_german_and_spanish_way(client, person, ops):
    fund(person, "1234.50")
    verify_identity(person, ops)

    german = text(client.get("/wallet/payouts/", HTTP_ACCEPT_LANGUAGE="de"))
    spanish = text(client.get("/wallet/payouts/", HTTP_ACCEPT_LANGUAGE="es"))

    assert 'data-figure="payout-available">1.234,50 €<' in german
    assert "Alles auszahlen (1.234,50 €)" in german
    assert "10,00 €" in german and "€10.00" not in german and "€10.00" not in german
    assert (
        'data-figure="payout-available">1234,50 €<' in spanish
        or 'data-figure="payout-available">1.234,50 €<' in spanish
    )


def _fund_dollars(user, amount: str) -> None:
    transfer(
        source=account_for(owner=PLATFORM, purpose=Purpose.PLATFORM_BANK, currency="USD"),
        destination=account_for(owner=user, purpose=Purpose.USER_AVAILABLE, currency="USD"),
        amount=Money(Decimal(amount), "USD"),
        kind="TEST_FUNDING",
        reason="test funds",
        idempotency_key=f"test-fund-usd:{user.pk}",
    )


@pytest.mark.parametrize(
    ("language", "words"),
    [
        ("en", "Only euro can be paid out to your bank (by SEPA transfer): {dollars} can't be."),
        ("de", "Auf dein Bankkonto kann nur Euro ausgezahlt werden (per SEPA-Überweisung): {dollars} nicht."),
        (
            "fr",
            "Seuls les euros peuvent être versés sur votre compte bancaire (par virement SEPA) : {dollars} non.",
        ),
        ("it", "Sul tuo conto bancario si possono trasferire solo euro (con bonifico SEPA): {dollars} no."),
        (
            "es",
            "A tu cuenta bancaria solo se pueden transferir euros (por transferencia SEPA): {dollars} no.",
        ),
    ],
)
def test_dollars_available_are_said_not_to_be_paid_out_as_the_wallet_says(
    client, person, ops, language, words
):
    """The payouts page showed the euro "Available to pay out" and nothing of the person's dollars;
    the wallet's schedule says the same sentence of dollars coming (``not_payable_text``)."""
    fund(person, "20.00")
    _fund_dollars(person, "5.00")
    verify_identity(person, ops)

    page = text(client.get("/wallet/payouts/", HTTP_ACCEPT_LANGUAGE=language))

    with translation.override(language):
        dollars = money_text(Money(Decimal("5.00"), "USD")).replace("\xa0", " ")
    assert html.unescape(page).count(words.format(dollars=dollars)) == 1


def test_a_person_with_euro_only_reads_nothing_of_other_currencies(client, person, ops):
    fund(person, "20.00")

    assert 'data-testid="not-payable"' not in text(client.get("/wallet/payouts/"))


def test_a_tiktok_only_person_is_shown_where_to_add_an_email_and_then_gets_the_code(
    client, make_consumer, django_capture_on_commit_callbacks
):
    # Signed in with TikTok: no e-mail, no WhatsApp. The code has nowhere to go yet.
    tia = make_consumer("Tia")
    client.force_login(tia)
    page = text(client.get("/wallet/payouts/bank/"))
    assert 'data-testid="no-code-channel"' in page
    assert 'href="/accounts/email/?next=/wallet/payouts/bank/" data-testid="add-email"' in page
    assert 'href="/me/#whatsapp-heading" data-testid="add-whatsapp"' in page
    refused = text(client.post("/wallet/payouts/bank/", BANK_FORM))
    assert "We need a way to send you a code first" in refused and 'data-testid="add-email"' in refused

    # The link: add an address, confirm it from the e-mail it receives.
    assert client.get("/accounts/email/").status_code == 200
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/accounts/email/", {"email": "tia@example.com", "action_add": ""})
    assert response.status_code == 302
    confirm_url = re.search(r"https?://[^/\s]+(/accounts/confirm-email/\S+)", mail.outbox[-1].body).group(1)
    assert client.get(confirm_url).status_code == 200
    with django_capture_on_commit_callbacks(execute=True):
        client.post(confirm_url)
    tia.refresh_from_db()
    assert tia.email == "tia@example.com"

    # Back on the bank details page: no warning, and the code arrives at the new address.
    assert 'data-testid="no-code-channel"' not in text(client.get("/wallet/payouts/bank/"))
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/wallet/payouts/bank/", BANK_FORM)
    assert response.status_code == 302 and mail.outbox[-1].to == ["tia@example.com"]
    with django_capture_on_commit_callbacks(execute=True):
        assert client.post(response["Location"], {"code": _code_from_mail()}).status_code == 302
    assert BankAccount.objects.current().get(user=tia).iban == "DE89370400440532013000"


def _add_and_confirm_email(client, email_page: str, django_capture_on_commit_callbacks):
    """Add an address on ``email_page`` as a browser does (the add form's action), then confirm it from
    the link it receives (the confirmation page's form): where the confirmation sends the person."""
    page = client.get(email_page).content.decode()
    action = html.unescape(
        re.search(r'<form[^>]*action="([^"]*)"[^>]*>(?:(?!</form>).)*name="action_add"', page, re.S).group(1)
    )
    with django_capture_on_commit_callbacks(execute=True):
        client.post(action, {"email": "tia@example.com", "action_add": ""})
    link = re.search(r"https?://[^/\s]+(/accounts/confirm-email/\S+)", mail.outbox[-1].body).group(1)
    confirm_page = client.get(link).content.decode()
    form = re.search(
        r'<form[^>]*action="(/accounts/confirm-email/[^"]*)"[^>]*>(.*?)</form>', confirm_page, re.S
    )
    hidden = dict(re.findall(r'<input[^>]*name="(next)"[^>]*value="([^"]*)"', form.group(2)))
    with django_capture_on_commit_callbacks(execute=True):
        return client.post(html.unescape(form.group(1)), {k: html.unescape(v) for k, v in hidden.items()})


def test_an_email_added_from_the_bank_details_page_brings_the_person_back_there_once_confirmed(
    client, make_consumer, django_capture_on_commit_callbacks
):
    """Walk finding: the bank details page needs an address for its code; confirming the one added
    from there landed on /wallet/, away from the form the person was filling in."""
    tia = make_consumer("Tia")
    client.force_login(tia)
    link = re.search(
        r'href="([^"]*)" data-testid="add-email"', client.get("/wallet/payouts/bank/").content.decode()
    )

    confirmed = _add_and_confirm_email(
        client, html.unescape(link.group(1)), django_capture_on_commit_callbacks
    )

    assert confirmed.status_code == 302 and confirmed["Location"] == "/wallet/payouts/bank/"
    assert 'data-testid="no-code-channel"' not in text(client.get(confirmed["Location"]))


@pytest.mark.parametrize("elsewhere", ["https://evil.example/", "//evil.example/wallet/payouts/bank/"])
def test_an_email_confirmation_never_sends_the_person_off_the_site(
    client, make_consumer, django_capture_on_commit_callbacks, elsewhere
):
    client.force_login(make_consumer("Tia"))

    confirmed = _add_and_confirm_email(
        client, f"/accounts/email/?next={elsewhere}", django_capture_on_commit_callbacks
    )

    assert confirmed.status_code == 302 and confirmed["Location"] == "/wallet/"  # as with no next at all


def test_the_identity_page_writes_the_tax_id_threshold_as_money_in_the_readers_language(client, person):
    assert "Needed once your payouts pass €2,000.00 in a year." in text(
        client.get("/wallet/payouts/identity/")
    )
    User.objects.filter(pk=person.pk).update(language="de")
    assert "2.000,00 €" in text(client.get("/wallet/payouts/identity/"))


def _ready(person, ops, funds: str) -> None:
    fund(person, funds)
    verify_identity(person, ops)  # no tax id
    services.bank_account_replace(
        user=person,
        details=services.bank_details_clean(**BANK_FORM),
        now=timezone.now() - timedelta(hours=49),
    )


def test_an_amount_above_the_balance_says_so_in_german_and_never_asks_for_a_tax_id(client, person, ops):
    _ready(person, ops, "16.00")

    for typed in ("100", "5000", "1.000.000.000", "1000000000"):
        page = text(client.post("/wallet/payouts/", {"amount": typed}, HTTP_ACCEPT_LANGUAGE="de"))
        assert "Das ist mehr als dein verfügbares Guthaben." in page, typed
        assert "Steuer-ID" not in page, typed
    assert available(person) == eur("16.00")


def test_the_amount_is_typed_with_the_languages_decimal_comma(client, person, ops):
    _ready(person, ops, "16.00")

    page = text(client.get("/wallet/payouts/", HTTP_ACCEPT_LANGUAGE="de"))
    field = re.search(r"<input[^>]*name=\"amount\"[^>]*>", page).group(0)
    assert 'type="text"' in field and 'inputmode="decimal"' in field and 'value="16,00"' in field

    response = client.post("/wallet/payouts/", {"amount": "10,50"}, HTTP_ACCEPT_LANGUAGE="de", follow=True)

    assert "Deine Auszahlung über 10,50 € ist beantragt" in text(response)
    assert available(person) == eur("5.50")
    assert_ledger_clean()


@pytest.mark.parametrize(
    ("language", "typed", "message"),
    [
        ("de", "1e9", "Erwartet wird ein Betrag wie 25,50"),
        ("de", "-5", "Der Betrag muss über null liegen."),
        ("de", "10,505", "Erwartet wird ein Betrag wie 25,50"),
        ("en", "1.000", "Enter an amount such as 25.50"),
        ("fr", "12,3,4", "Saisissez un montant comme 25,50"),
    ],
)
def test_junk_amounts_are_refused_with_an_example_in_the_readers_language(
    client, person, ops, language, typed, message
):
    _ready(person, ops, "16.00")

    page = text(client.post("/wallet/payouts/", {"amount": typed}, HTTP_ACCEPT_LANGUAGE=language))

    assert message in page
    assert available(person) == eur("16.00")


def test_amounts_are_read_as_each_language_writes_them():
    from decimal import Decimal

    from django.utils import translation

    from wallets.forms import amount_parse

    cases = {
        "de": {"10,50": "10.50", "10.50": "10.50", "1.234,56": "1234.56", "7": "7.0", "1.000": "1000.0"},
        "fr": {"10,5": "10.5", "1 234,56": "1234.56", "1\u202f234,56": "1234.56"},
        "en": {"10.50": "10.50", "1,234.56": "1234.56", "10,50": "10.50"},
        "es": {"10,50": "10.50", "1.234,56": "1234.56"},
    }
    for language, readings in cases.items():
        with translation.override(language):
            for typed, amount in readings.items():
                assert amount_parse(typed) == Decimal(amount), (language, typed)
    with translation.override("en"):
        for junk in ("1e9", "1.000", "1,000.5.0", "--1", "Infinity", "NaN", "", "12,3456"):
            assert amount_parse(junk) is None, junk


@pytest.mark.parametrize(
    ("language", "expected"),
    [
        ("en", "Enter an amount above zero: the smallest payout is €10.00."),
        ("de", "Gib einen Betrag über null ein: Die kleinste Auszahlung beträgt 10,00 €."),
    ],
)
def test_a_zero_amount_is_refused_as_too_small_in_the_visitors_number_format(
    client, person, language, expected
):
    fund(person, "35.00")

    response = client.post("/wallet/payouts/", {"amount": "0"}, HTTP_ACCEPT_LANGUAGE=language)

    page = text(response)
    assert response.status_code == 200
    assert expected in page
    assert "25.50" not in page and "euro and cents" not in page
    assert available(person) == eur("35.00")


@pytest.mark.parametrize(
    ("language", "expected"),
    [("en", "The amount must be above zero."), ("de", "Der Betrag muss über null liegen.")],
)
def test_a_negative_amount_is_told_it_must_be_above_zero(client, person, language, expected):
    fund(person, "35.00")

    page = text(client.post("/wallet/payouts/", {"amount": "-1"}, HTTP_ACCEPT_LANGUAGE=language))

    assert expected in page
    assert available(person) == eur("35.00")


IDENTITY_FORM = {
    "legal_name": "Zoë O'Brien",
    "street": "Via Roma",
    "building_number": "5",
    "postcode": "00184",
    "town": "Roma",
    "country": "IT",
}


@pytest.mark.parametrize("born", ["2090-01-01", "1850-01-01"])
def test_a_birth_date_that_cannot_be_real_is_refused_as_such_not_as_too_young(client, person, born):
    page = text(
        client.post(
            "/wallet/payouts/identity/", {**IDENTITY_FORM, "date_of_birth": born}, HTTP_ACCEPT_LANGUAGE="it"
        )
    )

    assert "Inserisci la tua vera data di nascita." in page
    assert "almeno 18 anni" not in page
    assert not hasattr(User.objects.get(pk=person.pk), "payee_identity")


def test_someone_under_18_is_told_the_age_for_payouts(client, person):
    born = timezone.localdate().replace(month=1, day=1, year=timezone.localdate().year - 17)
    page = text(
        client.post(
            "/wallet/payouts/identity/",
            {**IDENTITY_FORM, "date_of_birth": born.isoformat()},
            HTTP_ACCEPT_LANGUAGE="it",
        )
    )

    assert "I pagamenti sono per persone di almeno 18 anni." in page


@pytest.mark.parametrize(
    ("language", "typed", "message"),
    [
        (
            "de",
            "99999999999999999999999",
            "Das ist mehr als dein verfügbares Guthaben.",
        ),
        (
            "en",
            "1,000,000,000,000,000",
            "That is more than your available balance.",
        ),
    ],
)
def test_a_well_formed_amount_too_large_for_anything_is_told_it_is_above_the_balance_not_malformed(
    client, person, ops, language, typed, message
):
    _ready(person, ops, "16.00")

    page = text(client.post("/wallet/payouts/", {"amount": typed}, HTTP_ACCEPT_LANGUAGE=language))

    assert message in page
    assert "25,50" not in page and "25.50" not in page
    assert "999.999.999.999,99" not in page and "999,999,999,999.99" not in page  # not the form's limit
    assert available(person) == eur("16.00")


def test_the_bank_details_countries_are_in_german_alphabetical_order(client, person):
    page = text(client.get("/wallet/payouts/bank/", HTTP_ACCEPT_LANGUAGE="de"))

    select = page[page.index('name="country"') :]
    names = re.findall(r'<option value="[A-Z]{2}"[^>]*>([^<]+)</option>', select[: select.index("</select>")])
    assert names.index("Dänemark") < names.index("Deutschland")
    assert names.index("Norwegen") < names.index("Österreich") < names.index("Polen")
    assert names[0] == "Albanien"


def test_the_code_page_names_the_account_holder_so_french_reads_right_before_a_vowel(
    client, person, django_capture_on_commit_callbacks
):
    """ "au nom de Ivy Consumer" lacked its elision (#23): the holder follows a label instead."""
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            "/wallet/payouts/bank/", {**BANK_FORM, "holder_name": "Ivy Consumer"}, HTTP_ACCEPT_LANGUAGE="fr"
        )

    page = text(client.get(response["Location"], HTTP_ACCEPT_LANGUAGE="fr"))

    assert "Il confirme le compte se terminant par 3000, titulaire : Ivy Consumer." in page
    assert "de Ivy" not in page


def test_the_german_hold_note_says_nach_dem_before_its_date(client, person):
    """ "erst nach 02.12.2026 um 11:48 Uhr" read wrong; the e-mail says "nach dem 2. Dezember" (#23)."""
    add_bank_account(person, now=timezone.now())

    page = html.unescape(text(client.get("/wallet/payouts/", HTTP_ACCEPT_LANGUAGE="de")))

    note = re.search(r'data-testid="bank-hold">(.*?)</p>', page, re.S).group(1)
    assert re.search(r"Auszahlungen erst nach dem \d{2}\.\d{2}\.\d{4} ", note), note


@pytest.mark.parametrize("typed", ["", "junk", "-3"])
def test_pay_out_everything_ignores_the_amount_box(client, person, ops, typed):
    _ready_to_pay(person, ops, "16.00")

    response = client.post(
        "/wallet/payouts/", {"amount": typed, "whole": "on", "shown_available": "16.00"}, follow=True
    )

    page = text(response)
    assert "Your payout of €16.00 is requested" in page
    assert "This field is required" not in page and "Enter an amount such as" not in page
    assert available(person) == eur("0.00")


def test_pay_out_this_amount_still_needs_an_amount(client, person, ops):
    _ready_to_pay(person, ops, "16.00")

    page = text(client.post("/wallet/payouts/", {"amount": "", "shown_available": "16.00"}))

    assert "This field is required" in page
    assert available(person) == eur("16.00")


def test_pay_out_everything_losing_a_race_says_the_balance_changed(client, person, ops, monkeypatch):
    # Two "Pay out everything" clicks at once: both pages read 16.00, the other request takes it
    # between this one's read and its lock on the balance.
    _ready_to_pay(person, ops, "16.00")
    request = services.payout_request

    def the_other_click_first(**kwargs):
        request(user=person, amount=eur("16.00"), now=kwargs["now"])
        return request(**kwargs)

    monkeypatch.setattr(services, "payout_request", the_other_click_first)

    response = client.post("/wallet/payouts/", {"amount": "", "whole": "on", "shown_available": "16.00"})

    page = text(response)
    assert "Your balance changed: nothing was requested. Available now: €0.00." in page
    assert "more than your available balance" not in page
    assert person.payouts.count() == 1


def _identity_post(client, **changes):
    values = {
        "legal_name": "Ana Dances",
        "date_of_birth": "1995-04-02",
        "street": "Hauptstrasse",
        "building_number": "5",
        "postcode": "10115",
        "town": "Berlin",
        "country": "DE",
        "tax_id": "",
        **changes,
    }
    return text(client.post("/wallet/payouts/identity/", values, follow=True))


def test_saving_a_verified_identity_unchanged_keeps_it_verified(client, person, ops):
    verify_identity(person, ops)
    assert "Status of your details: <strong>Verified</strong>." in text(
        client.get("/wallet/payouts/identity/")
    )

    page = _identity_post(client)

    assert "Your details are unchanged and already verified: nothing to do." in page
    assert "before your first payout" not in page
    person.payee_identity.refresh_from_db()
    assert person.payee_identity.status == "VERIFIED"


def test_changed_identity_after_payouts_is_checked_before_the_next_one(client, person, ops):
    _ready_to_pay(person, ops, "16.00")
    services.payout_request(user=person, amount=eur("16.00"), now=timezone.now())

    page = _identity_post(client, town="Potsdam", postcode="14467")

    assert "Thank you. We check your new details before your next payout." in page
    assert "first payout" not in page
    person.payee_identity.refresh_from_db()
    assert person.payee_identity.status == "SUBMITTED"
    assert "Status of your details: <strong>Waiting for our check</strong>." in text(
        client.get("/wallet/payouts/identity/")
    )


@pytest.mark.parametrize("path", ["/wallet/payouts/bank/", "/wallet/payouts/identity/"])
@pytest.mark.parametrize(
    ("accept_language", "country"), [("es-ES,es;q=0.9", "ES"), ("it", "IT"), ("fr-FR", "FR")]
)
def test_a_new_address_starts_in_the_persons_own_country_not_germany(
    client, person, path, accept_language, country
):
    """A Spanish visitor's bank details and identity forms offered Alemania as the address's country: a
    Madrid address sent unchanged was recorded as German."""
    page = text(client.get(path, HTTP_ACCEPT_LANGUAGE=accept_language))

    assert re.search(rf'<option value="{country}"[^>]* selected>', page)
    assert not re.search(r'<option value="DE"[^>]* selected>', page)


def test_an_address_already_given_keeps_its_country_whatever_the_browser_says(client, person):
    services.bank_account_replace(
        user=person,
        details=services.bank_details_clean(
            holder_name="Zoe", street="Hauptstrasse", building_number="1", postcode="10115", town="Berlin",
            country="DE", iban="DE89370400440532013000",
        ),
        now=timezone.now(),
    )  # fmt: skip

    page = text(client.get("/wallet/payouts/bank/", HTTP_ACCEPT_LANGUAGE="es-ES"))

    assert re.search(r'<option value="DE"[^>]* selected>', page)


def test_a_postcode_that_is_no_postcode_is_refused_beside_its_box_and_no_code_is_sent(client, person):
    """An emoji or a script tag was saved as the account holder's postcode, then written into the bank's
    SEPA file. It is refused where it is typed; nothing is saved and no code is sent."""
    page = text(client.post("/wallet/payouts/bank/", {**BANK_FORM, "postcode": "🏠🏠"}))

    assert "Enter the postcode as the post writes it: 2 to 10 letters, digits, spaces or hyphens" in page
    assert not mail.outbox
    german = text(
        client.post("/wallet/payouts/bank/", {**BANK_FORM, "postcode": "<b>1</b>"}, HTTP_ACCEPT_LANGUAGE="de")
    )
    assert "Die Postleitzahl so eingeben, wie die Post sie schreibt" in german
    identity = _identity_post(client, postcode="10119 ☕")
    assert "Enter the postcode as the post writes it" in identity
    assert not BankAccount.objects.exists() and not mail.outbox
    assert not PayeeIdentity.objects.filter(user=person).exists()


def test_a_postcode_typed_in_lower_case_is_kept_as_the_post_writes_it(client, person, ops):
    _identity_post(client, postcode=" sw1a   1aa ", country="GB")

    person.payee_identity.refresh_from_db()
    assert person.payee_identity.postcode == "SW1A 1AA"
