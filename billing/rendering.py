"""PDFs of statements and invoices: WeasyPrint renders PDF/A-3b; factur-x embeds the invoice's XML.

Statements print aggregates only (a long WeasyPrint table takes tens of seconds); every ledger line
of the month is in the CSV attached to the PDF (``ledger-lines.csv``) and downloadable beside it.
"""

from __future__ import annotations

from django.template.loader import render_to_string
from django.utils import translation
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from facturx import generate_from_binary
from weasyprint import HTML, Attachment

from billing.models import Invoice
from billing.selectors import StatementFigures
from merchants.countries import COUNTRIES

CSV_NAME = "ledger-lines.csv"
# The PDF's declared language (its /Lang), as the documents were declared before there were several.
PDF_LANG = {"en": "en-GB"}


def country_name(code: str) -> str:
    """A party's country as an address prints it, in the active language ("Germany" for DE); a
    country TikJoy has no name for keeps its code."""
    return str(dict(COUNTRIES).get(code, code))


def statement_pdf(*, figures: StatementFigures, csv_bytes: bytes, issued_at, language: str) -> bytes:
    """The statement as PDF/A-3b in ``language`` (every label; the figures' words are the caller's)."""
    with translation.override(language):
        html = render_to_string(
            "billing/statement.html",
            {
                "f": figures,
                "merchant": figures.merchant,
                "month": figures.month,
                "period": figures.period.words(),
                "issued_at": issued_at,
                "csv_name": CSV_NAME,
            },
        )
        description = _("Every ledger line of %(month)s (%(currency)s)") % {
            "month": date_format(figures.month.first_day, "YEAR_MONTH_FORMAT"),
            "currency": figures.currency,
        }
    attachment = Attachment(
        string=csv_bytes, name=CSV_NAME, description=description, relationship="Supplement"
    )
    return HTML(string=html).write_pdf(pdf_variant="pdf/a-3b", attachments=[attachment])


def invoice_pdf(*, invoice: Invoice, xml: bytes, language: str) -> bytes:
    """The human-readable invoice as PDF/A-3b in ``language``, with its CII XML embedded as
    ``factur-x.xml`` exactly as built (the XML's codes and texts do not depend on the language)."""
    with translation.override(language):
        period = invoice.period
        html = render_to_string(
            "billing/invoice.html",
            {
                "invoice": invoice,
                "month": period.month,
                "period": period.words(),
                "original": invoice.credited_invoice,
                "seller_country": country_name(invoice.seller.get("country", "")),
                "buyer_country": country_name(invoice.buyer.get("country", "")),
            },
        )
    pdf = HTML(string=html).write_pdf(pdf_variant="pdf/a-3b")
    return generate_from_binary(
        pdf, xml, flavor="factur-x", level="en16931", check_xsd=False, lang=PDF_LANG.get(language, language)
    )
