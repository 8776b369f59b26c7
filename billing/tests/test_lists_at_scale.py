"""Billing's lists and detail pages at volume (issue #22, ``bench_scale --apps``): a busy merchant's
statement carries megabytes of CSV and PDF, so no list or detail page reads a stored file, and the
number of queries does not grow with the rows. The downloads read the one file asked for."""

from __future__ import annotations

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from billing.models import Invoice, Statement
from billing.months import Month
from billing.services import billing_run
from billing.tests.conftest import margin_confirmed, merchant_new, ops, top_up, utc

pytestmark = pytest.mark.django_db

OCT = Month(2026, 10)
FILES = ('"pdf"', '"csv"', '"xml"')


@pytest.fixture
def merchant():
    merchant = merchant_new("volume", country="FR")
    top_up(merchant, "100.00", at=utc(2026, 10, 2), ref="V-1")
    margin_confirmed(merchant, "6.00", at=utc(2026, 10, 9), key="v:m")
    billing_run(month=OCT, now=utc(2026, 11, 1, 3))
    return merchant


def _more_months(merchant, count: int) -> None:
    """``count`` more months of documents, copies of October's (the files as issued)."""
    statement, invoice = merchant.statements.get(), merchant.invoices.get()
    month = OCT
    for n in range(count):
        month = month.previous
        Statement.objects.create(
            **{
                f.name: getattr(statement, f.name)
                for f in Statement._meta.concrete_fields
                if f.name not in ("id", "month", "period_start", "period_end")
            },
            month=month.first_day,
            period_start=month.start,
            period_end=month.end,
        )
        values = {
            f.attname: getattr(invoice, f.attname)
            for f in Invoice._meta.concrete_fields
            if f.name not in ("id", "month", "period_start", "period_end", "sequence", "number")
        }
        Invoice.objects.create(
            **values,
            month=month.first_day,
            period_start=month.first_day,
            period_end=month.last_day,
            sequence=100 + n,
            number=f"{invoice.series}-{100 + n:06d}",
        )


def _sql_of(client, url: str) -> tuple[int, str]:
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
    assert response.status_code == 200, url
    return len(ctx.captured_queries), " ".join(q["sql"] for q in ctx.captured_queries)


@pytest.mark.parametrize(
    "url",
    ["console:billing_statement_changelist", "console:billing_invoice_changelist"],
)
def test_console_lists_read_no_file_and_count_queries_not_rows(client, merchant, url):
    client.force_login(merchant.memberships.get().user)
    one, _ = _sql_of(client, reverse(url))
    _more_months(merchant, 5)
    six, sql_six = _sql_of(client, reverse(url))

    assert one == six
    assert not any(column in sql_six for column in FILES)


def test_console_detail_pages_read_no_file_and_downloads_read_only_theirs(client, merchant):
    client.force_login(merchant.memberships.get().user)
    statement, invoice = merchant.statements.get(), merchant.invoices.get()

    _, statement_sql = _sql_of(client, reverse("console:billing_statement_change", args=[statement.pk]))
    _, invoice_sql = _sql_of(client, reverse("console:billing_invoice_change", args=[invoice.pk]))
    _, pdf_sql = _sql_of(client, reverse("console:billing_statement_pdf", args=[statement.pk]))
    csv = client.get(reverse("console:billing_statement_csv", args=[statement.pk]))

    assert not any(column in statement_sql + invoice_sql for column in FILES)
    assert '"pdf"' in pdf_sql and '"csv"' not in pdf_sql
    assert csv.content == bytes(statement.csv)


@pytest.mark.parametrize("url", ["admin:billing_statement_changelist", "admin:billing_invoice_changelist"])
def test_ops_lists_read_no_file_and_count_queries_not_rows(client, merchant, url):
    client.force_login(ops())
    one, _ = _sql_of(client, reverse(url))
    _more_months(merchant, 5)
    six, sql = _sql_of(client, reverse(url))
    page = client.get(reverse(url)).content.decode()

    assert one == six
    assert not any(column in sql for column in FILES)
    assert page.count(">PDF<") == 6  # every issued document still offers its files


@pytest.mark.parametrize("url", ["admin:billing_statement_changelist", "admin:billing_invoice_changelist"])
def test_ops_lists_show_the_newest_month_first_whatever_order_they_were_issued_in(client, merchant, url):
    """Walk: /ops/ statements and invoices were listed in the order they were written (a month issued
    late came last); the newest month comes first."""
    client.force_login(ops())
    _more_months(merchant, 2)  # September, then August, written after October

    page = client.get(reverse(url)).content.decode()

    model = Statement if "statement" in url else Invoice
    links = [
        page.index(reverse(url.replace("changelist", "change"), args=[pk]))
        for pk in model.objects.order_by("-month").values_list("pk", flat=True)
    ]
    assert links == sorted(links)


def test_ops_statements_are_filtered_by_month_or_year_not_by_today(client, merchant):
    """Walk: the statements' filter offered "Today" and "Past 7 days" for monthly documents; it offers
    the last twelve months by name and earlier years."""
    client.force_login(ops())
    _more_months(merchant, 2)  # September and August
    url = reverse("admin:billing_statement_changelist")

    page = client.get(url).content.decode()
    last = Month.before(timezone.now())
    september = client.get(url, {"month": "2026-09"}).content.decode()
    year = client.get(url, {"month": "2026"}).content.decode()

    assert "Today" not in page and "Past 7 days" not in page
    assert f'?month={last}"' in page and last.text() in page
    assert '?month=2026"' in page  # the year of the statements (each year that has some)
    assert september.count(">PDF<") == 1
    assert year.count(">PDF<") == 3


def test_ops_statements_filter_by_a_year_no_date_has_shows_nothing(client, merchant):
    """Review: ``?month=0000`` was a 500 (no date is in year 0)."""
    client.force_login(ops())

    response = client.get(reverse("admin:billing_statement_changelist"), {"month": "0000"})

    assert response.status_code == 200
    assert ">PDF<" not in response.content.decode()


def test_ops_statements_filter_offers_every_year_that_has_statements_newest_first(client, merchant):
    """Walk: the filter offered three years before the last twelve months, whatever the statements were;
    it offers each year that has statements (read on billing.0013's index, in one query), and no other."""
    statement = merchant.statements.get()
    Statement.objects.create(
        **{
            f.name: getattr(statement, f.name)
            for f in Statement._meta.concrete_fields
            if f.name not in ("id", "month", "period_start", "period_end")
        },
        month=Month(2019, 3).first_day,
        period_start=Month(2019, 3).start,
        period_end=Month(2019, 3).end,
    )
    client.force_login(ops())
    url = reverse("admin:billing_statement_changelist")

    with CaptureQueriesContext(connection) as ctx:
        page = client.get(url).content.decode()
    reads = [q["sql"] for q in ctx.captured_queries if "WITH RECURSIVE" in q["sql"]]
    year_2019 = client.get(url, {"month": "2019"}).content.decode()

    years = re.findall(r'\?month=(\d{4})"', page)
    assert years == ["2026", "2019"]
    assert year_2019.count(">PDF<") == 1 and "March 2019" in year_2019
    assert len(reads) == 1
    assert "billing_statement_month" in _plan(reads[0], None)


def test_ops_downloads_read_only_the_file_asked_for(client, merchant):
    client.force_login(ops())
    statement, invoice = merchant.statements.get(), merchant.invoices.get()

    _, csv_sql = _sql_of(client, reverse("admin:billing_statement_csv", args=[statement.pk]))
    xml = client.get(reverse("admin:billing_invoice_xml", args=[invoice.pk]))

    assert '"csv"' in csv_sql and '"pdf"' not in csv_sql
    assert xml.content == bytes(invoice.xml)


def test_ops_search_finds_documents_by_merchant_number_and_hash(client, merchant):
    other = merchant_new("elsewhere", country="DE")
    top_up(other, "40.00", at=utc(2026, 10, 3), ref="E-1")
    margin_confirmed(other, "2.00", at=utc(2026, 10, 9), key="e:m")
    billing_run(month=OCT, now=utc(2026, 11, 1, 3))
    client.force_login(ops())
    statements = reverse("admin:billing_statement_changelist")
    invoices = reverse("admin:billing_invoice_changelist")
    mine, theirs = merchant.invoices.get(), other.invoices.get()

    by_name = client.get(statements, {"q": "Volu"}).content.decode()
    by_hash = client.get(statements, {"q": other.statements.get().sha256.upper()}).content.decode()
    by_number = client.get(invoices, {"q": theirs.number.lower()}).content.decode()
    by_slug = client.get(invoices, {"q": "volume"}).content.decode()

    assert "Volume" in by_name and "Elsewhere" not in by_name
    assert "Elsewhere" in by_hash and "Volume" not in by_hash
    assert theirs.number in by_number and mine.number not in by_number
    assert mine.number in by_slug and theirs.number not in by_slug


def test_ops_lists_filter_by_currency_without_reading_every_row(client, merchant):
    client.force_login(ops())
    _, sql = _sql_of(client, reverse("admin:billing_invoice_changelist"))
    page = client.get(
        reverse("admin:billing_invoice_changelist"), {"currency__exact": "USD"}
    ).content.decode()

    assert "DISTINCT" not in sql
    assert merchant.invoices.get().number not in page


def _plan(sql: str, params) -> str:
    """PostgreSQL's plan of a query with sequential scans priced out: whether an index can answer
    it at all (on a test's ten rows the planner rightly prefers reading the table)."""
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute(f"EXPLAIN {sql}", params)
        plan = "\n".join(row[0] for row in cursor.fetchall())
        cursor.execute("RESET enable_seqscan")
    return plan


def test_a_statement_is_found_by_its_sha256_as_pasted_on_its_index(client, merchant):
    """A whole SHA-256 in capitals, with spaces and a line break (as copied from a tool's output),
    finds the statement in the console and in /ops/, through billing.0009's index."""
    other = merchant_new("elsewhere", country="DE")
    top_up(other, "40.00", at=utc(2026, 10, 3), ref="E-1")
    margin_confirmed(other, "2.00", at=utc(2026, 10, 9), key="e:m")
    billing_run(month=OCT, now=utc(2026, 11, 1, 3))
    _more_months(merchant, 3)
    mine, theirs = merchant.statements.order_by("-month").first(), other.statements.get()
    pasted = " ".join(mine.sha256.upper()[i : i + 16] for i in range(0, 64, 16)).replace(" ", "\n", 1)
    client.force_login(merchant.memberships.get().user)
    console = reverse("console:billing_statement_changelist")

    found = client.get(console, {"q": pasted}).content.decode()
    others = client.get(console, {"q": theirs.sha256}).content.decode()
    part = client.get(console, {"q": mine.sha256[:20]}).content.decode()
    client.force_login(ops())
    ops_found = client.get(reverse("admin:billing_statement_changelist"), {"q": pasted}).content.decode()

    # The merchant's October statement (the copies share its PDF's digest, so all four match).
    assert "October 2026" in found and found.count('class="action-select"') == 4
    assert 'class="action-select"' not in others  # another merchant's statement: not found
    assert 'class="action-select"' not in part  # a part of a digest is no search
    assert "Volume" in ops_found and "Elsewhere" not in ops_found
    sql, params = Statement.objects.filter(sha256=mine.sha256).query.sql_with_params()
    assert "billing_statement_sha256" in _plan(sql, params)


# /ops/ statements searched by a merchant's name: the merchants' ids first, then their statements
# newest first (pinned; a term most merchants match read them all, then sorted, before), and the
# years that have statements for the month filter (one query, whatever the number of statements).
OPS_STATEMENTS_SEARCH_QUERIES = 5


def test_ops_statements_searched_by_merchant_cost_the_same_queries_for_1_or_6_months(client, merchant):
    client.force_login(ops())
    url = reverse("admin:billing_statement_changelist")
    one, _ = _sql_of(client, url + "?q=volu")
    _more_months(merchant, 5)
    six, sql = _sql_of(client, url + "?q=volu")

    assert one == six == OPS_STATEMENTS_SEARCH_QUERIES
    assert f'"billing_statement"."merchant_id" IN ({merchant.pk})' in sql
