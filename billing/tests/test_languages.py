"""Statements and invoices in the merchant's language; the Factur-X XML the same in every language."""

from __future__ import annotations

import re
from pathlib import Path
from types import SimpleNamespace

import pytest
from django.core import mail
from django.utils import translation
from facturx import get_xml_from_pdf
from moneyed import Money

from accounts.models import User
from billing.months import Month
from billing.selectors import KIND_LABELS, _line_label, kind_label
from billing.services import (
    StatementDoesNotReconcile,
    invoice_draft_for_month,
    invoice_finalise,
    statement_issue,
)
from billing.tests.conftest import clock, margin_confirmed, merchant_new, ops, pdf_text, top_up, user, utc
from billing.validation import schematron_failures, xsd_failures
from merchants.locale import merchant_language
from merchants.models import Membership, Role
from tikjoy.tests.artefacts import ARTEFACTS
from wallets.models import PLATFORM, Purpose
from wallets.services import account_for, post

pytestmark = pytest.mark.django_db

OCT = Month(2026, 10)
AFTER = utc(2026, 11, 1, 3)


def test_the_language_of_a_merchant_s_documents_is_its_saved_one_when_shipped_else_english():
    assert merchant_new("milano", country="IT").language == "en"  # the test helper's choice

    assert merchant_language(SimpleNamespace(language="it")) == "it"
    assert merchant_language(SimpleNamespace(language="pt")) == "en"  # not shipped
    assert merchant_language(SimpleNamespace()) == "en"


def test_a_statement_for_an_italian_merchant_has_italian_labels_and_an_italian_e_mail(
    django_capture_on_commit_callbacks,
):
    merchant = merchant_new("roma", country="IT", language="it")
    top_up(merchant, "100.00", at=utc(2026, 10, 2), ref="ROMA-1")
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        statement, created = statement_issue(merchant=merchant, currency="EUR", month=OCT, now=AFTER)

    assert created
    (ARTEFACTS / "statement-it.pdf").write_bytes(bytes(statement.pdf))  # to look at
    text = pdf_text(statement.pdf)
    for label in (
        "Estratto conto mensile",
        "ottobre 2026",  # Italian writes its months in lower case
        "Saldo iniziale al",
        "Entrate",
        "Uscite",
        "Saldo finale al",
        "Ricariche",
        "Bonifici ricevuti",
        "Pagina 1 di 1",
    ):
        assert label in text, label
    for english in ("Monthly statement", "Opening balance", "Money in", "Top-ups", "Page 1 of"):
        assert english not in text, english
    assert "100,00 EUR" in text  # the amounts in the Italian way
    assert statement.sections[0]["title"] == "Ricariche"  # kept as printed
    [message] = mail.outbox
    assert message.subject == "[TikJoy] Il Suo estratto conto di ottobre 2026 (EUR)"
    assert "Saldo iniziale al 1 ottobre 2026" in text


def test_an_english_merchant_s_statement_is_unchanged():
    merchant = merchant_new("london", country="GB")
    top_up(merchant, "100.00", at=utc(2026, 10, 2), ref="LDN-1")
    statement, _ = statement_issue(merchant=merchant, currency="EUR", month=OCT, now=AFTER)
    text = pdf_text(statement.pdf)
    assert "Monthly statement · October 2026" in text and "Opening balance on 1 October 2026" in text
    assert "100.00 EUR" in text


def test_a_german_invoice_prints_german_labels_and_embeds_the_same_valid_factur_x_xml():
    merchant = merchant_new("berlin", country="DE", vat_number="DE136695976", language="de")
    top_up(merchant, "500.00", at=utc(2026, 9, 1), ref="BER-TOPUP")
    margin_confirmed(merchant, "12.00", at=utc(2026, 10, 10), key="berlin:m1")
    draft = invoice_draft_for_month(merchant=merchant, currency="EUR", month=OCT, now=AFTER)
    invoice = invoice_finalise(invoice_id=draft.pk, actor=None, now=AFTER)

    (ARTEFACTS / "invoice-de.pdf").write_bytes(bytes(invoice.pdf))  # to look at
    text = pdf_text(invoice.pdf)
    for label in (
        "Rechnung INV-2026-000001",
        "Verkäufer",
        "Käufer",
        "Leistungszeitraum",
        "Summen",
        "Zu zahlender Betrag",
        "Seite 1 von 1",
    ):
        assert label in text, label
    assert "Seller" not in text and "Amount due" not in text
    filename, xml = get_xml_from_pdf(bytes(invoice.pdf), check_xsd=False)
    assert filename == "factur-x.xml" and xml == bytes(invoice.xml)
    assert xsd_failures(xml) == [] and schematron_failures(xml) == []
    # The XML speaks the standard's codes and the invoice's own words, never a translated label...
    for german in (b"Rechnung", b"Verk\xc3\xa4ufer", b"Summen"):
        assert german not in xml
    # ... and those words (the line, the VAT note, the payment note) are the merchant's language's,
    # fixed when it was issued, the same in the PDF and in the XML.
    line = "TikJoy-Servicegebühr: Plattformmarge auf im Oktober 2026 bestätigte Prämien (1 Bestätigung)"
    assert invoice.description == line
    assert line.encode() in xml and "Plattformmarge" in text
    assert invoice.vat_note.startswith("Steuerschuldnerschaft") or invoice.vat_note.startswith("USt.")
    assert invoice.vat_note.encode() in xml
    assert b"nichts zu zahlen" in xml
    for english in (b"service fee", b"VAT charged", b"Reverse charge", b"nothing to pay"):
        assert english not in xml, english


def test_a_spanish_reverse_charge_invoice_has_spanish_line_texts_and_passes_en_16931():
    merchant = merchant_new("madrid", country="ES", vat_number="ESA12345674", language="es")
    top_up(merchant, "500.00", at=utc(2026, 9, 1), ref="MAD-TOPUP")
    margin_confirmed(merchant, "12.00", at=utc(2026, 10, 10), key="madrid:m1")
    margin_confirmed(merchant, "3.00", at=utc(2026, 10, 11), key="madrid:m2")
    draft = invoice_draft_for_month(merchant=merchant, currency="EUR", month=OCT, now=AFTER)
    with translation.override("fr"):  # ops finalises it from a French /ops/
        invoice = invoice_finalise(invoice_id=draft.pk, actor=None, now=AFTER)

    xml = bytes(invoice.xml)
    assert xsd_failures(xml) == [] and schematron_failures(xml) == []
    assert "octubre de 2026" in invoice.description and "2 confirmaciones" in invoice.description
    assert invoice.vat_note.startswith("Inversión del sujeto pasivo")  # reverse charge, in Spanish
    assert invoice.vat_note.encode() in xml and b"nada que pagar" in xml
    text = pdf_text(invoice.pdf)
    assert "Inversión del sujeto pasivo" in text
    assert (
        "Tipo de IVA" in text and "tipo de IVA" not in text
    )  # a column heading, capitalised as its neighbours
    assert b"TVA" not in xml and b"rien" not in xml


def test_a_german_statement_with_long_words_and_campaign_lines(django_capture_on_commit_callbacks):
    merchant = merchant_new("hamburg", country="DE", language="de")
    top_up(merchant, "1234.50", at=utc(2026, 10, 2), ref="HH-1")
    margin_confirmed(merchant, "12.00", at=utc(2026, 10, 10), key="hamburg:m1")
    statement, _ = statement_issue(merchant=merchant, currency="EUR", month=OCT, now=AFTER)
    (ARTEFACTS / "statement-de.pdf").write_bytes(bytes(statement.pdf))  # to look at
    text = pdf_text(statement.pdf)
    assert "Monatlicher Kontoauszug · Oktober 2026" in text and "Anfangssaldo am 1. Oktober 2026" in text
    assert "Schlusssaldo am 31. Oktober 2026" in text
    assert "1234,50 EUR" in text and "Seite 1 von 1" in text


def test_a_statements_name_in_the_console_and_ops_is_in_the_readers_language():
    merchant = merchant_new("berlin", country="DE")
    top_up(merchant, "100.00", at=utc(2026, 10, 2), ref="BER-1")
    statement, _ = statement_issue(merchant=merchant, currency="EUR", month=OCT, now=AFTER)

    with translation.override("de"):
        assert str(statement).startswith("Kontoauszug Oktober 2026 EUR · ")
        assert statement.title == "Oktober 2026 · EUR"
    with translation.override("en"):
        assert str(statement).startswith("Statement October 2026 EUR · ")


def test_an_affiliate_programs_movements_are_named_in_the_statements_language():
    with translation.override("de"):
        assert _line_label("AFFILIATE_TRACK", None, None, None) == "Reservierte Affiliate-Provisionen"
        assert _line_label("AFFILIATE_REVERSE", None, None, None).startswith(
            "Stornierte Affiliate-Provisionen"
        )


def test_a_statement_says_when_it_was_issued_in_the_merchants_time_zone():
    merchant = merchant_new("roma2", country="IT", language="en")
    top_up(merchant, "100.00", at=utc(2026, 10, 2), ref="ROMA2-1")
    statement, _ = statement_issue(merchant=merchant, currency="EUR", month=OCT, now=AFTER)  # 03:00 UTC

    text = " ".join(pdf_text(statement.pdf).split())
    assert (
        "Issued 1 November 2026, 04:00, time zone: Rome (Central European Time)" in text
    )  # 03:00 UTC is 04:00 in Rome
    assert "UTC" not in text


def test_each_owner_gets_the_statement_e_mail_in_their_own_language_and_the_pdf_stays_the_merchants(
    django_capture_on_commit_callbacks,
):
    merchant = merchant_new("roma", country="IT", language="it")
    partner = user("partner@roma.example")
    partner.language = "de"
    partner.save(update_fields=["language"])
    Membership.objects.create(merchant=merchant, user=partner, role=Role.OWNER)
    top_up(merchant, "100.00", at=utc(2026, 10, 2), ref="ROMA-1")
    mail.outbox.clear()

    with django_capture_on_commit_callbacks(execute=True):
        statement, _created = statement_issue(merchant=merchant, currency="EUR", month=OCT, now=AFTER)

    subjects = {tuple(m.to): m.subject for m in mail.outbox}
    assert subjects == {
        ("owner@roma.example",): "[TikJoy] Il Suo estratto conto di ottobre 2026 (EUR)",
        ("partner@roma.example",): "[TikJoy] Ihr Kontoauszug für Oktober 2026 (EUR)",
    }
    assert "Estratto conto mensile" in pdf_text(statement.pdf)  # the document in the merchant's language


def test_each_operator_reads_the_statement_not_issued_alert_in_their_own_language(
    django_capture_on_commit_callbacks,
):
    merchant = merchant_new("joy")
    english = ops()
    german = user("betrieb@tikjoy.example", is_staff=True)
    User.objects.filter(pk=german.pk).update(language="de")
    top_up(merchant, "30.00", at=utc(2026, 9, 2), ref="SEPT")
    statement_issue(merchant=merchant, currency="EUR", month=OCT.previous, now=AFTER)
    top_up(merchant, "5.00", at=utc(2026, 9, 29), ref="LATE")  # posted later with a September date
    mail.outbox.clear()

    with pytest.raises(StatementDoesNotReconcile), django_capture_on_commit_callbacks(execute=True):
        statement_issue(merchant=merchant, currency="EUR", month=OCT, now=AFTER)

    alerts = {m.to[0]: m for m in mail.outbox if m.subject.startswith("[TikJoy ops]")}
    assert set(alerts) == {english.email, german.email}
    de, en = alerts[german.email], alerts[english.email]
    assert de.subject == "[TikJoy ops] Kontoauszug 2026-10 EUR von joy nicht ausgestellt"
    assert "geht nicht auf und wurde nicht ausgestellt" in de.body
    assert (
        "Der Kontoauszug für September 2026 schloss mit 30,00\xa0€, das Hauptbuch eröffnet Oktober 2026 aber mit 35,00\xa0€"
        in de.body
    )
    assert "Oktober 2026" in de.body and "does not reconcile" not in de.body
    assert en.subject == "[TikJoy ops] Statement 2026-10 EUR of joy not issued"
    assert (
        "The statement of September 2026 closed at €30.00, but the ledger now opens October 2026 at €35.00"
        in en.body
    )


def _posted_kinds() -> set[str]:
    """Every ledger kind the project's code posts: the ``..._KIND = "..."`` constants and the literal
    ``kind="..."`` of its postings (outside tests and migrations), less the few other models' kinds
    (campaign videos, API keys, invoices, bank files...) the same keyword names."""
    root = Path(__file__).resolve().parents[2]
    constant = re.compile(r'\b[A-Z_]*KIND\s*=\s*\(?\s*"([A-Z][A-Z_]+)"')
    literal = re.compile(r'\bkind="([A-Z][A-Z_]+)"')
    not_ledger = {"VIDEO", "LIVE", "SECRET", "PUBLISHABLE", "PLATFORM", "MERCHANT", "ACTION", "ENGAGEMENT"}
    not_ledger |= {"INVOICE", "CREDIT_NOTE", "COIN_INVOICE", "OPS", "PAIN_002", "CAMT_054", "CAMT_053"}
    kinds: set[str] = set()
    for path in root.glob("*/**/*.py"):
        parts = set(path.relative_to(root).parts)
        if parts & {".venv", "tests", "migrations", "node_modules"} or "bench" in path.name:
            continue
        source = path.read_text(encoding="utf-8")
        kinds |= set(constant.findall(source)) | set(literal.findall(source))
    return kinds - not_ledger


def test_every_ledger_kind_has_words_on_the_statement_in_every_language():
    """QA: the German statement listed "Weitere Bewegungen: Promote coin purchase 1 -9,90 EUR"."""
    kinds = _posted_kinds()
    assert {"TOP_UP", "REWARD", "PROMOTE_COIN_PURCHASE", "AFFILIATE_APPROVE", "BALANCE_FORFEITED"} <= kinds

    assert kinds <= set(KIND_LABELS)
    with translation.override("en"):
        english = {kind: kind_label(kind) for kind in kinds}
    for language in ("de", "fr", "it", "es"):
        with translation.override(language):
            untranslated = {kind for kind in kinds if kind_label(kind) == english[kind]}
        assert not untranslated, language
    with translation.override("de"):
        assert _line_label("PROMOTE_COIN_PURCHASE", None, None, None) == "Promote-Coins gekauft"


def test_a_german_statement_names_a_promote_coin_purchase_in_german():
    merchant = merchant_new("hamburg", country="DE", language="de")
    top_up(merchant, "100.00", at=utc(2026, 10, 2), ref="HH-1")
    with clock(utc(2026, 10, 3)):
        funds = account_for(owner=merchant, purpose=Purpose.MERCHANT_AVAILABLE, currency="EUR")
        bank = account_for(owner=PLATFORM, purpose=Purpose.PLATFORM_BANK, currency="EUR")
        post(
            entries=[(funds, -Money("9.90", "EUR")), (bank, Money("9.90", "EUR"))],
            kind="PROMOTE_COIN_PURCHASE",
            reason="Promote coin purchase 1",
            idempotency_key="hh:coins",
        )

    statement, _ = statement_issue(merchant=merchant, currency="EUR", month=OCT, now=AFTER)

    text = " ".join(pdf_text(statement.pdf).split())
    assert "Promote-Coins gekauft 1 -9,90 EUR" in text
    assert "Promote coin purchase" not in text
