"""The console's affiliate program page in the merchant's language (what a newcomer tester found, #23):
dates and amounts in the reader's formats, a held commission's reason translated from its code, the
bounty in the reader's number format both ways, the adjustment's inputs named in every language."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from django.conf import settings
from django.utils import translation
from django.utils.html import escape

from affiliates import services
from affiliates.forms import AdjustForm
from affiliates.holds import Hold, HoldCode, hold_text
from affiliates.models import Commission, CommissionState
from affiliates.tests.conftest import NOW, convert, day
from core.i18n import after_colon
from tikjoy.tests.factories import affiliate_click_make, affiliate_make, owner_of

pytestmark = pytest.mark.django_db

LANGUAGES = [code for code, _name in settings.LANGUAGES]


@pytest.fixture
def busy(program):
    """A program with a commission held for a disposable e-mail domain, a locked one and an inquiry."""
    affiliate = affiliate_make(program, email="pia@creator.example")
    locked = convert(program, affiliate_click_make(affiliate), "JOY-1001").commission
    services.commission_lock(commission_id=locked.pk, now=day(16))
    held = convert(
        program, affiliate_click_make(affiliate), "JOY-1006", customer_email="someone@mailinator.com"
    ).commission
    services.inquiry_open(
        affiliate=affiliate,
        order_id="JOY-0999",
        order_date=date(2026, 11, 22),
        amount=Decimal("31.50"),
        message="A follower ordered with my code.",
        now=NOW,
    )
    return program, Commission.objects.get(pk=held.pk)


def _page(client, program, language: str) -> str:
    client.force_login(owner_of(program.merchant))
    return client.get("/console/affiliates/", HTTP_ACCEPT_LANGUAGE=language).content.decode()


def test_the_held_reason_is_recorded_as_a_code_and_kept_in_english_words(busy):
    _program, held = busy
    assert held.state == CommissionState.HELD
    assert (held.hold_code, held.hold_params) == (HoldCode.DISPOSABLE_EMAIL, {"domain": "mailinator.com"})
    assert held.hold_reason == "Disposable e-mail domain (mailinator.com)."  # ops and the export


def test_the_program_page_in_german_writes_dates_amounts_and_the_hold_reason_in_german(client, busy):
    program, _held = busy
    page = _page(client, program, "de")

    assert "Wegwerf-E-Mail-Domain (mailinator.com)." in page
    assert "Disposable e-mail domain" not in page
    assert "ausgezahlt 0,00\xa0€" in page and "EUR" not in page
    assert "<td>40,00\xa0€</td>" in page
    assert "<td>22.11.2026</td>" in page and "2026-11-22" not in page  # tracked, in the merchant's zone
    assert "<td>22.11.2026</td>" in page and "<td>31,50\xa0€</td>" in page  # the inquiry
    assert 'name="bounty" value="40,00"' in page


@pytest.mark.parametrize("language", LANGUAGES)
def test_each_language_shows_the_hold_reason_and_names_the_adjustment_inputs(client, busy, language):
    program, _held = busy
    page = _page(client, program, language)
    with translation.override(language):
        reason = after_colon(hold_text(HoldCode.DISPOSABLE_EMAIL, {"domain": "mailinator.com"}))
        amount_label = str(AdjustForm.base_fields["amount"].widget.attrs["aria-label"])
        reason_label = str(AdjustForm.base_fields["reason"].widget.attrs["aria-label"])
    assert escape(reason) in page
    # The locked commission's row: its two inputs are named (aria-label) and show an example.
    row = page.split('value="adjust">')[1].split("</form>")[0]
    assert f'aria-label="{escape(amount_label)}"' in row
    assert f'aria-label="{escape(reason_label)}"' in row
    assert row.count("placeholder=") == 2
    if language != "en":
        assert "Disposable e-mail domain" not in page
        assert not amount_label.startswith("Adjustment") and reason_label != "Reason for the adjustment"


def test_a_german_merchant_saves_the_bounty_as_they_write_it(client, program):
    client.force_login(owner_of(program.merchant))
    response = client.post(
        "/console/affiliates/",
        {
            "name": program.name,
            "bounty": "10,50",
            "domains": "shop.example",
            "window_days": 30,
            "attribution": program.attribution,
            "terms": "",
            "is_active": "on",
        },
        HTTP_ACCEPT_LANGUAGE="de",
    )
    assert response.status_code == 302
    program.refresh_from_db()
    assert program.bounty == Decimal("10.50")
    page = client.get("/console/affiliates/", HTTP_ACCEPT_LANGUAGE="de").content.decode()
    assert 'name="bounty" value="10,50"' in page


def test_a_german_merchant_adjusts_a_locked_commission_with_a_decimal_comma(client, busy):
    program, _held = busy
    locked = Commission.objects.get(state=CommissionState.LOCKED)
    client.force_login(owner_of(program.merchant))
    client.post(
        f"/console/affiliates/commissions/{locked.pk}/",
        {"action": "adjust", "amount": "2,50", "reason": "Versandkosten"},
        HTTP_ACCEPT_LANGUAGE="de",
    )
    locked.refresh_from_db()
    assert locked.amount == Decimal("42.50")


def test_every_hold_has_its_words_in_every_language():
    holds = [
        Hold(HoldCode.SELF_REFERRAL_EMAIL),
        Hold(HoldCode.SELF_REFERRAL_NETWORK),
        Hold(HoldCode.DISPOSABLE_EMAIL, {"domain": "mailinator.com"}),
        Hold(HoldCode.DUPLICATE_DEVICE),
        Hold(HoldCode.DUPLICATE_ACCOUNT, {"check": "IBAN"}),
        Hold(HoldCode.VELOCITY, {"count": 5}),
        Hold(HoldCode.TAG_UNCONFIRMED),
    ]
    assert {h.code for h in holds} == set(HoldCode.values)
    for hold in holds:
        english = hold.english()
        assert english and "%(" not in english
        for language in LANGUAGES:
            if language == "en":
                continue
            with translation.override(language):
                assert hold.text() != english, (language, hold.code)
    assert Hold(HoldCode.DUPLICATE_ACCOUNT, {"check": "IBAN"}).english() == (
        "Duplicate account: the same bank account (IBAN) as another affiliate of this program."
    )
    with translation.override("de"):
        assert "Bankkonto (IBAN)" in Hold(HoldCode.DUPLICATE_ACCOUNT, {"check": "IBAN"}).text()


def test_the_hold_reasons_of_before_the_codes_are_shown_as_they_were_written(busy):
    _program, held = busy
    Commission.objects.filter(pk=held.pk).update(hold_code="", hold_params={})
    held.refresh_from_db()
    assert held.hold_text == "Disposable e-mail domain (mailinator.com)."


def test_french_puts_a_no_break_space_before_the_colon_after_a_held_state(client, busy):
    program, _held = busy
    page = _page(client, program, "fr")

    with translation.override("fr"):
        state = str(CommissionState.HELD.label)
        reason = hold_text(HoldCode.DISPOSABLE_EMAIL, {"domain": "mailinator.com"})
    assert f"{escape(state)}\xa0: {escape(reason[0].lower() + reason[1:])}" in page
    assert f"{escape(state)}: " not in page
    english = _page(client, program, "en")
    assert "Held for review: Disposable e-mail domain (mailinator.com)." in english


def test_the_program_form_names_the_other_languages_as_each_language_writes_them_in_a_sentence(
    client, program
):
    french = _page(client, program, "fr")
    german = _page(client, program, "de")

    assert "Nom en italien" in french and "Conditions en espagnol" in french
    assert "Nom en Italien" not in french
    assert "Name auf Italienisch" in german
