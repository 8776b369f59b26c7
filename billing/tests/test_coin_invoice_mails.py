"""Who a coin invoice's e-mail is written to, and how (#23): what the e-mail is about decides. A
person's own coin purchase (their Promote page) is a consumer e-mail, informal (du / tu / tú), even
when that person also owns a merchant; a merchant's purchase (the console) is a merchant e-mail to
its owners, formal (Sie / Lei / usted)."""

from __future__ import annotations

import pytest
from django.core import mail

from accounts.services import user_locale_set
from billing.services import coin_invoices_issue_due
from promote import services as promote
from promote.tests.conftest import fund
from tikjoy.tests.factories import NOW

pytestmark = pytest.mark.django_db

LATER = NOW.replace(hour=13)


@pytest.fixture
def owner_of_a_german_brand(make_merchant):
    """Lena, owner of Kaffee (German, 100.00 EUR prepaid), who speaks German herself."""
    merchant = make_merchant("kaffee", funds="100.00", language="de")
    lena = merchant.memberships.get().user
    user_locale_set(user=lena, language="de")
    return merchant, lena


def _issued_mails(django_capture_on_commit_callbacks):
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        assert coin_invoices_issue_due(now=LATER) == 1
    return mail.outbox


def test_a_merchant_owners_own_coin_purchase_is_a_consumer_email(
    owner_of_a_german_brand, django_capture_on_commit_callbacks
):
    _merchant, lena = owner_of_a_german_brand
    fund(lena, "20.00")
    promote.coins_buy_from_wallet(holder=lena, coins_count=1000, currency="EUR", actor=lena, now=NOW)

    (sent,) = _issued_mails(django_capture_on_commit_callbacks)

    assert sent.to == [lena.email]
    assert sent.subject == "[TikJoy] Deine Rechnung INV-2026-000001 für Promote-Coins"
    assert "Lade sie auf deiner Promote-Seite herunter" in sent.body


def test_a_merchants_coin_purchase_in_the_console_is_a_formal_merchant_email(
    owner_of_a_german_brand, django_capture_on_commit_callbacks
):
    merchant, lena = owner_of_a_german_brand
    promote.coins_buy_from_wallet(holder=merchant, coins_count=2000, currency="EUR", actor=lena, now=NOW)

    (sent,) = _issued_mails(django_capture_on_commit_callbacks)

    assert sent.to == [lena.email]
    assert sent.subject == "[TikJoy] Ihre Rechnung INV-2026-000001 für Promote-Coins"
    assert sent.body.startswith("Die TikJoy-Rechnung INV-2026-000001 für Promote-Coins (19,80")
    assert "liegt in der Konsole (Rechnungen)" in sent.body
    for informal in ("Deine", "deine", "dein ", "Lade"):
        assert informal not in sent.subject + sent.body, informal


@pytest.mark.parametrize(
    ("language", "subject"),
    [
        ("it", "[TikJoy] La Sua fattura INV-2026-000001 per le monete Promote"),
        ("es", "[TikJoy] Su factura INV-2026-000001 de monedas de Promote"),
    ],
)
def test_a_merchants_coin_invoice_subject_is_formal_in_italian_and_spanish(
    make_merchant, django_capture_on_commit_callbacks, language, subject
):
    merchant = make_merchant("caffe", funds="100.00", language=language)
    owner = merchant.memberships.get().user
    promote.coins_buy_from_wallet(holder=merchant, coins_count=2000, currency="EUR", actor=owner, now=NOW)

    (sent,) = _issued_mails(django_capture_on_commit_callbacks)

    assert sent.subject == subject
