"""The monthly run: the schedule, the task, the command; running twice makes nothing twice."""

from __future__ import annotations

from io import StringIO
from unittest import mock

import pytest
from django.core import mail
from django.core.management import CommandError, call_command
from django_q.models import Schedule

from billing.models import Invoice, InvoiceStatus, Statement
from billing.months import Month
from billing.services import billing_run
from billing.tasks import billing_run_due
from billing.tests.conftest import margin_confirmed, merchant_new, top_up, utc

pytestmark = pytest.mark.django_db

OCT = Month(2026, 10)


def _two_merchants():
    paris = merchant_new("paris", country="FR")
    berlin = merchant_new("berlin", country="DE", vat_number="DE136695976")
    for merchant in (paris, berlin):
        top_up(merchant, "100.00", at=utc(2026, 10, 2), ref=f"{merchant.slug}-1")
        margin_confirmed(merchant, "6.00", at=utc(2026, 10, 9), key=f"{merchant.slug}:m")
    return paris, berlin


def test_the_schedule_runs_the_task_every_hour():
    schedule = Schedule.objects.get(func="billing.tasks.billing_run_due")

    assert (schedule.schedule_type, schedule.cron, schedule.repeats) == ("C", "5 * * * *", -1)
    assert schedule.next_run.minute == 5
    assert not Schedule.objects.filter(func="billing.tasks.billing_run_last_month").exists()


def test_running_twice_makes_nothing_twice(django_capture_on_commit_callbacks):
    _two_merchants()

    with django_capture_on_commit_callbacks(execute=True):
        first = billing_run(month=OCT, now=utc(2026, 11, 1, 3))
    mails = len(mail.outbox)
    second = billing_run(month=OCT, now=utc(2026, 11, 1, 4))

    assert (first.statements_issued, first.invoices_finalised, first.failures) == (2, 2, [])
    assert (second.statements_issued, second.invoices_finalised) == (0, 0)
    assert (second.statements_existing, second.invoices_existing) == (2, 2)
    assert Statement.objects.count() == 2
    assert sorted(Invoice.objects.values_list("number", flat=True)) == ["INV-2026-000001", "INV-2026-000002"]
    assert len(mail.outbox) == mails == 4  # each owner: statement + invoice, once
    assert {m.to[0] for m in mail.outbox} == {"owner@paris.example", "owner@berlin.example"}


def test_the_task_issues_last_month():
    _two_merchants()

    with mock.patch("billing.tasks.timezone.now", return_value=utc(2026, 11, 1, 3)):
        summary = billing_run_due()
        billing_run_due()

    # 03:00 UTC on 1 November: October is over in Paris and Berlin (and September in every zone)
    assert summary.startswith("2026-09, 2026-10: statements 2 issued")
    assert Statement.objects.filter(month=OCT.first_day).count() == 2
    assert Invoice.objects.filter(status=InvoiceStatus.FINALISED).count() == 2


def test_the_command_prints_progress_for_one_merchant():
    paris, _berlin = _two_merchants()
    out = StringIO()

    call_command("billing_run", "--month", "2026-10", "--merchant", "paris", stdout=out)

    text = out.getvalue()
    assert "statement paris EUR: issued" in text
    assert "invoice paris EUR: INV-2026-000001" in text
    assert "2026-10: statements 1 issued" in text
    assert not Statement.objects.exclude(merchant=paris).exists()


def test_the_command_refuses_a_bad_month_or_merchant():
    with pytest.raises(CommandError, match="YYYY-MM"):
        call_command("billing_run", "--month", "October")
    with pytest.raises(CommandError, match="No merchant"):
        call_command("billing_run", "--month", "2026-10", "--merchant", "nobody")
    with pytest.raises(CommandError, match="not over yet"):
        call_command("billing_run", "--month", "2999-01")


def test_an_invoice_that_breaks_the_standard_stays_a_draft_and_the_run_goes_on(
    django_capture_on_commit_callbacks,
):
    from billing.tests.conftest import ops
    from merchants.models import Merchant

    paris, berlin = _two_merchants()
    ops()
    Merchant.objects.filter(pk=paris.pk).update(legal_name="")

    with django_capture_on_commit_callbacks(execute=True):
        report = billing_run(month=OCT, now=utc(2026, 11, 1, 3))

    assert report.invoices_finalised == 1 and len(report.failures) == 1
    assert "BR-07" in report.failures[0]
    assert Invoice.objects.get(merchant=paris).status == InvoiceStatus.DRAFT
    assert Invoice.objects.get(merchant=berlin).number == "INV-2026-000001"
    assert any(m.subject.startswith("[TikJoy ops] Invoice 2026-10 EUR of paris") for m in mail.outbox)


@pytest.mark.django_db(transaction=True)
def test_two_runs_at_once_make_each_document_once():
    import threading

    from django.db import connection

    _two_merchants()
    barrier = threading.Barrier(2, timeout=60)
    reports, errors = [], []

    def run() -> None:
        try:
            barrier.wait()
            reports.append(billing_run(month=OCT, now=utc(2026, 11, 1, 3)))
        except Exception as exc:  # pragma: no cover - reported below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=run) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert errors == []
    assert Statement.objects.count() == 2
    assert sorted(Invoice.objects.values_list("number", flat=True)) == ["INV-2026-000001", "INV-2026-000002"]
    assert sum(r.statements_issued for r in reports) == 2 and sum(r.invoices_finalised for r in reports) == 2


def test_an_operator_who_saved_german_reads_the_invoice_left_as_a_draft_alert_in_german(
    django_capture_on_commit_callbacks,
):
    from accounts.models import User
    from billing.tests.conftest import ops, user
    from merchants.models import Merchant

    paris, _berlin = _two_merchants()
    ops()
    german = user("betrieb@tikjoy.example", is_staff=True)
    User.objects.filter(pk=german.pk).update(language="de")
    Merchant.objects.filter(pk=paris.pk).update(legal_name="")

    with django_capture_on_commit_callbacks(execute=True):
        billing_run(month=OCT, now=utc(2026, 11, 1, 3))

    [alert] = [m for m in mail.outbox if m.to == [german.email]]
    assert alert.subject == "[TikJoy ops] Rechnung 2026-10 EUR von paris als Entwurf belassen"
    assert alert.body.startswith("Die E-Rechnung verletzt EN 16931 (") and "BR-07" in alert.body
    [english] = [m for m in mail.outbox if m.to == ["ops@tikjoy.example"]]
    assert english.subject == "[TikJoy ops] Invoice 2026-10 EUR of paris left as a draft"
