"""Reads for the console and the brand page."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from django.db.models import QuerySet, Sum
from django.utils import timezone
from moneyed import Money

from merchants.models import Merchant
from wallets.models import Account, Entry, Purpose

REWARD_KIND = "REWARD"


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


def _month_start(now: datetime) -> datetime:
    return now.replace(day=1, hour=0, minute=0, second=0, microsecond=0)


def dashboard_figures(*, merchant: Merchant, now: datetime | None = None) -> dict:
    """The console dashboard's figures, each from a real query on the ledger.

    Rewards are ledger transactions of kind REWARD that debit the merchant's
    available account; consumers are the owners of the user accounts they credit.
    Active campaigns are those with status ACTIVE (``campaigns.selectors.campaign_active_count``).
    """
    from campaigns.selectors import campaign_active_count

    now = now or timezone.now()
    since = _month_start(now)
    rewards = Entry.objects.filter(
        account__in=_available_accounts(merchant).filter(currency=merchant.currency),
        transaction__kind=REWARD_KIND,
        amount__lt=0,
    )
    paid = rewards.filter(transaction__created_at__gte=since).aggregate(total=Sum("amount"))["total"]
    credited = Entry.objects.filter(
        transaction__in=rewards.values("transaction_id"),
        account__owner_type="accounts.user",
        amount__gt=0,
    )
    before = credited.filter(transaction__created_at__lt=since).values("account__owner_id")
    new_consumers = (
        credited.filter(transaction__created_at__gte=since)
        .exclude(account__owner_id__in=before)
        .values("account__owner_id")
        .distinct()
        .count()
    )
    return {
        "balance": wallet_balance(merchant=merchant),
        "rewards_paid_this_month": Money(-(paid or Decimal("0.00")), merchant.currency),
        "new_consumers_this_month": new_consumers,
        "active_campaigns": campaign_active_count(merchant=merchant),
    }


def wallet_balances(*, merchant: Merchant) -> list[Money]:
    """The balance in the merchant's currency first, then any other currency it holds."""
    others = [
        account.balance_money
        for account in _available_accounts(merchant).exclude(currency=merchant.currency).order_by("currency")
    ]
    return [wallet_balance(merchant=merchant), *others]
