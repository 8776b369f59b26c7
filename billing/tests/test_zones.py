"""Statements and service-fee invoices in the merchant's time zone (issue #23, docs/billing.md "Periods").

A merchant's month is ``[the 1st 00:00, the next 1st 00:00)`` in its zone; after a change of zone the
next month starts exactly where the last issued one ended, so every movement lands in one statement.
"""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.db import connection
from lxml import etree

from billing.models import Invoice, InvoiceStatus, Statement
from billing.months import Month
from billing.services import (
    BillingError,
    billing_run,
    invoice_draft_for_month,
    invoice_finalise,
    statement_issue,
)
from billing.tests.conftest import margin_confirmed, merchant_new, pdf_text, top_up, utc
from billing.validation import invoice_xml_check
from merchants.models import Merchant

pytestmark = pytest.mark.django_db

OCT, NOV = Month(2026, 10), Month(2026, 10).next
RAM = "{urn:un:unece:uncefact:data:standard:ReusableAggregateBusinessInformationEntity:100}"
UDT = "{urn:un:unece:uncefact:data:standard:UnqualifiedDataType:100}"


def _move(merchant: Merchant, zone: str) -> None:
    """An owner changes the merchant's time zone in the console."""
    Merchant.objects.filter(pk=merchant.pk).update(time_zone=zone)
    merchant.refresh_from_db()


def _documents(merchant: Merchant, month: Month, *, now):
    statement, _ = statement_issue(merchant=merchant, currency="EUR", month=month, now=now)
    draft = invoice_draft_for_month(merchant=merchant, currency="EUR", month=month, now=now)
    return statement, invoice_finalise(invoice_id=draft.pk, actor=None, now=now)


def _cii_period(invoice: Invoice) -> tuple[str, str]:
    """BT-73 and BT-74: the invoicing period's start and end dates in the CII XML."""
    root = etree.fromstring(bytes(invoice.xml))
    period = root.find(f".//{RAM}ApplicableHeaderTradeSettlement/{RAM}BillingSpecifiedPeriod")
    start = period.find(f"{RAM}StartDateTime/{UDT}DateTimeString").text
    end = period.find(f"{RAM}EndDateTime/{UDT}DateTimeString").text
    return start, end


def _checks_clean() -> None:
    call_command("ledger_check")
    call_command("rewards_check")


def test_a_month_is_the_merchants_month_and_says_its_zone():
    rome = merchant_new("roma", country="IT", language="en")
    assert rome.time_zone == "Europe/Rome"
    top_up(rome, "10.00", at=utc(2026, 9, 30, 21, 59), ref="SEPT-LAST")  # 30 Sep 23:59 in Rome
    top_up(rome, "20.00", at=utc(2026, 9, 30, 22), ref="OCT-FIRST")  # 1 Oct 00:00 in Rome
    top_up(rome, "5.00", at=utc(2026, 10, 31, 23), ref="NOV-FIRST")  # 1 Nov 00:00 in Rome (CET)
    margin_confirmed(rome, "3.00", at=utc(2026, 10, 31, 22, 59), key="rome:oct")  # 31 Oct 23:59 in Rome

    statement, invoice = _documents(rome, OCT, now=utc(2026, 10, 31, 23))

    assert (statement.period_start, statement.period_end) == (utc(2026, 9, 30, 22), utc(2026, 10, 31, 23))
    assert statement.time_zone == "Europe/Rome"
    assert (statement.opening_balance, statement.money_in) == (Decimal("10.00"), Decimal("20.00"))
    text = " ".join(pdf_text(statement.pdf).split())
    assert (
        "Prepaid wallet in EUR · period 1 October 2026 to 31 October 2026, time zone: Rome (Central European Time)"
        in text
    )
    assert "Opening balance on 1 October 2026 10.00 EUR" in text
    assert (invoice.period_starts_at, invoice.period_ends_at) == (
        statement.period_start,
        statement.period_end,
    )
    assert (invoice.period_time_zone, invoice.gross_amount) == ("Europe/Rome", Decimal("3.00"))
    assert _cii_period(invoice) == ("20261001", "20261031")
    assert (
        "Supply period: 1 October 2026 to 31 October 2026, time zone: Rome (Central European Time)"
    ) in " ".join(pdf_text(invoice.pdf).split())
    _checks_clean()


@pytest.mark.parametrize(
    ("zone", "november_starts", "november_ends", "printed", "cii"),
    [
        # Rome -> Tokyo: 1 Nov 00:00 in Rome is 08:00 in Tokyo; Tokyo's November ends 30 Nov 15:00 UTC
        (
            "Asia/Tokyo",
            utc(2026, 10, 31, 23),
            utc(2026, 11, 30, 15),
            "period 1 November 2026, 08:00 to 30 November 2026, time zone: Tokyo (Japan Time)",
            ("20261101", "20261130"),
        ),
        # Rome -> Los Angeles: 1 Nov 00:00 in Rome is 31 Oct 16:00 there; its November ends 1 Dec 08:00 UTC
        (
            "America/Los_Angeles",
            utc(2026, 10, 31, 23),
            utc(2026, 12, 1, 8),
            "period 31 October 2026, 16:00 to 30 November 2026, time zone: Los Angeles (Pacific Time)",
            ("20261031", "20261130"),
        ),
    ],
)
def test_after_a_change_of_zone_the_next_month_starts_where_the_last_one_ended(
    zone, november_starts, november_ends, printed, cii
):
    rome = merchant_new("roma", country="IT", language="en")
    top_up(rome, "100.00", at=utc(2026, 10, 2), ref="OCT")
    # Around the boundary: 31 Oct 22:30 UTC is October in Rome and already November in Tokyo; 23:30 UTC
    # is November in Rome and still 31 October in Los Angeles.
    top_up(rome, "1.00", at=utc(2026, 10, 31, 22, 30), ref="EDGE-1")
    margin_confirmed(rome, "0.10", at=utc(2026, 10, 31, 22, 30), key="edge-1")
    top_up(rome, "2.00", at=utc(2026, 10, 31, 23, 30), ref="EDGE-2")
    margin_confirmed(rome, "0.20", at=utc(2026, 10, 31, 23, 30), key="edge-2")
    october, october_invoice = _documents(rome, OCT, now=utc(2026, 11, 1, 3))

    _move(rome, zone)
    top_up(
        rome,
        "4.00",
        at=november_ends - timedelta(seconds=1),  # November's last second there
        ref="LATE",
    )
    top_up(rome, "8.00", at=november_ends, ref="DEC-FIRST")  # the first instant of December there
    margin_confirmed(rome, "0.40", at=november_ends, key="dec-first")
    november, november_invoice = _documents(rome, NOV, now=november_ends)

    # October keeps Rome; November starts exactly where October ended, ends at the 1st in the new zone.
    assert (october.time_zone, october.period_end) == ("Europe/Rome", utc(2026, 10, 31, 23))
    assert (november.time_zone, november.period_start, november.period_end) == (
        zone,
        november_starts,
        november_ends,
    )
    assert november.opening_balance == october.closing_balance == Decimal("100.00") + 1 - Decimal("0.10")
    # each movement in exactly one statement: 1.00 and the 0.10 margin in October, 2.00 and 0.20 and the
    # 4.00 in November, the 8.00 and 0.40 in December
    assert october.money_in == Decimal("101.00") and november.money_in == Decimal("6.00")
    assert november.closing_balance == november.opening_balance + Decimal("6.00") - Decimal("0.20")
    assert printed in " ".join(pdf_text(november.pdf).split())
    # the fee invoices follow the statements' periods: each margin billed once
    assert (october_invoice.gross_amount, november_invoice.gross_amount) == (Decimal("0.10"), Decimal("0.20"))
    assert (november_invoice.period_starts_at, november_invoice.period_ends_at) == (
        november.period_start,
        november.period_end,
    )
    assert november_invoice.period_time_zone == zone
    assert _cii_period(november_invoice) == cii
    invoice_xml_check(bytes(november_invoice.xml))  # EN 16931: XSD and schematron
    words = " ".join(pdf_text(november_invoice.pdf).split()).replace("/ ", "/")  # a line may break after "/"
    assert f"Supply period: {printed.removeprefix('period ')}" in words
    # December: opens at November's close, in the new zone
    december, _ = statement_issue(merchant=rome, currency="EUR", month=NOV.next, now=utc(2027, 1, 2))
    assert (
        december.period_start == november.period_end and december.opening_balance == november.closing_balance
    )
    _checks_clean()


def test_the_run_issues_a_month_once_it_has_ended_in_the_merchants_zone():
    auckland = merchant_new("kiwi", country="NZ")
    los_angeles = merchant_new("angel", country="US")
    _move(auckland, "Pacific/Auckland")
    _move(los_angeles, "America/Los_Angeles")
    for merchant in (auckland, los_angeles):
        top_up(merchant, "50.00", at=utc(2026, 10, 2), ref=f"{merchant.slug}-oct")
        margin_confirmed(merchant, "1.00", at=utc(2026, 10, 9), key=f"{merchant.slug}:m")

    # 31 Oct 11:00 UTC is 1 Nov 00:00 in Auckland (NZDT) and 31 Oct 04:00 in Los Angeles
    early = billing_run(now=utc(2026, 10, 31, 11))
    assert list(Statement.objects.values_list("merchant__slug", "month")) == [("kiwi", OCT.first_day)]
    assert Invoice.objects.get(status=InvoiceStatus.FINALISED).merchant == auckland
    assert early.statements_issued == 1
    # a month asked for by hand waits for the merchants it has not ended for yet
    by_hand = billing_run(month=OCT, now=utc(2026, 11, 1, 6, 59))
    assert (by_hand.statements_existing, by_hand.statements_issued, by_hand.not_over) == (1, 0, 1)

    # 1 Nov 07:00 UTC is 1 Nov 00:00 in Los Angeles (PDT): its October is over
    late = billing_run(now=utc(2026, 11, 1, 7))
    again = billing_run(now=utc(2026, 11, 1, 8))

    assert (late.statements_issued, late.invoices_finalised) == (1, 1)
    assert (again.statements_issued, again.invoices_finalised) == (0, 0)
    assert Statement.objects.get(merchant=los_angeles).period_end == utc(2026, 11, 1, 7)
    assert Invoice.objects.filter(status=InvoiceStatus.FINALISED).count() == 2
    _checks_clean()


@pytest.mark.django_db(transaction=True)
def test_documents_issued_before_keep_their_periods_in_the_billing_time_zone():
    """billing.0010 records what the documents issued before were: months in BILLING_TIME_ZONE (UTC)."""
    from django.db.migrations.executor import MigrationExecutor

    before, after = (
        ("billing", "0009_statement_sha256_index"),
        ("billing", "0010_periods_in_the_merchants_zone"),
    )
    paris = merchant_new("paris")
    executor = MigrationExecutor(connection)
    executor.migrate([before])
    old = executor.loader.project_state([before]).apps
    common = {"merchant_id": paris.pk, "currency": "EUR", "pdf": b"%PDF", "sha256": "0" * 64}
    old.get_model("billing", "Statement").objects.create(
        **common,
        month=OCT.first_day,
        period_start=utc(2026, 10, 1),
        period_end=utc(2026, 11, 1),
        opening_balance=0,
        closing_balance=0,
        money_in=0,
        money_out=0,
        entry_count=0,
        sections=[],
        pending_at_end={},
        csv=b"",
        issued_at=utc(2026, 11, 1, 3),
    )
    old.get_model("billing", "Invoice").objects.create(
        **common,
        kind="INVOICE",
        status="FINALISED",
        period_start=OCT.first_day,
        period_end=OCT.last_day,
        description="fee",
        gross_amount=Decimal("1.20"),
        net_amount=Decimal("1.00"),
        vat_category="S",
        vat_rate=Decimal("20.00"),
        vat_amount=Decimal("0.20"),
        vat_note="",
        seller={},
        buyer={},
        series="INV-2026",
        sequence=1,
        number="INV-2026-000001",
        issue_date=utc(2026, 11, 1).date(),
        created_at=utc(2026, 11, 1, 3),
        finalised_at=utc(2026, 11, 1, 3),
    )

    executor = MigrationExecutor(connection)
    executor.migrate([after])
    executor.loader.build_graph()
    executor.migrate(executor.loader.graph.leaf_nodes())

    statement, invoice = Statement.objects.get(), Invoice.objects.get()
    assert (statement.time_zone, statement.period_start, statement.period_end) == (
        "UTC",
        utc(2026, 10, 1),
        utc(2026, 11, 1),
    )
    assert (invoice.month, invoice.period_time_zone) == (OCT.first_day, "UTC")
    assert (invoice.period_starts_at, invoice.period_ends_at) == (utc(2026, 10, 1), utc(2026, 11, 1))
    # November continues from them, in the merchant's zone
    top_up(paris, "5.00", at=utc(2026, 11, 10), ref="NOV")
    november, _ = statement_issue(merchant=paris, currency="EUR", month=NOV, now=utc(2026, 12, 1))
    assert (november.period_start, november.time_zone) == (utc(2026, 11, 1), "Europe/Paris")
    assert november.period_end == utc(2026, 11, 30, 23)
    # the documents are frozen again
    from django.db import IntegrityError, transaction

    with pytest.raises(IntegrityError, match="never updated"), transaction.atomic():
        Statement.objects.filter(pk=statement.pk).update(time_zone="Asia/Tokyo")


def test_a_draft_left_from_before_a_change_of_zone_is_not_finalised_over_another_period():
    # A draft made in Rome's October, then the merchant moves to Tokyo and the month's statement is
    # issued there (a closing does it outside the run): finalising the old draft from /ops/ is refused,
    # the run's re-draft then finalises over the statement's period.
    rome = merchant_new("roma", country="IT", language="en")
    top_up(rome, "100.00", at=utc(2026, 10, 2), ref="OCT")
    margin_confirmed(rome, "0.10", at=utc(2026, 10, 10), key="oct")
    draft = invoice_draft_for_month(merchant=rome, currency="EUR", month=OCT, now=utc(2026, 11, 1, 3))
    _move(rome, "Asia/Tokyo")
    statement, _ = statement_issue(merchant=rome, currency="EUR", month=OCT, now=utc(2026, 11, 1, 3))

    with pytest.raises(BillingError, match="no longer matches what 2026-10 covers"):
        invoice_finalise(invoice_id=draft.pk, actor=None, now=utc(2026, 11, 1, 4))
    assert Invoice.objects.get(pk=draft.pk).status == InvoiceStatus.DRAFT

    redrafted = invoice_draft_for_month(merchant=rome, currency="EUR", month=OCT, now=utc(2026, 11, 1, 4))
    invoice = invoice_finalise(invoice_id=redrafted.pk, actor=None, now=utc(2026, 11, 1, 4))
    assert (invoice.period_starts_at, invoice.period_ends_at) == (
        statement.period_start,
        statement.period_end,
    )
    _checks_clean()


@pytest.mark.parametrize(
    ("language", "period", "supply"),
    [
        (
            "de",
            "Zeitraum 1. Oktober 2026 bis 31. Oktober 2026, Zeitzone: Berlin (Mitteleuropäische Zeit)",
            "Leistungszeitraum: 1. Oktober 2026 bis 31. Oktober 2026, Zeitzone: Berlin (Mitteleuropäische Zeit)",
        ),
        (
            "fr",
            "période du 1er octobre 2026 au 31 octobre 2026, fuseau horaire\xa0: Berlin (heure d\u2019Europe centrale)",
            "du 1er octobre 2026 au 31 octobre 2026, fuseau horaire\xa0: Berlin (heure d\u2019Europe centrale)",
        ),
    ],
)
def test_the_statement_and_invoice_name_the_merchants_zone_in_its_language_not_by_its_iana_name(
    language, period, supply
):
    berlin = merchant_new(f"berlin-{language}", country="DE", language=language)
    assert berlin.time_zone == "Europe/Berlin"
    top_up(berlin, "20.00", at=utc(2026, 10, 2), ref=f"BER-{language}")
    margin_confirmed(berlin, "3.00", at=utc(2026, 10, 20), key=f"berlin:{language}")

    statement, invoice = _documents(berlin, OCT, now=utc(2026, 11, 1, 3))

    statement_text, invoice_text = (" ".join(pdf_text(d.pdf).split()) for d in (statement, invoice))
    assert " ".join(period.split()) in statement_text and " ".join(supply.split()) in invoice_text
    assert "Europe/Berlin" not in statement_text + invoice_text
    assert "heure de" not in statement_text + invoice_text
