"""Reads for the console and the brand page."""

from __future__ import annotations

from decimal import Decimal

from djmoney.money import Money

from merchants.models import Merchant


def wallet_balance(*, merchant: Merchant) -> Money:
    return Money(Decimal("0.00"), merchant.currency)


def wallet_history(*, merchant: Merchant) -> list:
    return []


def dashboard_figures(*, merchant: Merchant) -> dict:
    return {
        "balance": wallet_balance(merchant=merchant),
        "rewards_paid_this_month": Money(Decimal("0.00"), merchant.currency),
        "new_consumers_this_month": 0,
        "active_campaigns": 0,
    }
