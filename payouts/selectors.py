"""Reads of the payouts app: what the person's payouts page and the ops queue show."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from django.conf import settings
from django.db.models import Count, QuerySet
from django.utils.formats import date_format
from django.utils.translation import gettext
from moneyed import Money

from accounts.models import User
from payouts.models import BankAccount, PayeeIdentity, Payout, PayoutState
from wallets.models import Account, Purpose, owner_key
from wallets.services import account_for, balance
from wallets.withdrawals import PAYOUT_CURRENCY, not_payable_text, payout_minimum


def add_business_days(day: date, days: int) -> date:
    while days > 0:
        day += timedelta(days=1)
        if day.weekday() < 5:
            days -= 1
    return day


def expected_arrival(payout: Payout) -> str:
    """What the person is told about when the money arrives."""
    low, high = settings.PAYOUTS_ARRIVAL_DAYS
    if payout.state in (PayoutState.EXPORTED, PayoutState.ACCEPTED) and payout.exported_at:
        start = payout.exported_at.date()
        return gettext("between %(first)s and %(last)s") % _days(start, low, high)
    if payout.state in (PayoutState.REQUESTED, PayoutState.APPROVED):
        start = add_business_days(payout.requested_at.date(), 1)
        return gettext(
            "%(low)s to %(high)s business days after we send it, so about %(first)s to %(last)s"
        ) % {"low": low, "high": high, **_days(start, low, high)}
    return ""


def _days(start: date, low: int, high: int) -> dict[str, str]:
    """The first and last expected day in the active language ("9. Februar" … "11. Februar 2026")."""
    return {
        "first": date_format(add_business_days(start, low), "MONTH_DAY_FORMAT"),
        "last": date_format(add_business_days(start, high), "DATE_FORMAT"),
    }


def current_bank_account(*, owner) -> BankAccount | None:
    owner_type, owner_id = owner_key(owner)
    return BankAccount.objects.current().filter(owner_type=owner_type, owner_id=owner_id).first()


def payouts_for(*, owner) -> QuerySet[Payout]:
    owner_type, owner_id = owner_key(owner)
    return (
        Payout.objects.filter(owner_type=owner_type, owner_id=owner_id)
        .select_related("bank_account")
        .order_by("-requested_at", "-pk")
    )


@dataclass(frozen=True)
class PayoutsPage:
    available: Money
    bank_account: BankAccount | None
    on_hold: bool
    identity: PayeeIdentity | None
    payouts: list[dict]
    minimum: Money
    # The person's available money in other currencies, which no payout takes: said so, as the wallet does.
    not_payable: str = ""


def payouts_page_get(*, user: User, now: datetime) -> PayoutsPage:
    account = current_bank_account(owner=user)
    rows = [
        {
            "payout": payout,
            "arrival": expected_arrival(payout),
            "cancellable": payout.state in (PayoutState.REQUESTED, PayoutState.APPROVED)
            and not payout.batch_id,
        }
        for payout in payouts_for(owner=user)[:50]
    ]
    return PayoutsPage(
        available=balance(account_for(owner=user, purpose=Purpose.USER_AVAILABLE, currency="EUR")),
        bank_account=account,
        on_hold=bool(account and account.payouts_hold_until > now),
        identity=PayeeIdentity.objects.filter(user=user).first(),
        payouts=rows,
        minimum=payout_minimum(),
        not_payable=_not_payable(user),
    )


def _not_payable(user: User) -> str:
    """``not_payable_text`` of the person's available balances in a currency no payout is made in."""
    others = [
        Money(account.balance, account.currency)
        for account in Account.objects.owned_by(user)
        .filter(purpose=Purpose.USER_AVAILABLE, balance__gt=0)
        .exclude(currency=PAYOUT_CURRENCY)
        .order_by("currency")
    ]
    return not_payable_text(others) if others else ""


def iban_shared_counts(hashes: list[str]) -> dict[str, int]:
    """How many different owners stand behind each IBAN hash."""
    rows = (
        BankAccount.objects.filter(iban_hash__in=hashes)
        .values("iban_hash")
        .annotate(owners=Count("owner_id", distinct=True))
    )
    return {row["iban_hash"]: row["owners"] for row in rows}


def iban_shared_users(*, user_id: int, among: list[int]) -> list[int]:
    """Those people of ``among`` whose bank details (current or retired) hold an IBAN the person
    ``user_id`` has given too: a sign that two accounts are one person (affiliates holds their
    commissions, through ``tikjoy.duplicates``)."""
    if not among:
        return []
    mine = BankAccount.objects.filter(user_id=user_id).values("iban_hash")
    return sorted(
        set(
            BankAccount.objects.filter(user_id__in=among, iban_hash__in=mine)
            .exclude(user_id=user_id)
            .values_list("user_id", flat=True)
        )
    )
