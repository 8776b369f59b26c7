"""The console's Statements and Invoices pages, and the ops pages."""

from __future__ import annotations

import html
from decimal import Decimal

import pytest
from django.urls import reverse

from billing.months import Month
from billing.services import billing_run, invoice_draft_for_month
from billing.tests.conftest import margin_confirmed, merchant_new, ops, pdf_text, top_up, utc
from merchants.models import Membership, Role

pytestmark = pytest.mark.django_db

OCT = Month(2026, 10)


@pytest.fixture
def issued():
    merchant = merchant_new("paris", country="FR")
    top_up(merchant, "100.00", at=utc(2026, 10, 2), ref="P-1")
    margin_confirmed(merchant, "6.00", at=utc(2026, 10, 9), key="p:m")
    billing_run(month=OCT, now=utc(2026, 11, 1, 3))
    other = merchant_new("other", country="FR")
    top_up(other, "50.00", at=utc(2026, 10, 2), ref="O-1")
    margin_confirmed(other, "3.00", at=utc(2026, 10, 9), key="o:m")
    billing_run(month=OCT, now=utc(2026, 11, 1, 3))
    return merchant, other


def test_an_owner_lists_statements_and_downloads_the_pdf_and_csv(client, issued):
    merchant, other = issued
    client.force_login(merchant.memberships.get().user)

    page = client.get(reverse("console:billing_statement_changelist"))
    statement = merchant.statements.get()
    pdf = client.get(reverse("console:billing_statement_pdf", args=[statement.pk]))
    csv = client.get(reverse("console:billing_statement_csv", args=[statement.pk]))

    assert page.status_code == 200
    assert "October 2026" in page.content.decode()
    assert pdf["Content-Type"] == "application/pdf"
    assert "Monthly statement · October 2026" in pdf_text(pdf.content)
    assert csv.content.decode().startswith("When,Transaction,What,Detail,Amount,Currency,Balance")
    theirs = other.statements.get()
    assert client.get(reverse("console:billing_statement_pdf", args=[theirs.pk])).status_code == 404
    # the detail says what the month covered, in the zone it was counted in (the merchant's: Paris)
    detail = client.get(reverse("console:billing_statement_change", args=[statement.pk])).content.decode()
    assert "1 October 2026 to 31 October 2026, time zone: Paris (Central European Time)" in detail


@pytest.mark.parametrize(
    ("language", "note"),
    [
        ("en", "Times in your brand's time zone: Paris (Central European Time)."),
        ("de", "Zeiten in der Zeitzone Ihrer Marke: Paris (Mitteleuropäische Zeit)."),
        (
            "fr",
            "Heures dans le fuseau horaire de votre marque : Paris (heure d\u2019Europe centrale).",
        ),
    ],
)
def test_the_statements_issued_at_says_its_time_zone_as_the_consoles_other_pages_do(
    client, issued, language, note
):
    """The list's "issued at" column (04:00 in Paris, 03:00 UTC) named no zone."""
    merchant, _ = issued
    client.force_login(merchant.memberships.get().user)
    statement = merchant.statements.get()

    listed = html.unescape(
        client.get(
            reverse("console:billing_statement_changelist"), HTTP_ACCEPT_LANGUAGE=language
        ).content.decode()
    )
    detail = html.unescape(
        client.get(
            reverse("console:billing_statement_change", args=[statement.pk]), HTTP_ACCEPT_LANGUAGE=language
        ).content.decode()
    )

    for page in (listed, detail):
        assert note in page.replace("\xa0", " ").replace("\u202f", " ")


def test_an_owner_downloads_the_invoice_pdf_and_xml_but_never_sees_drafts(client, issued):
    merchant, other = issued
    client.force_login(merchant.memberships.get().user)
    invoice = merchant.invoices.get()
    margin_confirmed(merchant, "2.00", at=utc(2026, 11, 9), key="p:nov")
    draft = invoice_draft_for_month(
        merchant=merchant, currency="EUR", month=OCT.next, now=utc(2026, 12, 1, 3)
    )

    page = client.get(reverse("console:billing_invoice_changelist")).content.decode()
    pdf = client.get(reverse("console:billing_invoice_pdf", args=[invoice.pk]))
    xml = client.get(reverse("console:billing_invoice_xml", args=[invoice.pk]))

    assert "INV-2026-000001" in page and "draft" not in page.lower()
    assert "Invoice INV-2026-000001" in pdf_text(pdf.content)
    assert xml.content == bytes(invoice.xml)
    assert client.get(reverse("console:billing_invoice_pdf", args=[draft.pk])).status_code == 404
    assert (
        client.get(reverse("console:billing_invoice_pdf", args=[other.invoices.get().pk])).status_code == 404
    )


@pytest.mark.parametrize(("role", "status"), [(Role.MANAGER, 200), (Role.VIEWER, 403), (Role.AGENCY, 403)])
def test_billing_documents_are_for_the_roles_that_may_see_billing(client, issued, role, status):
    merchant, _ = issued
    member = merchant_new("someone").memberships.get().user
    Membership.objects.create(merchant=merchant, user=member, role=role)
    client.force_login(member)
    client.post(reverse("console:switch"), {"merchant": merchant.pk})

    assert client.get(reverse("console:billing_statement_changelist")).status_code == status
    assert client.get(reverse("console:billing_invoice_changelist")).status_code == status


def test_ops_issue_a_credit_note_from_the_invoice(client, issued):
    merchant, _ = issued
    invoice = merchant.invoices.get()
    client.force_login(ops())

    form = client.get(reverse("admin:billing_invoice_credit_note", args=[invoice.pk]))
    refused = client.post(
        reverse("admin:billing_invoice_credit_note", args=[invoice.pk]),
        {"gross_amount": "60.00", "reason": "x"},
    )
    done = client.post(
        reverse("admin:billing_invoice_credit_note", args=[invoice.pk]),
        {"gross_amount": "6.00", "reason": "Goodwill"},
        follow=True,
    )

    assert form.status_code == 200 and "of which 6.00 EUR can still be credited" in form.content.decode()
    assert refused.status_code == 400 and "between €0.01 and €6.00" in refused.content.decode()
    assert "Credit note CN-2026-000001 issued" in done.content.decode()
    assert merchant.invoices.get(kind="CREDIT_NOTE").gross_amount == Decimal("6.00")
    listing = client.get(reverse("admin:billing_invoice_changelist")).content.decode()
    assert "CN-2026-000001" in listing and "INV-2026-000002" in listing
    assert client.get(reverse("admin:billing_statement_changelist")).status_code == 200
    page = client.get(reverse("admin:billing_invoice_change", args=[invoice.pk])).content.decode()
    assert "Issue a credit note" in page and "VAT charged at the FR rate of 20 %" in page
    statement = merchant.statements.get()
    page = client.get(reverse("admin:billing_statement_change", args=[statement.pk])).content.decode()
    assert statement.sha256 in page
    assert client.get(reverse("admin:billing_statement_csv", args=[statement.pk])).content == bytes(
        statement.csv
    )


def test_ops_resend_an_invoice_to_the_owners(client, issued, django_capture_on_commit_callbacks):
    from django.core import mail

    merchant, _ = issued
    invoice = merchant.invoices.get()
    client.force_login(ops())
    mail.outbox.clear()

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("admin:billing_invoice_changelist"),
            {"action": "resend_selected", "_selected_action": [invoice.pk]},
            follow=True,
        )

    assert "INV-2026-000001 e-mailed to the owners of Paris" in response.content.decode()
    assert [(m.subject, m.to) for m in mail.outbox] == [
        ("[TikJoy] Your invoice INV-2026-000001", ["owner@paris.example"])
    ]
    german = client.post(
        reverse("admin:billing_invoice_changelist"),
        {"action": "resend_selected", "_selected_action": [invoice.pk]},
        follow=True,
        HTTP_ACCEPT_LANGUAGE="de",
    ).content.decode()
    assert "INV-2026-000001 an die Inhaber von Paris gesendet." in german
    assert "the owners of" not in german
    said = {}
    for language in ("fr", "it"):
        said[language] = client.post(
            reverse("admin:billing_invoice_changelist"),
            {"action": "resend_selected", "_selected_action": [invoice.pk]},
            follow=True,
            HTTP_ACCEPT_LANGUAGE=language,
        ).content.decode()
    assert "INV-2026-000001 envoyée aux propriétaires de Paris." in said["fr"]  # not "à les"
    assert "INV-2026-000001 inviata ai titolari di Paris." in said["it"]  # not "a i"


def test_ops_statements_list_names_each_month_not_its_first_day(client, issued):
    """QA: the ops list's Month column read "1 October 2026" (in German "1. Oktober 2026") for October's
    statement; it reads the month, as the console and the PDF do."""
    client.force_login(ops())

    english = client.get(reverse("admin:billing_statement_changelist"), HTTP_ACCEPT_LANGUAGE="en")
    german = client.get(reverse("admin:billing_statement_changelist"), HTTP_ACCEPT_LANGUAGE="de")

    assert "October 2026" in english.content.decode() and "1 October 2026" not in english.content.decode()
    assert "Oktober 2026" in german.content.decode() and "1. Oktober 2026" not in german.content.decode()


def test_an_invoice_of_two_lines_shows_both_with_their_amounts_in_the_console(client):
    """QA: the console's invoice page gave only the rewards line's description ("... (2 confirmations)")
    above a net amount that also held the affiliate commissions' line, which the PDF prints apart."""
    merchant = merchant_new("lyon", country="FR")
    top_up(merchant, "100.00", at=utc(2026, 10, 2), ref="L-1")
    margin_confirmed(merchant, "1.20", at=utc(2026, 10, 9), key="l:m")
    margin_confirmed(merchant, "2.40", at=utc(2026, 10, 12), key="l:a", kind="AFFILIATE_APPROVE")
    billing_run(month=OCT, now=utc(2026, 11, 1, 3))
    invoice = merchant.invoices.get()
    client.force_login(merchant.memberships.get().user)

    page = html.unescape(
        client.get(
            reverse("console:billing_invoice_change", args=[invoice.pk]), HTTP_ACCEPT_LANGUAGE="en"
        ).content.decode()
    )

    (rewards, rewards_net), (affiliates, affiliates_net) = invoice.lines
    assert f"{rewards}: €{rewards_net}" in page
    assert f"{affiliates}: €{affiliates_net}" in page


def test_an_invoice_shows_its_vat_rate_as_a_percentage_in_the_readers_language(client, issued):
    """Walk finding: the invoice's page read "Taux de TVA 0,00" instead of a percentage."""
    merchant, _ = issued
    client.force_login(merchant.memberships.get().user)
    invoice = merchant.invoices.get()
    url = reverse("console:billing_invoice_change", args=[invoice.pk])

    english = html.unescape(client.get(url).content.decode())
    french = html.unescape(client.get(url, HTTP_ACCEPT_LANGUAGE="fr").content.decode())

    assert invoice.vat_rate == Decimal("20.00")  # a French merchant: French VAT
    assert '<div class="readonly">20%</div>' in english
    assert '<div class="readonly">20\xa0%</div>' in french and "20,00" not in french
