"""``/api/v1/statements`` and ``/api/v1/invoices``: the merchant's billing documents and their files.

Read only, scoped to the key's merchant: another merchant's document is a 404. Invoices are the
finalised ones (drafts are the platform's working copies, as in the console). The files are the
documents as issued (``billing.downloads``): the statement's PDF and CSV, the invoice's Factur-X PDF
and its CII XML.
"""

from __future__ import annotations

from django.shortcuts import get_object_or_404
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import serializers
from rest_framework.response import Response

from api.base import ApiView, cursor_page, parse_id, typed_id
from api.problems import problems
from api.serializers import page_of
from api.views import ONE_ERRORS, PAGE_PARAMS, READ_ERRORS
from billing.downloads import invoice_file, statement_file
from billing.models import DocumentKind, Invoice, InvoiceStatus, Statement, VatCategory
from billing.selectors import document_with_file


def _dec(value) -> str:
    return str(value)


class StatementOut(serializers.Serializer):
    id = serializers.CharField()
    month = serializers.CharField(help_text="The month covered, YYYY-MM.")
    currency = serializers.CharField()
    opening_balance = serializers.DecimalField(max_digits=20, decimal_places=2)
    money_in = serializers.DecimalField(max_digits=20, decimal_places=2)
    money_out = serializers.DecimalField(max_digits=20, decimal_places=2)
    closing_balance = serializers.DecimalField(
        max_digits=20, decimal_places=2, help_text="opening_balance + money_in - money_out."
    )
    entry_count = serializers.IntegerField(help_text="Ledger lines of the month (the CSV has each).")
    issued_at = serializers.DateTimeField()
    sha256 = serializers.CharField(help_text="SHA-256 of the PDF.")
    files = serializers.DictField(child=serializers.CharField(), help_text="pdf and csv: their paths.")


def statement_data(statement: Statement) -> dict:
    sid = typed_id("stm", statement.pk)
    return {
        "id": sid,
        "month": f"{statement.month:%Y-%m}",
        "currency": statement.currency,
        "opening_balance": _dec(statement.opening_balance),
        "money_in": _dec(statement.money_in),
        "money_out": _dec(statement.money_out),
        "closing_balance": _dec(statement.closing_balance),
        "entry_count": statement.entry_count,
        "issued_at": statement.issued_at.isoformat(),
        "sha256": statement.sha256,
        "files": {what: f"/api/v1/statements/{sid}/{what}" for what in ("pdf", "csv")},
    }


class InvoiceOut(serializers.Serializer):
    id = serializers.CharField()
    kind = serializers.ChoiceField(choices=DocumentKind.choices)
    number = serializers.CharField()
    credited_invoice = serializers.CharField(allow_null=True, help_text="Credit notes: the invoice credited.")
    reason = serializers.CharField(allow_blank=True, help_text="Credit notes: why.")
    issue_date = serializers.DateField()
    period_start = serializers.DateField()
    period_end = serializers.DateField()
    description = serializers.CharField()
    currency = serializers.CharField()
    net_amount = serializers.DecimalField(max_digits=20, decimal_places=2)
    vat_category = serializers.ChoiceField(choices=VatCategory.choices, help_text="UNTDID 5305.")
    vat_rate = serializers.DecimalField(max_digits=5, decimal_places=2)
    vat_amount = serializers.DecimalField(max_digits=20, decimal_places=2)
    gross_amount = serializers.DecimalField(
        max_digits=20, decimal_places=2, help_text="What was taken from the prepaid wallet."
    )
    sha256 = serializers.CharField(help_text="SHA-256 of the PDF.")
    files = serializers.DictField(child=serializers.CharField(), help_text="pdf (Factur-X) and xml (CII).")


def invoice_data(invoice: Invoice) -> dict:
    iid = typed_id("inv", invoice.pk)
    return {
        "id": iid,
        "kind": invoice.kind,
        "number": invoice.number,
        "credited_invoice": typed_id("inv", invoice.credited_invoice_id)
        if invoice.credited_invoice_id
        else None,
        "reason": invoice.reason,
        "issue_date": invoice.issue_date.isoformat(),
        "period_start": invoice.period_start.isoformat(),
        "period_end": invoice.period_end.isoformat(),
        "description": invoice.description,
        "currency": invoice.currency,
        "net_amount": _dec(invoice.net_amount),
        "vat_category": invoice.vat_category,
        "vat_rate": _dec(invoice.vat_rate),
        "vat_amount": _dec(invoice.vat_amount),
        "gross_amount": _dec(invoice.gross_amount),
        "sha256": invoice.sha256,
        "files": {what: f"/api/v1/invoices/{iid}/{what}" for what in ("pdf", "xml")},
    }


StatementPage = page_of(StatementOut, "StatementPage")
InvoicePage = page_of(InvoiceOut, "InvoicePage")

# The list and detail never read the stored files (they can be large).
STATEMENT_COLUMNS = (
    "pk",
    "month",
    "currency",
    "opening_balance",
    "money_in",
    "money_out",
    "closing_balance",
    "entry_count",
    "issued_at",
    "sha256",
)
INVOICE_FILES = ("xml", "pdf", "seller", "buyer")


def _statements(merchant):
    return Statement.objects.filter(merchant=merchant)


def _invoices(merchant):
    return Invoice.objects.filter(merchant=merchant, status=InvoiceStatus.FINALISED)


def _file_response(kind: str, formats: dict[str, tuple[str, str]]) -> dict:
    """OpenAPI for a file download: 200 with the format's media type, or a problem."""
    media, description = formats[kind]
    return {
        (200, media): OpenApiResponse(OpenApiTypes.BINARY, description=description),
        **problems(*ONE_ERRORS),
    }


class StatementList(ApiView):
    @extend_schema(
        operation_id="statements_list",
        parameters=PAGE_PARAMS,
        responses={200: StatementPage, **problems(*READ_ERRORS)},
        tags=["billing"],
    )
    def get(self, request):
        """Monthly wallet statements, newest first (``?limit=``, ``?cursor=`` as every list)."""
        rows = _statements(self.key.merchant).only(*STATEMENT_COLUMNS)
        return Response(cursor_page(request, rows, statement_data))


class StatementDetail(ApiView):
    @extend_schema(
        operation_id="statements_retrieve",
        responses={200: StatementOut, **problems(*ONE_ERRORS)},
        tags=["billing"],
    )
    def get(self, request, id: str):
        rows = _statements(self.key.merchant).only(*STATEMENT_COLUMNS)
        return Response(statement_data(get_object_or_404(rows, pk=parse_id("stm", id))))


STATEMENT_FORMATS = {
    "pdf": ("application/pdf", "The statement as issued (PDF, with the CSV embedded)."),
    "csv": ("text/csv", "Every ledger line of the month."),
}
INVOICE_FORMATS = {
    "pdf": ("application/pdf", "The invoice as issued: a Factur-X PDF/A-3 with its XML embedded."),
    "xml": ("application/xml", "The invoice's UN/CEFACT CII XML (EN 16931)."),
}


class StatementFile(ApiView):
    what = ""

    def get(self, request, id: str):
        statement = get_object_or_404(
            document_with_file(_statements(self.key.merchant), self.what), pk=parse_id("stm", id)
        )
        return statement_file(statement, self.what)


class StatementPdf(StatementFile):
    what = "pdf"

    @extend_schema(
        operation_id="statements_pdf", responses=_file_response("pdf", STATEMENT_FORMATS), tags=["billing"]
    )
    def get(self, request, id: str):
        return super().get(request, id)


class StatementCsv(StatementFile):
    what = "csv"

    @extend_schema(
        operation_id="statements_csv", responses=_file_response("csv", STATEMENT_FORMATS), tags=["billing"]
    )
    def get(self, request, id: str):
        return super().get(request, id)


class InvoiceList(ApiView):
    @extend_schema(
        operation_id="invoices_list",
        parameters=PAGE_PARAMS,
        responses={200: InvoicePage, **problems(*READ_ERRORS)},
        tags=["billing"],
    )
    def get(self, request):
        """Finalised service-fee invoices and credit notes, newest first."""
        rows = _invoices(self.key.merchant).defer(*INVOICE_FILES)
        return Response(cursor_page(request, rows, invoice_data))


class InvoiceDetail(ApiView):
    @extend_schema(
        operation_id="invoices_retrieve",
        responses={200: InvoiceOut, **problems(*ONE_ERRORS)},
        tags=["billing"],
    )
    def get(self, request, id: str):
        rows = _invoices(self.key.merchant).defer(*INVOICE_FILES)
        return Response(invoice_data(get_object_or_404(rows, pk=parse_id("inv", id))))


class InvoiceFile(ApiView):
    what = ""

    def get(self, request, id: str):
        invoice = get_object_or_404(
            document_with_file(_invoices(self.key.merchant), self.what), pk=parse_id("inv", id)
        )
        return invoice_file(invoice, self.what)


class InvoicePdf(InvoiceFile):
    what = "pdf"

    @extend_schema(
        operation_id="invoices_pdf", responses=_file_response("pdf", INVOICE_FORMATS), tags=["billing"]
    )
    def get(self, request, id: str):
        return super().get(request, id)


class InvoiceXml(InvoiceFile):
    what = "xml"

    @extend_schema(
        operation_id="invoices_xml", responses=_file_response("xml", INVOICE_FORMATS), tags=["billing"]
    )
    def get(self, request, id: str):
        return super().get(request, id)
