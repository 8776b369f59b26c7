"""File responses for billing documents (console and ops)."""

from __future__ import annotations

from django.http import HttpResponse

from billing.models import Invoice, Statement


def _file(content: bytes, *, content_type: str, filename: str) -> HttpResponse:
    response = HttpResponse(bytes(content), content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["X-Content-Type-Options"] = "nosniff"
    return response


def statement_file(statement: Statement, what: str) -> HttpResponse:
    name = f"tikjoy-statement-{statement.merchant.slug}-{statement.month:%Y-%m}-{statement.currency}"
    if what == "csv":
        return _file(statement.csv, content_type="text/csv; charset=utf-8", filename=f"{name}.csv")
    return _file(statement.pdf, content_type="application/pdf", filename=f"{name}.pdf")


def invoice_file(invoice: Invoice, what: str) -> HttpResponse:
    name = f"tikjoy-{invoice.number or f'draft-{invoice.pk}'}"
    if what == "xml":
        return _file(invoice.xml, content_type="application/xml", filename=f"{name}.xml")
    return _file(invoice.pdf, content_type="application/pdf", filename=f"{name}.pdf")
