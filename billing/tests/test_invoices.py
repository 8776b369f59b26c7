"""Service-fee invoices: confirmed margin only, VAT by the buyer's situation, EN 16931 e-invoices, frozen."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django.db import IntegrityError, connection, transaction
from facturx import get_xml_from_pdf
from lxml import etree

from billing.models import DocumentKind, Invoice, InvoiceStatus, VatCategory
from billing.months import Month
from billing.services import BillingError, credit_note_issue, invoice_draft_for_month, invoice_finalise
from billing.tests.conftest import clock, margin_confirmed, merchant_new, ops, pdf_text, top_up, utc
from billing.validation import InvoiceInvalid, invoice_xml_check, schematron_failures, xsd_failures
from merchants.models import Merchant
from wallets.models import PLATFORM, Purpose
from wallets.services import account_for, balance, post

pytestmark = pytest.mark.django_db

OCT = Month(2026, 10)
AFTER = utc(2026, 11, 1, 12)  # October is over in New York too (04:00 UTC)
NS = {"ram": "urn:un:unece:uncefact:data:standard:ReusableAggregateBusinessInformationEntity:100"}


def _merchant_with_margin(
    slug: str, *, country: str, vat_number: str = "", margin: str = "12.00"
) -> Merchant:
    merchant = merchant_new(slug, country=country, vat_number=vat_number)
    top_up(merchant, "500.00", at=utc(2026, 9, 1), ref=f"{slug}-TOPUP")
    margin_confirmed(merchant, margin, at=utc(2026, 10, 10), key=f"{slug}:m1")
    return merchant


def _issue(merchant: Merchant) -> Invoice:
    draft = invoice_draft_for_month(merchant=merchant, currency="EUR", month=OCT, now=AFTER)
    return invoice_finalise(invoice_id=draft.pk, actor=None, now=AFTER)


def _xml_values(xml: bytes, path: str) -> list[str]:
    return [e.text for e in etree.fromstring(xml).iterfind(path, NS)]


def test_a_domestic_buyer_pays_the_operators_vat_and_the_invoice_says_so():
    merchant = _merchant_with_margin("paris", country="FR", margin="12.00")

    invoice = _issue(merchant)

    assert invoice.status == InvoiceStatus.FINALISED
    assert invoice.number == "INV-2026-000001"
    assert (invoice.vat_category, invoice.vat_rate) == (VatCategory.STANDARD, Decimal("20.00"))
    assert (invoice.net_amount, invoice.vat_amount, invoice.gross_amount) == (
        Decimal("10.00"),
        Decimal("2.00"),
        Decimal("12.00"),
    )
    text = pdf_text(invoice.pdf)
    assert "Invoice INV-2026-000001" in text
    assert "Issue date: 1 November 2026 · Supply period: 1 October 2026 to 31 October 2026" in text
    assert "TikJoy SAS (demo)" in text and "VAT number: FR40303265045" in text
    assert "Paris Ltd" in text
    assert "VAT at 20 % 2.00 EUR" in text
    assert "Already paid from your prepaid wallet 12.00 EUR" in text
    assert "Amount due 0.00 EUR" in text
    assert (
        "VAT charged at the FR rate of 20 % because the buyer is established in the seller's country." in text
    )
    assert _xml_values(invoice.xml, ".//ram:ApplicableTradeTax/ram:CategoryCode") == ["S", "S"]


def test_an_eu_business_in_another_member_state_gets_a_reverse_charge_invoice():
    merchant = _merchant_with_margin("berlin", country="DE", vat_number="DE136695976")

    invoice = _issue(merchant)

    assert (invoice.vat_category, invoice.vat_amount, invoice.net_amount) == (
        VatCategory.REVERSE_CHARGE,
        Decimal("0.00"),
        Decimal("12.00"),
    )
    text = pdf_text(invoice.pdf)
    assert "Reverse charge: VAT to be accounted for by the customer" in text
    assert "VAT number: DE136695976" in text
    assert _xml_values(
        invoice.xml, ".//ram:ApplicableHeaderTradeSettlement/ram:ApplicableTradeTax/ram:ExemptionReasonCode"
    ) == ["VATEX-EU-AE"]


def test_the_buyers_address_prints_its_country_once_by_name_in_the_invoices_language():
    """Street lines, postcode and city, then the country: "Germany", not "Germany" and then "DE" (#23)."""
    merchant = _merchant_with_margin("berlin", country="DE", vat_number="DE136695976")
    Merchant.objects.filter(pk=merchant.pk).update(billing_address="Torstrasse 1", billing_city="Berlin")

    text = pdf_text(_issue(merchant).pdf)

    buyer = text[text.index("Berlin Ltd") :]
    assert "Torstrasse 1\n10115 Berlin\nGermany\n" in buyer
    assert buyer.count("Germany") == 1 and "\nDE\n" not in text
    assert "75002 Paris\nFrance\n" in text  # the seller's, likewise


def test_an_eu_buyer_without_a_vat_number_pays_the_operators_vat():
    merchant = _merchant_with_margin("rome", country="IT")

    invoice = _issue(merchant)

    assert invoice.vat_category == VatCategory.STANDARD
    assert "because the buyer gave no EU VAT number" in pdf_text(invoice.pdf)


def test_a_buyer_outside_the_eu_is_not_in_scope_of_eu_vat():
    merchant = _merchant_with_margin("austin", country="US")

    invoice = _issue(merchant)

    assert (invoice.vat_category, invoice.vat_amount) == (VatCategory.NOT_IN_SCOPE, Decimal("0.00"))
    assert "Not subject to EU VAT" in pdf_text(invoice.pdf)
    assert _xml_values(invoice.xml, ".//ram:SpecifiedTaxRegistration/ram:ID") == []  # BR-O-02


@pytest.mark.parametrize(("country", "vat"), [("FR", ""), ("DE", "DE136695976"), ("US", "")])
def test_the_xml_passes_the_xsd_and_the_en16931_schematron(country, vat):
    invoice = _issue(_merchant_with_margin(f"m{country.lower()}", country=country, vat_number=vat))

    assert xsd_failures(bytes(invoice.xml)) == []
    assert [f for f in schematron_failures(bytes(invoice.xml)) if f.flag != "warning"] == []


def test_the_xml_read_back_from_the_pdf_is_byte_identical_to_the_stored_one():
    invoice = _issue(_merchant_with_margin("paris", country="FR"))

    filename, xml = get_xml_from_pdf(bytes(invoice.pdf), check_xsd=True)

    assert filename == "factur-x.xml"
    assert xml == bytes(invoice.xml)


def test_a_broken_invoice_is_refused_with_its_rule_ids_and_uses_no_number():
    broken = _merchant_with_margin("nowhere", country="FR")
    Merchant.objects.filter(pk=broken.pk).update(country="XX", legal_name="")
    draft = invoice_draft_for_month(merchant=broken, currency="EUR", month=OCT, now=AFTER)

    with pytest.raises(InvoiceInvalid) as refused:
        invoice_finalise(invoice_id=draft.pk, actor=None, now=AFTER)

    assert {"BR-07", "FX-SCH-A-000568"} <= set(refused.value.rule_ids)  # no buyer name; country not ISO 3166
    assert "[BR-07] An Invoice shall contain the Buyer name (BT-44)." in str(refused.value)
    draft.refresh_from_db()
    assert (draft.status, draft.number, draft.sequence) == (InvoiceStatus.DRAFT, "", None)
    assert _issue(_merchant_with_margin("paris", country="FR")).number == "INV-2026-000001"


def test_a_schematron_rule_breaks_even_when_the_xsd_passes():
    invoice = _issue(_merchant_with_margin("paris", country="FR"))
    tampered = bytes(invoice.xml).replace(b"<ram:CalculatedAmount>2.00<", b"<ram:CalculatedAmount>7.00<")

    assert xsd_failures(tampered) == []
    with pytest.raises(InvoiceInvalid) as refused:
        invoice_xml_check(tampered)
    assert {"BR-CO-14", "BR-S-09"} & set(refused.value.rule_ids)


def test_only_margin_confirmed_in_the_month_is_billed():
    merchant = _merchant_with_margin("paris", country="FR", margin="3.00")
    paris = ZoneInfo("Europe/Paris")  # the merchant's zone: its months
    margin_confirmed(merchant, "2.00", at=OCT.start_in(paris) - timedelta(minutes=1), key="sept")  # September
    margin_confirmed(merchant, "4.00", at=OCT.end_in(paris), key="nov")  # November
    with clock(utc(2026, 10, 12)):  # margin still reversible: pending revenue, not billed
        funds = account_for(owner=merchant, purpose=Purpose.MERCHANT_AVAILABLE, currency="EUR")
        pending = account_for(
            owner=PLATFORM, purpose=Purpose.PLATFORM_REVENUE_PENDING, currency="EUR", partition=merchant
        )
        from moneyed import Money

        post(
            entries=[(funds, -Money("9.00", "EUR")), (pending, Money("9.00", "EUR"))],
            kind="REWARD",
            reason="r",
            idempotency_key="p",
        )

    invoice = _issue(merchant)

    assert invoice.gross_amount == Decimal("3.00")
    assert invoice.fee_count == 1


def test_no_margin_no_invoice():
    merchant = merchant_new("quiet", country="FR")

    assert invoice_draft_for_month(merchant=merchant, currency="EUR", month=OCT, now=AFTER) is None


def test_a_draft_has_no_number_and_the_database_refuses_a_finalised_invoice_without_one():
    merchant = _merchant_with_margin("paris", country="FR")
    draft = invoice_draft_for_month(merchant=merchant, currency="EUR", month=OCT, now=AFTER)

    assert (draft.status, draft.number, draft.issue_date) == (InvoiceStatus.DRAFT, "", None)
    with pytest.raises(IntegrityError), transaction.atomic():
        Invoice.objects.filter(pk=draft.pk).update(status=InvoiceStatus.FINALISED)


def test_a_finalised_invoice_never_changes_and_no_invoice_is_deleted():
    invoice = _issue(_merchant_with_margin("paris", country="FR"))

    with pytest.raises(IntegrityError, match="never changed"), transaction.atomic():
        Invoice.objects.filter(pk=invoice.pk).update(
            gross_amount=Decimal("1.00"), net_amount=Decimal("1.00"), vat_amount=0
        )
    with (
        connection.cursor() as cursor,
        pytest.raises(IntegrityError, match="never changed"),
        transaction.atomic(),
    ):
        cursor.execute("UPDATE billing_invoice SET buyer = '{}' WHERE id = %s", [invoice.pk])
    with pytest.raises(IntegrityError, match="never deleted"), transaction.atomic():
        Invoice.objects.filter(pk=invoice.pk).delete()
    again = invoice_finalise(invoice_id=invoice.pk, actor=None, now=utc(2026, 12, 5))
    assert (again.number, again.sha256) == (invoice.number, invoice.sha256)


def test_a_credit_note_has_its_own_series_references_the_invoice_and_refunds_the_wallet():
    merchant = _merchant_with_margin("paris", country="FR", margin="12.00")
    invoice = _issue(merchant)
    funds = account_for(owner=merchant, purpose=Purpose.MERCHANT_AVAILABLE, currency="EUR")
    before = balance(funds).amount

    note = credit_note_issue(
        invoice_id=invoice.pk,
        gross_amount=Decimal("6.00"),
        reason="Two rewards were fraud",
        actor=ops(),
        now=utc(2026, 11, 5),
    )

    assert (note.kind, note.number, note.credited_invoice_id) == (
        DocumentKind.CREDIT_NOTE,
        "CN-2026-000001",
        invoice.pk,
    )
    assert (note.net_amount, note.vat_amount) == (Decimal("5.00"), Decimal("1.00"))
    assert balance(funds).amount == before + Decimal("6.00")
    text = pdf_text(note.pdf)
    assert "Credit note CN-2026-000001" in text
    assert "Credits invoice INV-2026-000001 of 1 November 2026. Reason: Two rewards were fraud" in text
    assert "Refunded to your prepaid wallet 6.00 EUR" in text
    assert _xml_values(note.xml, ".//ram:InvoiceReferencedDocument/ram:IssuerAssignedID") == [
        "INV-2026-000001"
    ]
    assert [f for f in schematron_failures(bytes(note.xml)) if f.flag != "warning"] == []
    with pytest.raises(BillingError, match=r"between €0\.01 and €6\.00"):
        credit_note_issue(
            invoice_id=invoice.pk,
            gross_amount=Decimal("6.01"),
            reason="more",
            actor=ops(),
            now=utc(2026, 11, 6),
        )


def test_the_pdf_declares_pdf_a_3b_and_the_factur_x_en16931_profile():
    import io

    from pypdf import PdfReader

    invoice = _issue(_merchant_with_margin("paris", country="FR"))
    reader = PdfReader(io.BytesIO(bytes(invoice.pdf)))
    xmp = reader.xmp_metadata.stream.get_data().decode()
    root = reader.trailer["/Root"]

    assert "<pdfaid:part>3</pdfaid:part>" in xmp and "<pdfaid:conformance>B</pdfaid:conformance>" in xmp
    assert "<fx:ConformanceLevel>EN 16931</fx:ConformanceLevel>" in xmp
    assert "<fx:DocumentFileName>factur-x.xml</fx:DocumentFileName>" in xmp
    assert [spec.get_object()["/F"] for spec in root["/AF"]] == ["factur-x.xml"]
    assert root["/AF"][0].get_object()["/AFRelationship"] in ("/Data", "/Alternative")
    assert "/OutputIntents" in root  # the sRGB output intent PDF/A requires


def test_the_engine_s_confirmed_margin_is_billed_and_its_pending_margin_is_not():
    from datetime import timedelta

    from billing.tests.test_statements import _campaign, _login_reward
    from rewards.models import RewardStatus
    from rewards.services import reward_settle

    merchant = merchant_new("engine", country="FR")
    top_up(merchant, "100.00", at=utc(2026, 9, 20), ref="ENGINE-1")
    campaign = _campaign(merchant, at=utc(2026, 10, 1))
    confirmed = _login_reward(merchant, campaign, at=utc(2026, 10, 2), fan="Early")
    still_pending = _login_reward(merchant, campaign, at=utc(2026, 10, 25), fan="Late")
    settle_at = confirmed.available_at + timedelta(hours=1)
    with clock(settle_at):
        reward_settle(reward_id=confirmed.pk, now=settle_at)
    confirmed.refresh_from_db()
    assert confirmed.status == RewardStatus.CONFIRMED and settle_at < OCT.end
    assert still_pending.margin > 0

    invoice = _issue(merchant)

    assert invoice.gross_amount == confirmed.margin
    assert invoice.fee_count == 1


def test_affiliate_commission_fees_are_a_line_of_their_own_not_reward_confirmations():
    merchant = _merchant_with_margin("paris", country="FR", margin="0.60")  # 1 reward confirmed
    margin_confirmed(merchant, "0.60", at=utc(2026, 10, 11), key="paris:m2")  # 2 rewards confirmed
    for n in (1, 2):  # two commissions of its affiliate program approved: the margin on each
        margin_confirmed(merchant, "2.00", at=utc(2026, 10, 12), key=f"paris:a{n}", kind="AFFILIATE_APPROVE")

    invoice = _issue(merchant)

    assert (invoice.gross_amount, invoice.net_amount, invoice.fee_count) == (
        Decimal("5.20"),
        Decimal("4.33"),
        4,
    )  # the totals count every movement, as before
    assert invoice.lines == [
        (
            "TikJoy service fee: platform margin on rewards confirmed in October 2026 (2 confirmations)",
            Decimal("1.00"),
        ),
        (
            "TikJoy service fee: platform margin on affiliate commissions approved in October 2026 (2 commissions)",
            Decimal("3.33"),
        ),
    ]
    text = " ".join(pdf_text(invoice.pdf).split())  # the line as printed, wrapped in its cell
    assert "(2 confirmations)" in text and "(4 confirmations)" not in text
    assert "affiliate commissions approved in October 2026 (2 commissions)" in text
    names = _xml_values(
        invoice.xml, ".//ram:IncludedSupplyChainTradeLineItem//ram:SpecifiedTradeProduct/ram:Name"
    )
    assert names == [description for description, _net in invoice.lines]
    assert _xml_values(invoice.xml, ".//ram:IncludedSupplyChainTradeLineItem//ram:LineTotalAmount") == [
        "1.00",
        "3.33",
    ]
    assert _xml_values(
        invoice.xml, ".//ram:SpecifiedTradeSettlementHeaderMonetarySummation/ram:LineTotalAmount"
    ) == ["4.33"]
    assert xsd_failures(bytes(invoice.xml)) == []
    assert [f for f in schematron_failures(bytes(invoice.xml)) if f.flag != "warning"] == []
