"""The EN 16931 CII XML of an invoice or credit note (Factur-X EN 16931 profile), built with drafthorse."""

from __future__ import annotations

from decimal import Decimal

from django.utils.translation import gettext
from drafthorse.models.accounting import ApplicableTradeTax
from drafthorse.models.document import Document
from drafthorse.models.note import IncludedNote
from drafthorse.models.party import TaxRegistration
from drafthorse.models.payment import PaymentTerms
from drafthorse.models.tradelines import LineItem

from billing.models import DocumentKind, Invoice, VatCategory

EN16931_GUIDELINE = "urn:cen.eu:en16931:2017"
TYPE_CODES = {
    DocumentKind.INVOICE: "380",
    DocumentKind.COIN_INVOICE: "380",
    DocumentKind.CREDIT_NOTE: "381",
}  # UNTDID 1001
EXEMPTION_CODES = {VatCategory.REVERSE_CHARGE: "VATEX-EU-AE", VatCategory.NOT_IN_SCOPE: "VATEX-EU-O"}
# ISO 6523 scheme of the seller's legal registration id, where one is known (0002: French SIREN).
REGISTRATION_SCHEMES = {"FR": "0002"}


def _party(party, details: dict, *, with_vat_id: bool) -> None:
    party.name = details["legal_name"]
    if details.get("registration_id"):
        scheme = REGISTRATION_SCHEMES.get(details["country"])
        party.legal_organization.id = (
            (scheme, details["registration_id"]) if scheme else details["registration_id"]
        )
    address = party.address
    lines = [line.strip() for line in (details.get("address") or "").splitlines() if line.strip()]
    if lines:
        address.line_one = lines[0]
    if len(lines) > 1:
        address.line_two = ", ".join(lines[1:])
    if details.get("postcode"):
        address.postcode = details["postcode"]
    if details.get("city"):
        address.city_name = details["city"]
    address.country_id = details["country"]
    if details.get("email"):
        party.electronic_address.uri_ID = ("EM", details["email"])
    if with_vat_id and details.get("vat_id"):
        party.tax_registrations.add(TaxRegistration(id=("VA", details["vat_id"])))


def invoice_xml(invoice: Invoice) -> bytes:
    """The CII XML of a numbered invoice (``number`` and ``issue_date`` must be set)."""
    doc = Document()
    doc.context.guideline_parameter.id = EN16931_GUIDELINE
    doc.header.id = invoice.number
    doc.header.type_code = TYPE_CODES[invoice.kind]
    doc.header.issue_date_time = invoice.issue_date
    doc.header.notes.add(IncludedNote(content=invoice.vat_note))
    doc.header.notes.add(IncludedNote(content=paid_note(invoice)))
    if invoice.kind == DocumentKind.CREDIT_NOTE:
        doc.header.notes.add(
            IncludedNote(
                content=gettext("Credit note for invoice %(number)s: %(reason)s")
                % {"number": invoice.credited_invoice.number, "reason": invoice.reason}
            )
        )

    # BR-O-02: a supply not subject to VAT carries no VAT identifiers.
    with_vat_ids = invoice.vat_category != VatCategory.NOT_IN_SCOPE
    agreement = doc.trade.agreement
    if invoice.buyer.get("reference"):
        agreement.buyer_reference = invoice.buyer["reference"]
    _party(agreement.seller, invoice.seller, with_vat_id=with_vat_ids)
    _party(agreement.buyer, invoice.buyer, with_vat_id=with_vat_ids)
    doc.trade.delivery.event.occurrence = invoice.period_end

    settlement = doc.trade.settlement
    settlement.currency_code = invoice.currency
    settlement.period.start = invoice.period_start
    settlement.period.end = invoice.period_end
    if invoice.kind == DocumentKind.CREDIT_NOTE:
        original = invoice.credited_invoice
        settlement.invoice_referenced_document.issuer_assigned_id = original.number
        settlement.invoice_referenced_document.issue_date_time = original.issue_date

    for number, (description, net) in enumerate(invoice.lines, start=1):
        line = LineItem()
        line.document.line_id = str(number)
        line.product.name = description
        line.agreement.net.amount = net
        line.delivery.billed_quantity = (Decimal("1"), "C62")  # C62: one (unit)
        line.settlement.trade_tax.type_code = "VAT"
        line.settlement.trade_tax.category_code = invoice.vat_category
        if invoice.vat_category != VatCategory.NOT_IN_SCOPE:  # BR-O-05, BR-O-06: no rate when not in scope
            line.settlement.trade_tax.rate_applicable_percent = invoice.vat_rate
        line.settlement.period.start = invoice.period_start
        line.settlement.period.end = invoice.period_end
        line.settlement.monetary_summation.total_amount = net
        doc.trade.items.add(line)

    tax = ApplicableTradeTax()
    tax.calculated_amount = invoice.vat_amount
    tax.basis_amount = invoice.net_amount
    tax.type_code = "VAT"
    tax.category_code = invoice.vat_category
    if invoice.vat_category in EXEMPTION_CODES:
        tax.exemption_reason = invoice.vat_note
        tax.exemption_reason_code = EXEMPTION_CODES[invoice.vat_category]
    if invoice.vat_category != VatCategory.NOT_IN_SCOPE:
        tax.rate_applicable_percent = invoice.vat_rate
    settlement.trade_tax.add(tax)
    settlement.terms.add(PaymentTerms(description=paid_note(invoice)))

    totals = settlement.monetary_summation
    totals.line_total = invoice.net_amount
    totals.charge_total = Decimal("0.00")
    totals.allowance_total = Decimal("0.00")
    totals.tax_basis_total = invoice.net_amount
    totals.tax_total = (invoice.vat_amount, invoice.currency)
    totals.grand_total = invoice.gross_amount
    totals.prepaid_total = invoice.gross_amount
    totals.due_amount = Decimal("0.00")
    return doc.serialize(schema="FACTUR-X_EN16931")


def paid_note(invoice: Invoice) -> str:
    """The payment note, in the active language (the invoice's, when it is issued)."""
    if invoice.paid_note:
        return gettext("%(paid)s: nothing to pay.") % {"paid": invoice.paid_note}
    if invoice.kind == DocumentKind.CREDIT_NOTE:
        return gettext("Refunded to your TikJoy prepaid wallet: nothing to pay.")
    return gettext("Already paid from your TikJoy prepaid wallet: nothing to pay.")
