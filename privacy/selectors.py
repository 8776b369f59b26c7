"""What deleting an account would do to a person's money, read before they confirm.

The confirmation page shows this plan and posts back its fingerprint: if the money
changed in between (a reward confirmed, a payout returned), the deletion is refused
and the page shows the new plan (``privacy.services.account_delete``).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal

from django.conf import settings
from django.db.models import Count, Sum
from moneyed import Money

from accounts.models import User
from merchants.models import Membership
from payouts.models import IN_FLIGHT_STATES, OPEN_STATES, IdentityStatus, PayeeIdentity, Payout
from payouts.selectors import current_bank_account
from payouts.services import PAYOUT_CURRENCY, tax_id_needed
from privacy.models import DataExport
from rewards.models import Ban, Reward, RewardStatus
from wallets.models import Purpose
from wallets.selectors import accounts_of

PAYOUT, FORFEIT = "PAYOUT", "FORFEIT"


@dataclass(frozen=True)
class BalanceFate:
    """One currency of the person's available balance and what deletion does with it."""

    amount: Money
    fate: str  # PAYOUT or FORFEIT
    why: str  # for a payout: where it goes; for a forfeit: why it can't be paid out


@dataclass(frozen=True)
class RewardsToReverse:
    status_label: str
    count: int
    amounts: list[Money]


@dataclass(frozen=True)
class DeletionPlan:
    refusal: str  # why this account can't be deleted here ("" when it can)
    balances: list[BalanceFate] = field(default_factory=list)
    to_reverse: list[RewardsToReverse] = field(default_factory=list)
    payouts_in_flight: list[Payout] = field(default_factory=list)

    @property
    def fingerprint(self) -> str:
        """What the person confirmed: the money, its fate, the rewards and payouts."""
        parts = [self.refusal]
        parts += [f"{b.amount.amount}{b.amount.currency}:{b.fate}" for b in self.balances]
        parts += [f"{r.status_label}:{r.count}:{[str(a) for a in r.amounts]}" for r in self.to_reverse]
        parts += [f"payout:{p.pk}:{p.state}" for p in self.payouts_in_flight]
        return hashlib.sha256("|".join(parts).encode()).hexdigest()[:32]


def _payout_refusal(user: User, amount: Money, *, now: datetime) -> str:
    """Why ``amount`` can't be paid out to the person now ("" when it can).

    The same conditions ``payouts.services.payout_request`` checks, read without writing;
    that service still decides (a payout it refuses stops the deletion, nothing erased).
    """
    if str(amount.currency) != PAYOUT_CURRENCY:
        return "payouts are made in euro only"
    minimum = Money(settings.PAYOUTS_MIN_AMOUNT, PAYOUT_CURRENCY)
    if amount < minimum:
        return f"it is below the smallest payout ({minimum})"
    if Ban.objects.filter(user=user).exists():
        return "your account is banned"
    identity = PayeeIdentity.objects.filter(user=user).first()
    if identity is None or identity.status == IdentityStatus.MORE_INFO:
        return "we don't have your identity for payouts"
    if not identity.tax_id and tax_id_needed(user=user, amount=amount.amount, now=now):
        return "payouts above the yearly limit need your tax id"
    account = current_bank_account(owner=user)
    if account is None:
        return "you have no bank details"
    if account.is_blocked:
        return "your bank details were refused by the bank"
    if account.payouts_hold_until > now:
        return "your bank details are still in their 48-hour safety hold"
    return ""


def deletion_plan_get(*, user: User, now: datetime) -> DeletionPlan:
    """What deleting this person's account does with their money, as the confirmation page states it."""
    if user.deleted_at is not None:
        return DeletionPlan(refusal="This account is already deleted.")
    if user.is_staff:
        return DeletionPlan(refusal="Staff accounts are closed by an administrator, not from this page.")
    teams = list(Membership.objects.filter(user=user).values_list("merchant__brand_name", flat=True))
    if teams:
        return DeletionPlan(
            refusal=f"You are on the team of {', '.join(sorted(teams))}. "
            "Leave the team (or close the merchant) before deleting your account."
        )
    balances = []
    for account in (
        accounts_of(user).filter(purpose=Purpose.USER_AVAILABLE, balance__gt=0).order_by("currency")
    ):
        amount = Money(account.balance, account.currency)
        refusal = _payout_refusal(user, amount, now=now)
        if refusal:
            balances.append(BalanceFate(amount=amount, fate=FORFEIT, why=refusal))
        else:
            bank = current_bank_account(owner=user)
            balances.append(BalanceFate(amount=amount, fate=PAYOUT, why=f"to {bank.iban_masked}"))
    to_reverse = []
    for status in (RewardStatus.PENDING, RewardStatus.HELD):
        rows = (
            Reward.objects.filter(user=user, status=status)
            .values("currency")
            .annotate(n=Count("pk"), total=Sum("user_amount"))
            .order_by("currency")
        )
        if rows:
            to_reverse.append(
                RewardsToReverse(
                    status_label=RewardStatus(status).label,
                    count=sum(row["n"] for row in rows),
                    amounts=[Money(row["total"] or Decimal("0"), row["currency"]) for row in rows],
                )
            )
    in_flight = list(
        Payout.objects.filter(requested_by=user, state__in=[*OPEN_STATES, *IN_FLIGHT_STATES]).order_by("pk")
    )
    return DeletionPlan(refusal="", balances=balances, to_reverse=to_reverse, payouts_in_flight=in_flight)


def data_exports_list(*, user: User) -> list[DataExport]:
    """The person's recent exports, newest first (without their content)."""
    return list(DataExport.objects.filter(user=user).defer("content").order_by("-requested_at", "-pk")[:10])
