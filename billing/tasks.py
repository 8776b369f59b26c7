"""django-q2 tasks of billing (scheduled by migrations 0006 and 0011)."""

from __future__ import annotations

from datetime import UTC

from django.utils import timezone

from billing.services import billing_run, coin_invoices_issue_due

# The hour (UTC) of the one run a day that e-mails ops about documents that could not be issued;
# every other run logs them. By then the month has ended in nearly every zone (UTC-9 and later
# included), and ops are not e-mailed about the same document every hour.
ALERT_HOUR_UTC = 9


def billing_run_due() -> str:
    """Every hour: each merchant's last month that has ended in the merchant's time zone, issued once
    (statements and service-fee invoices). Safe to run any number of times."""
    now = timezone.now()
    return str(billing_run(now=now, alert=now.astimezone(UTC).hour == ALERT_HOUR_UTC))


def coin_invoices_issue() -> str:
    """Every minute: the invoice of each Promote coin purchase not invoiced yet. Safe to run twice."""
    return f"{coin_invoices_issue_due(now=timezone.now())} coin purchase invoice(s) issued"
