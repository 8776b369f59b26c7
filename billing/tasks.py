"""django-q2 tasks of billing (scheduled by migration 0003)."""

from __future__ import annotations

from django.utils import timezone

from billing.months import Month
from billing.services import billing_run, coin_invoices_issue_due


def billing_run_last_month() -> str:
    """On the 1st: issue last month's statements and invoices. Safe to run twice (nothing is made twice)."""
    now = timezone.now()
    return str(billing_run(month=Month.before(now), now=now))


def coin_invoices_issue() -> str:
    """Every minute: the invoice of each Promote coin purchase not invoiced yet. Safe to run twice."""
    return f"{coin_invoices_issue_due(now=timezone.now())} coin purchase invoice(s) issued"
