"""django-q2 tasks of billing (scheduled by migration 0003)."""

from __future__ import annotations

from django.utils import timezone

from billing.months import Month
from billing.services import billing_run


def billing_run_last_month() -> str:
    """On the 1st: issue last month's statements and invoices. Safe to run twice (nothing is made twice)."""
    now = timezone.now()
    return str(billing_run(month=Month.before(now), now=now))
