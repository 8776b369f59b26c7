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

from django.db.models import Count, Max, Sum
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import get_language, gettext, ngettext
from moneyed import Money

from accounts.models import User
from affiliates.models import Commission, CommissionState
from campaigns.models import Campaign, CampaignStatus, campaign_name_in
from core.i18n import label_in_sentence
from merchants.models import BankTransfer, Membership, Merchant
from payouts.models import IN_FLIGHT_STATES, OPEN_STATES, IdentityStatus, PayeeIdentity, Payout
from payouts.selectors import current_bank_account
from payouts.services import merchant_refund_refusal, tax_id_needed
from privacy.models import DataExport, MerchantClosure
from promote.models import OPEN_STATUSES, OrderStatus, PromoteOrder
from promote.selectors import coin_holdings_get
from rewards.models import Ban, Reward, RewardStatus
from subscriptions.models import Subscription, SubscriptionStatus
from wallets.debts import debt_owed
from wallets.formats import money_text
from wallets.models import Account, Entry, Purpose, owner_key
from wallets.selectors import accounts_of
from wallets.withdrawals import PAYOUT_CURRENCY, payout_minimum

PAYOUT, FORFEIT = "PAYOUT", "FORFEIT"


@dataclass(frozen=True)
class BalanceFate:
    """One currency of the person's available balance and what deletion does with it."""

    amount: Money
    fate: str  # PAYOUT or FORFEIT
    why: str  # for a payout: where it goes; for a forfeit: why it can't be paid out
    # A forfeit the person can still avoid by a payout before deleting (missing bank details, identity,
    # a safety hold that ends); never for an amount no payout can take (below the minimum, not euros).
    avoidable: bool = False
    # When the reason is the bank details' safety hold: a payout can be asked for only after this moment.
    wait_until: datetime | None = None


@dataclass(frozen=True)
class Repayment:
    """In one currency: what the person's available balance pays back before the rest's fate, and what
    TikJoy writes off (``privacy.services.account_delete``).

    ``advanced``: the person's share of their rewards made available early (JoyFast) and still in the
    brands' hold; they are reversed with the other pending rewards (the brands get their money back),
    so the advance is taken back. ``owed``: a debt they already had. Both are paid from the available
    balance as far as it goes (``taken_back``); TikJoy writes off the rest (``written_off``), so an
    erased account owes nothing.
    """

    advanced: Money
    advanced_count: int
    owed: Money
    taken_back: Money
    written_off: Money


@dataclass(frozen=True)
class RewardsToReverse:
    status: str  # the status's value, what the fingerprint keeps (its label is in the reader's language)
    status_label: str
    count: int
    amounts: list[Money]


@dataclass(frozen=True)
class DeletionPlan:
    refusal: str  # why this account can't be deleted here ("" when it can)
    balances: list[BalanceFate] = field(default_factory=list)
    to_reverse: list[RewardsToReverse] = field(default_factory=list)  # advanced ones are in ``repayments``
    repayments: list[Repayment] = field(default_factory=list)
    payouts_in_flight: list[Payout] = field(default_factory=list)
    commissions_to_reverse: list[RewardsToReverse] = field(default_factory=list)
    coins: int = 0  # Promote coins turned back into money (counted in ``balances``) first
    coin_funds: list[Money] = field(default_factory=list)
    # Plans (JoyPlus, JoyFast) the deletion ends at once; nothing of the month paid is refunded.
    subscriptions_ending: list[Subscription] = field(default_factory=list)

    @property
    def fingerprint(self) -> str:
        """What the person confirmed: the money, its fate, the rewards, commissions, coins, payouts and
        the plans that end (a plan started or renewed since is a new plan to confirm).

        Built from values, never from words: the same plan has the same fingerprint in every
        language (a person who switches language between the page and the click isn't refused).
        A refusal isn't part of it: ``account_delete`` refuses on the refusal itself first.
        """
        parts = [f"{b.amount.amount}{b.amount.currency}:{b.fate}" for b in self.balances]
        parts += [f"{r.status}:{r.count}:{_amounts_key(r.amounts)}" for r in self.to_reverse]
        parts += [
            f"r:{r.advanced_count}:{_amounts_key([r.advanced, r.owed, r.taken_back, r.written_off])}"
            for r in self.repayments
        ]
        parts += [f"c:{r.status}:{r.count}:{_amounts_key(r.amounts)}" for r in self.commissions_to_reverse]
        parts += [f"coins:{self.coins}:{_amounts_key(self.coin_funds)}"]
        parts += [f"payout:{p.pk}:{p.state}" for p in self.payouts_in_flight]
        parts += [f"plan:{s.pk}:{s.period_end.isoformat()}" for s in self.subscriptions_ending]
        return hashlib.sha256("|".join(parts).encode()).hexdigest()[:32]


def _amounts_key(amounts: list[Money]) -> str:
    """Amounts as plain values (``str(Money)`` formats them in the active language)."""
    return ",".join(f"{m.amount}{m.currency}" for m in amounts)


def _payout_refusal(user: User, amount: Money, *, now: datetime) -> tuple[str, bool, datetime | None]:
    """Why ``amount`` can't be paid out to the person now ("" when it can), and whether the person
    can still change that before deleting (bank details, identity, tax id, a hold that ends).

    The same conditions ``payouts.services.payout_request`` checks, read without writing;
    that service still decides (a payout it refuses stops the deletion, nothing erased). The third
    value is when a safety hold ends, the refusal's only reason (a payout can't be asked for before).
    """
    if str(amount.currency) != PAYOUT_CURRENCY:
        return gettext("payouts are made in euro only"), False, None
    minimum = payout_minimum()
    if amount < minimum:
        return (
            gettext("it is below the smallest payout (%(minimum)s)") % {"minimum": money_text(minimum)},
            False,
            None,
        )
    if Ban.objects.filter(user=user).exists():
        return gettext("your account is banned"), False, None
    # A debt is repaid from the balance before this amount is known or written off (``Repayment``): the
    # deletion passes what it writes off to ``payout_request(debts_settled=)``, in any currency.
    identity = PayeeIdentity.objects.filter(user=user).first()
    if identity is None or identity.status == IdentityStatus.MORE_INFO:
        return gettext("we don't have your identity for payouts"), True, None
    if not identity.tax_id and tax_id_needed(user=user, amount=amount.amount, now=now):
        return gettext("payouts above the yearly limit need your tax id"), True, None
    account = current_bank_account(owner=user)
    if account is None:
        return gettext("you have no bank details"), True, None
    if account.is_blocked:
        return gettext("your bank details were refused by the bank"), True, None
    if account.payouts_hold_until > now:
        return (
            gettext("your bank details are still in their 48-hour safety hold"),
            True,
            account.payouts_hold_until,
        )
    return "", False, None


def deletion_plan_get(*, user: User, now: datetime) -> DeletionPlan:
    """What deleting this person's account does with their money, as the confirmation page states it."""
    if user.deleted_at is not None:
        return DeletionPlan(refusal=gettext("This account is already deleted."))
    if user.is_staff:
        return DeletionPlan(
            refusal=gettext("Staff accounts are closed by an administrator, not from this page.")
        )
    teams = list(Membership.objects.filter(user=user).values_list("merchant__brand_name", flat=True))
    if teams:
        return DeletionPlan(
            refusal=gettext(
                "You are on the team of %(teams)s. Leave the team (or close the merchant) before deleting your account."
            )
            % {"teams": ", ".join(sorted(teams))}
        )
    locked = Commission.objects.filter(affiliate__user=user, state=CommissionState.LOCKED)
    last_approval = locked.aggregate(until=Max("approve_date"))["until"]
    if last_approval is not None:
        count = locked.count()
        return DeletionPlan(
            refusal=ngettext(
                "%(count)s of your affiliate commissions is locked and is approved by %(day)s; it can't be "
                "taken back before. Delete your account after that date: it is then in your balance, paid out "
                "or forfeited as this page will say.",
                "%(count)s of your affiliate commissions are locked and are approved by %(day)s; they can't be "
                "taken back before. Delete your account after that date: they are then in your balance, paid out "
                "or forfeited as this page will say.",
                count,
            )
            % {"count": count, "day": date_format(last_approval, "DATE_FORMAT")}
        )
    orders = PromoteOrder.objects.filter(
        wallet__user=user, status__in=[*OPEN_STATUSES, OrderStatus.COMPLETED]
    )
    if orders.exists():
        return DeletionPlan(
            refusal=gettext(
                "A Promote order of yours is in review, running or waiting for its unspent coins to come "
                "back. Delete your account once it is settled."
            )
        )
    coins, coin_funds = _person_coins(user)
    totals = {
        account.currency: Money(account.balance, account.currency)
        for account in accounts_of(user).filter(purpose=Purpose.USER_AVAILABLE, balance__gt=0)
    }
    for money in coin_funds:
        totals[str(money.currency)] = totals.get(str(money.currency), Money(0, money.currency)) + money
    repayments = _repayments(user, totals)
    for repayment in repayments:
        currency = str(repayment.taken_back.currency)
        totals[currency] = totals.get(currency, Money(0, currency)) - repayment.taken_back
    balances = []
    for currency in sorted(totals):
        amount = totals[currency]
        if amount.amount <= 0:
            continue
        refusal, avoidable, wait_until = _payout_refusal(user, amount, now=now)
        if refusal:
            balances.append(
                BalanceFate(
                    amount=amount, fate=FORFEIT, why=refusal, avoidable=avoidable, wait_until=wait_until
                )
            )
        else:
            bank = current_bank_account(owner=user)
            balances.append(
                BalanceFate(
                    amount=amount, fate=PAYOUT, why=gettext("to %(iban)s") % {"iban": bank.iban_masked}
                )
            )
    to_reverse = []
    for status in (RewardStatus.PENDING, RewardStatus.HELD):
        rows = (
            Reward.objects.filter(user=user, status=status, advanced_at__isnull=True)
            .values("currency")
            .annotate(n=Count("pk"), total=Sum("user_amount"))
            .order_by("currency")
        )
        if rows:
            to_reverse.append(
                RewardsToReverse(
                    status=str(status),
                    status_label=RewardStatus(status).label,
                    count=sum(row["n"] for row in rows),
                    amounts=[Money(row["total"] or Decimal("0"), row["currency"]) for row in rows],
                )
            )
    commissions = []
    for state in (CommissionState.PENDING, CommissionState.HELD):
        rows = (
            Commission.objects.filter(affiliate__user=user, state=state)
            .values("currency")
            .annotate(n=Count("pk"), total=Sum("amount"))
            .order_by("currency")
        )
        if rows:
            commissions.append(
                RewardsToReverse(
                    status=str(state),
                    status_label=CommissionState(state).label,
                    count=sum(row["n"] for row in rows),
                    amounts=[Money(row["total"] or Decimal("0"), row["currency"]) for row in rows],
                )
            )
    in_flight = list(
        Payout.objects.filter(
            owner_type=User._meta.label_lower,
            owner_id=user.pk,
            state__in=[*OPEN_STATES, *IN_FLIGHT_STATES],
        ).order_by("pk")
    )
    return DeletionPlan(
        refusal="",
        balances=balances,
        to_reverse=to_reverse,
        repayments=repayments,
        payouts_in_flight=in_flight,
        commissions_to_reverse=commissions,
        coins=coins,
        coin_funds=coin_funds,
        subscriptions_ending=list(
            Subscription.objects.filter(user=user, status=SubscriptionStatus.ACTIVE)
            .select_related("plan")
            .order_by("pk")
        ),
    )


def _repayments(user: User, available: dict[str, Money]) -> list[Repayment]:
    """Per currency: the advances (JoyFast) the deletion takes back and the debt already owed, paid from
    ``available`` (the balance, coins' money included) as far as it goes, TikJoy writing off the rest."""
    advanced = {
        row["currency"]: row
        for row in Reward.objects.filter(user=user, status=RewardStatus.PENDING, advanced_at__isnull=False)
        .values("currency")
        .annotate(n=Count("pk"), total=Sum("user_amount"))
        .order_by("currency")
    }
    currencies = set(advanced) | {
        account.currency for account in accounts_of(user).filter(purpose=Purpose.USER_OWED, balance__lt=0)
    }
    repayments = []
    for currency in sorted(currencies):
        row = advanced.get(currency, {"n": 0, "total": Decimal("0")})
        advance = Money(row["total"] or Decimal("0"), currency)
        owed = debt_owed(owner=user, currency=currency)
        due = advance + owed
        taken_back = min(due, available.get(currency, Money(0, currency)))
        repayments.append(
            Repayment(
                advanced=advance,
                advanced_count=row["n"],
                owed=owed,
                taken_back=taken_back,
                written_off=due - taken_back,
            )
        )
    return repayments


def _person_coins(user: User) -> tuple[int, list[Money]]:
    """The person's free Promote coins and what withdrawing them gives back (``coins_withdraw``'s
    rule, ``coin_holdings_get``); coins in an open order refuse the deletion on their own."""
    holdings = coin_holdings_get(holder=user)
    if holdings is None:
        return 0, []
    return holdings.free, ([holdings.free_value] if holdings.free and holdings.free_value.amount > 0 else [])


def data_exports_list(*, user: User) -> list[DataExport]:
    """The person's recent exports, newest first (without their content)."""
    return list(DataExport.objects.filter(user=user).defer("content").order_by("-requested_at", "-pk")[:10])


# --- a merchant leaving ------------------------------------------------------------------------


def closed_merchant_returned_coins(*, merchant: Merchant) -> int:
    """The free Promote coins of a closed merchant (0 for one still open): coins its coupons left
    unused came back to it after the closing; asking for the refund turns them into money first."""
    if not Merchant.objects.filter(pk=merchant.pk, closed_at__isnull=False).exists():
        return 0
    holdings = coin_holdings_get(holder=merchant)
    return holdings.free if holdings else 0


@dataclass(frozen=True)
class ClosurePlan:
    """What closing a merchant does, or why it can't be closed now (``refusals``, in words)."""

    merchant: Merchant
    refusals: list[str] = field(default_factory=list)
    balances: list[Money] = field(default_factory=list)  # the prepaid funds, per currency
    coins: int = 0  # the free Promote coins, withdrawn back to the wallet first
    coin_funds: Money | None = None  # what those coins give back (``coins_withdraw``'s rule)
    coins_in_orders: int = 0  # in the merchant's promotions in review or running (they refuse closing)
    orders: int = 0
    coins_in_coupons: int = 0  # set aside for coupons given to consumers: not withdrawn, not refunded
    coupons: int = 0
    campaigns_to_end: list[str] = field(default_factory=list)  # their own names (the fingerprint's)
    campaigns_to_end_read: list[str] = field(default_factory=list)  # as the reader's language names them
    refund_to: str = ""  # the masked IBAN the refund goes to
    pending_rewards: int = 0  # pending or held rewards (the owner may reverse them)
    pending_rewards_until: datetime | None = None  # when the last hold ends

    @property
    def refund(self) -> Money | None:
        """What the refund will be: the funds in the merchant's currency plus the coins' money."""
        currency = self.merchant.currency
        total = next((b for b in self.balances if str(b.currency) == currency), Money(0, currency))
        if self.coin_funds is not None and str(self.coin_funds.currency) == currency:
            total += self.coin_funds
        return total if total.amount > 0 else None

    @property
    def fingerprint(self) -> str:
        """What the owner confirmed, from values only (the same in every language); the refusals
        aren't part of it: ``merchant_close`` refuses on them first."""
        coin_funds = [self.coin_funds] if self.coin_funds is not None else []
        parts = [_amounts_key(self.balances), str(self.coins), _amounts_key(coin_funds)]
        parts += [*self.campaigns_to_end, self.refund_to]
        return hashlib.sha256("|".join(parts).encode()).hexdigest()[:32]


def _money_list(rows, amount_key: str) -> str:
    return ", ".join(money_text(Money(row[amount_key] or 0, row["currency"])) for row in rows)


def merchant_money_moving(*, merchant: Merchant) -> tuple[list[str], int, datetime | None]:
    """Why the merchant's money is still moving, in words (empty when nothing is), the number of
    pending or held rewards and when the last one's hold ends. Read again under the closing's locks."""
    reasons = []
    owner_type, owner_id = owner_key(merchant)
    payouts = Payout.objects.filter(
        owner_type=owner_type, owner_id=owner_id, state__in=[*OPEN_STATES, *IN_FLIGHT_STATES]
    ).order_by("pk")
    for payout in payouts:
        reasons.append(
            gettext(
                "A refund of %(amount)s (%(reference)s) is %(state)s: wait until the bank has paid it or sent it back."
            )
            % {
                "amount": money_text(payout.money),
                "reference": payout.end_to_end_id,
                "state": label_in_sentence(payout.get_state_display()),
            }
        )
    waiting = BankTransfer.objects.filter(
        merchant=merchant, ledger_transaction__isnull=True, reversed_at__isnull=True
    ).order_by("pk")
    for top_up in waiting:
        reasons.append(
            gettext(
                "A top-up of %(amount)s (reference %(reference)s) waits for our second check: "
                "wait until it is credited or sent back."
            )
            % {"amount": money_text(top_up.amount, top_up.currency), "reference": top_up.bank_reference}
        )
    rewards = Reward.objects.filter(merchant=merchant, status__in=[RewardStatus.PENDING, RewardStatus.HELD])
    stats = rewards.aggregate(n=Count("pk"), until=Max("available_at"))
    if stats["n"]:
        rows = rewards.values("currency").annotate(total=Sum("merchant_price")).order_by("currency")
        reasons.append(
            ngettext(
                "%(count)s reward is still pending or held (%(amounts)s): it settles by %(until)s, "
                "or reverse it below with a reason.",
                "%(count)s rewards are still pending or held (%(amounts)s): they settle by %(until)s, "
                "or reverse them below with a reason.",
                stats["n"],
            )
            % {
                "count": stats["n"],
                "amounts": _money_list(rows, "total"),
                "until": date_format(timezone.localtime(stats["until"]), "DATE_FORMAT"),
            }
        )
    commissions = Commission.objects.filter(
        affiliate__program__merchant=merchant,
        state__in=[CommissionState.PENDING, CommissionState.HELD, CommissionState.LOCKED],
    )
    stats_c = commissions.aggregate(n=Count("pk"), until=Max("approve_date"))
    if stats_c["n"]:
        rows = commissions.values("currency").annotate(total=Sum("amount")).order_by("currency")
        reasons.append(
            ngettext(
                "%(count)s affiliate commission is not approved yet (%(amounts)s): it is approved on %(until)s.",
                "%(count)s affiliate commissions are not approved yet (%(amounts)s): "
                "the last is approved on %(until)s.",
                stats_c["n"],
            )
            % {
                "count": stats_c["n"],
                "amounts": _money_list(rows, "total"),
                "until": date_format(stats_c["until"], "DATE_FORMAT"),
            }
        )
    orders = PromoteOrder.objects.filter(
        wallet__merchant=merchant, status__in=[*OPEN_STATUSES, OrderStatus.COMPLETED]
    ).count()
    if orders:
        reasons.append(
            ngettext(
                "%(count)s Promote order is in review, running or waiting for its unspent coins to come back: "
                "wait until it is settled.",
                "%(count)s Promote orders are in review, running or waiting for their unspent coins to come back: "
                "wait until they are settled.",
                orders,
            )
            % {"count": orders}
        )
    return reasons, stats["n"], stats["until"]


def merchant_closure_plan_get(*, merchant: Merchant, now: datetime) -> ClosurePlan:
    """What closing ``merchant`` does now, as the owner's confirmation page states it."""
    if merchant.closed_at is not None:
        return ClosurePlan(
            merchant=merchant,
            refusals=[gettext("%(brand)s is already closed.") % {"brand": merchant.brand_name}],
        )
    refusals, pending, until = merchant_money_moving(merchant=merchant)
    balances = [
        Money(account.balance, account.currency)
        for account in accounts_of(merchant).filter(purpose=Purpose.MERCHANT_AVAILABLE).order_by("currency")
        if account.balance > 0
    ]
    holdings = coin_holdings_get(holder=merchant)
    coins = holdings.free if holdings else 0
    coin_funds = holdings.free_value if coins else None
    # The page names each campaign in the reader's language (``campaign_name_in``); the fingerprint keeps
    # their own names, the same in every language.
    campaigns = list(
        Campaign.objects.filter(merchant=merchant)
        .exclude(status=CampaignStatus.ENDED)
        .order_by("pk")
        .values_list("name", campaign_name_in(get_language()))
    )
    plan = ClosurePlan(merchant=merchant, balances=balances, coin_funds=coin_funds)
    for other in [*balances, *([coin_funds] if coin_funds is not None else [])]:
        if str(other.currency) != merchant.currency:
            refusals.append(
                gettext("The wallet also holds %(amount)s: write to us to have it refunded first.")
                % {"amount": money_text(other)}
            )
    refund = plan.refund
    refund_to = ""
    if refund is not None:
        why_not = merchant_refund_refusal(merchant=merchant, amount=refund, now=now)
        if why_not:
            refusals.append(
                gettext("The remaining %(amount)s is refunded to your bank account, but %(why)s.")
                % {"amount": money_text(refund), "why": why_not}
            )
        else:
            refund_to = current_bank_account(owner=merchant).iban_masked
    return ClosurePlan(
        merchant=merchant,
        refusals=refusals,
        balances=balances,
        coins=coins,
        coin_funds=coin_funds,
        coins_in_orders=holdings.in_orders if holdings else 0,
        orders=holdings.orders if holdings else 0,
        coins_in_coupons=holdings.in_coupons if holdings else 0,
        coupons=holdings.coupons if holdings else 0,
        campaigns_to_end=[name for name, _ in campaigns],
        campaigns_to_end_read=[name_read for _, name_read in campaigns],
        refund_to=refund_to,
        pending_rewards=pending,
        pending_rewards_until=until,
    )


def merchant_closure_get(*, merchant: Merchant) -> MerchantClosure | None:
    return (
        MerchantClosure.objects.filter(merchant=merchant).select_related("refund", "final_statement").first()
    )


def last_movement_at(account: Account) -> datetime | None:
    """When money last moved on a ledger account."""
    return (
        Entry.objects.filter(account=account)
        .order_by("-transaction__created_at")
        .values_list("transaction__created_at", flat=True)
        .first()
    )
