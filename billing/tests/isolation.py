"""Billing documents for ``merchants/tests/test_tenant_isolation.py``: one statement and one invoice per merchant."""

from __future__ import annotations

from datetime import timedelta

from django.utils import timezone
from moneyed import Money

from billing.months import Month
from billing.services import invoice_draft_for_month, invoice_finalise, statement_issue
from merchants.days import merchant_zone
from wallets.models import PLATFORM, Purpose
from wallets.services import account_for, post


def populate_billing(*, merchant, label: str) -> None:
    """The month now running in the merchant's zone (where its margin posted now falls), closed an
    hour after its end (services take ``now``)."""
    now = timezone.now()
    month = Month.of(now.astimezone(merchant_zone(merchant)).date())
    closed = month.ended_everywhere + timedelta(hours=1)
    currency = merchant.currency
    funds = account_for(owner=merchant, purpose=Purpose.MERCHANT_AVAILABLE, currency=currency)
    revenue = account_for(
        owner=PLATFORM, purpose=Purpose.PLATFORM_REVENUE, currency=currency, partition=merchant
    )
    post(
        entries=[(funds, -Money("1.20", currency)), (revenue, Money("1.20", currency))],
        kind="REWARD_CONFIRM",
        reason=f"{label} margin confirmed",
        idempotency_key=f"isolation:{label}:margin",
    )
    statement_issue(merchant=merchant, currency=currency, month=month, now=closed)
    draft = invoice_draft_for_month(merchant=merchant, currency=currency, month=month, now=closed)
    invoice_finalise(invoice_id=draft.pk, actor=None, now=closed)
