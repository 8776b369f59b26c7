"""Statements and invoices through the API: the key's merchant's own, with their files as issued."""

from __future__ import annotations

import pytest
from lxml import etree

from api.models import KeyKind, Scope
from billing.months import Month
from billing.services import invoice_draft_for_month
from billing.tests.conftest import margin_confirmed, pdf_text, utc

pytestmark = pytest.mark.django_db


@pytest.fixture
def acme(brand, billed):
    world = brand()
    return {**world, **billed(world["merchant"])}


def test_statements_list_and_detail(acme, make_key, api):
    client = api(make_key(acme["merchant"], scope=Scope.READ))
    statement = acme["statement"]

    page = client.get("/api/v1/statements").json()
    one = client.get(f"/api/v1/statements/stm_{statement.pk}").json()

    assert page["next_cursor"] is None
    assert page["data"] == [one]
    assert one["id"] == f"stm_{statement.pk}"
    assert one["month"] == "2026-11"
    assert one["currency"] == "EUR"
    assert one["opening_balance"] == "0.00"
    assert one["money_in"] == "100.00"
    assert one["closing_balance"] == str(statement.closing_balance)
    assert one["files"] == {
        "pdf": f"/api/v1/statements/stm_{statement.pk}/pdf",
        "csv": f"/api/v1/statements/stm_{statement.pk}/csv",
    }


def test_statement_files_are_the_issued_documents(acme, make_key, api):
    client = api(make_key(acme["merchant"], scope=Scope.READ))
    statement = acme["statement"]

    pdf = client.get(f"/api/v1/statements/stm_{statement.pk}/pdf")
    csv = client.get(f"/api/v1/statements/stm_{statement.pk}/csv")

    assert pdf.status_code == 200
    assert pdf["Content-Type"] == "application/pdf"
    assert pdf.content == bytes(statement.pdf)
    assert "Monthly statement · November 2026" in pdf_text(pdf.content)
    assert csv["Content-Type"].startswith("text/csv")
    assert csv.content == bytes(statement.csv)  # as issued: headed and worded like the console's exports
    assert csv.content.decode().startswith("When,Transaction,What,Detail,Amount,Currency,Balance")
    assert 'filename="tikjoy-statement-acme-2026-11-EUR.csv"' in csv["Content-Disposition"]


def test_invoices_list_detail_and_files(acme, make_key, api):
    client = api(make_key(acme["merchant"], scope=Scope.READ))
    invoice = acme["invoice"]

    page = client.get("/api/v1/invoices").json()
    one = client.get(f"/api/v1/invoices/inv_{invoice.pk}").json()
    xml = client.get(f"/api/v1/invoices/inv_{invoice.pk}/xml")
    pdf = client.get(f"/api/v1/invoices/inv_{invoice.pk}/pdf")

    assert page["data"] == [one]
    assert one["number"] == invoice.number
    assert one["kind"] == "INVOICE"
    assert one["gross_amount"] == "2.00"
    assert one["issue_date"] == invoice.issue_date.isoformat()
    assert xml["Content-Type"] == "application/xml"
    root = etree.fromstring(xml.content)
    assert invoice.number in root.itertext()
    assert pdf["Content-Type"] == "application/pdf"
    assert pdf.content == bytes(invoice.pdf)


def test_a_draft_invoice_is_not_shown(acme, make_key, api):
    merchant = acme["merchant"]
    client = api(make_key(merchant, scope=Scope.READ))
    margin_confirmed(merchant, "1.00", at=utc(2026, 12, 9), key="dec")
    draft = invoice_draft_for_month(
        merchant=merchant, currency="EUR", month=Month(2026, 12), now=utc(2027, 1, 1, 3)
    )

    listed = [i["id"] for i in client.get("/api/v1/invoices").json()["data"]]

    assert listed == [f"inv_{acme['invoice'].pk}"]
    for path in (f"/api/v1/invoices/inv_{draft.pk}", f"/api/v1/invoices/inv_{draft.pk}/pdf"):
        assert client.get(path).status_code == 404


def test_a_publishable_key_cant_read_billing(acme, make_key, api):
    client = api(make_key(acme["merchant"], kind=KeyKind.PUBLISHABLE, scope=Scope.PUBLIC))
    for path in ("/api/v1/statements", f"/api/v1/invoices/inv_{acme['invoice'].pk}/pdf"):
        response = client.get(path)
        assert response.status_code == 403
        assert response.json()["code"] == "insufficient_scope"
