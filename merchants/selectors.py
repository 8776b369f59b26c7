"""Reads for the console and the brand page."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from django.db.models import QuerySet
from django.utils import timezone
from moneyed import Money

from merchants.models import Merchant
from wallets.models import Account, Entry, Purpose


def _available_accounts(merchant: Merchant) -> QuerySet[Account]:
    return Account.objects.owned_by(merchant).filter(purpose=Purpose.MERCHANT_AVAILABLE)


def wallet_balance(*, merchant: Merchant) -> Money:
    """The available balance in the merchant's currency (zero before the first top-up)."""
    value = (
        _available_accounts(merchant)
        .filter(currency=merchant.currency)
        .values_list("balance", flat=True)
        .first()
    )
    return Money(value or Decimal("0.00"), merchant.currency)


def wallet_history(*, merchant: Merchant) -> QuerySet[Entry]:
    """Every movement on the merchant's available accounts, newest first, with its reason."""
    return (
        Entry.objects.filter(account__in=_available_accounts(merchant))
        .select_related("transaction")
        .order_by("-id")
    )


def dashboard_figures(*, merchant: Merchant, now: datetime | None = None) -> dict:
    """The console dashboard's figures, each from a real query.

    The balance comes from the ledger; the reward figures (rewards paid this month
    net of reversals, new consumers, active campaigns, the engagement of the posts
    people made for the brand and the cost per 1,000 of their views) from
    ``rewards.selectors.merchant_reward_figures``, which documents each one.
    """
    from rewards.selectors import merchant_reward_figures

    now = now or timezone.now()
    return {
        "balance": wallet_balance(merchant=merchant),
        **merchant_reward_figures(merchant=merchant, now=now),
    }


def wallet_balances(*, merchant: Merchant) -> list[Money]:
    """The balance in the merchant's currency first, then any other currency it holds."""
    others = [
        account.balance_money
        for account in _available_accounts(merchant).exclude(currency=merchant.currency).order_by("currency")
    ]
    return [wallet_balance(merchant=merchant), *others]
