"""Reads of rewards: the consumer's wallet (``/wallet/``) and the merchant console's figures.

Balances come from the ledger (the user's ``USER_PENDING`` and ``USER_AVAILABLE``
accounts); everything else from the ``Reward`` rows the engine writes in the same
database transaction as each ledger movement, so the two always agree.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal

from django.conf import settings
from django.contrib.auth.base_user import AbstractBaseUser
from django.db.models import Count, F, Q, QuerySet, Sum
from django.db.models.functions import Coalesce, TruncDate
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext, gettext_lazy, pgettext_lazy
from moneyed import Money

from campaigns.models import ActionType, Campaign, CampaignStatus, PauseReason, RewardRule
from core.db import subquery_count, subquery_sum, subquery_sums
from merchants.days import merchant_day, merchant_zone
from merchants.models import Merchant
from rewards.models import (
    FIGURE_COLUMNS,
    ActionStatus,
    CampaignDay,
    LaunchWatch,
    MerchantConsumer,
    PersonRewardFigures,
    PostEngagementDay,
    Reward,
    RewardKind,
    RewardStatus,
    SocialAction,
)
from rewards.reasons import Reason, reward_reason_text
from social.models import TikTokProfile
from wallets.formats import list_text, money_text, names_text
from wallets.models import Account, Purpose
from wallets.movements import Movement, person_movements
from wallets.withdrawals import PAYOUT_CURRENCY, not_payable_text, payout_minimum

# The wallet lists this many of the latest rewards under review, reversed, actions refused for lack
# of money and brands awaited (rewards.wallet_page reads the same rows for its fingerprint).
WALLET_LIST_LIMIT = 10

HELD_EXPLANATION = gettext_lazy("Under review: we check unusual activity. You'll see the outcome here.")


# What a person reads for each status (the engine's labels are for operators).
def reward_plan_note(reward: Reward) -> str:
    """What the person's subscriptions did for this reward, in words (empty when nothing)."""
    if not reward.bonus and reward.advance_at is None:
        return ""  # no plan did anything for it (and its calculation needn't be read)
    if "calculation_plans" in reward.__dict__:  # the wallet's history reads just this part
        plans = reward.calculation_plans or []
    else:
        plans = (reward.calculation or {}).get("plans", [])
    notes = []
    for plan in plans:
        if plan.get("benefit") == "BONUS" and reward.bonus:
            notes.append(
                gettext("includes a %(plan)s bonus of %(bonus)s")
                % {"plan": plan.get("plan"), "bonus": money_text(reward.bonus, reward.currency)}
            )
        elif plan.get("benefit") == "FAST" and reward.advance_at is not None:
            until = date_format(timezone.localtime(reward.available_at), "DATE_FORMAT")
            if reward.advanced_at is not None and reward.status == RewardStatus.PENDING:
                notes.append(
                    gettext("available early with %(plan)s: the brand can still reverse it until %(until)s")
                    % {"plan": plan.get("plan"), "until": until}
                )
            elif reward.status == RewardStatus.PENDING:
                early = date_format(timezone.localtime(reward.advance_at), "DATETIME_FORMAT")
                notes.append(
                    gettext("available early with %(plan)s: from %(early)s")
                    % {"plan": plan.get("plan"), "early": early}
                )
    text = list_text(notes)
    return text[:1].upper() + text[1:]


STATUS_FOR_USER = {
    RewardStatus.PENDING: gettext_lazy("Pending"),
    RewardStatus.CONFIRMED: gettext_lazy("Available"),
    RewardStatus.HELD: gettext_lazy("Under review"),
    RewardStatus.REVERSED: pgettext_lazy("reward status", "Reversed"),
}


# ---------------------------------------------------------------------------
# The consumer's wallet


@dataclass(frozen=True)
class CurrencyBalance:
    currency: str
    pending: Money
    available: Money


def wallet_balances_get(*, user: AbstractBaseUser) -> list[CurrencyBalance]:
    """Pending and available balances per currency, from the user's ledger accounts (stored balances).

    Only currencies the user has an account in are listed; a new user has none.
    """
    rows = Account.objects.owned_by(user).filter(purpose__in=[Purpose.USER_PENDING, Purpose.USER_AVAILABLE])
    by_currency: dict[str, dict[str, Decimal]] = {}
    for account in rows:
        by_currency.setdefault(account.currency, {})[account.purpose] = account.balance
    return [
        CurrencyBalance(
            currency=currency,
            pending=Money(values.get(Purpose.USER_PENDING, Decimal("0.00")), currency),
            available=Money(values.get(Purpose.USER_AVAILABLE, Decimal("0.00")), currency),
        )
        for currency, values in sorted(by_currency.items())
    ]


def wallet_money_get(*, user: AbstractBaseUser) -> tuple[list[CurrencyBalance], list[Money]]:
    """The wallet's balances (``wallet_balances_get``) and what the person owes per currency
    (``wallets.debts.debts_of``), from one read of their accounts."""
    rows = list(
        Account.objects.owned_by(user).filter(
            purpose__in=[Purpose.USER_PENDING, Purpose.USER_AVAILABLE, Purpose.USER_OWED]
        )
    )
    by_currency: dict[str, dict[str, Decimal]] = {}
    debts = []
    for account in sorted(rows, key=lambda a: a.currency):
        if account.purpose == Purpose.USER_OWED:
            if account.balance < 0:
                debts.append(Money(-account.balance, account.currency))
            continue
        by_currency.setdefault(account.currency, {})[account.purpose] = account.balance
    balances = [
        CurrencyBalance(
            currency=currency,
            pending=Money(values.get(Purpose.USER_PENDING, Decimal("0.00")), currency),
            available=Money(values.get(Purpose.USER_AVAILABLE, Decimal("0.00")), currency),
        )
        for currency, values in sorted(by_currency.items())
    ]
    return balances, debts


def wallet_history(*, user: AbstractBaseUser) -> QuerySet[Reward]:
    """Every reward of the user, newest first, with what a history line shows (the brand and the
    action, and of the engine's calculation only what the subscriptions did)."""
    return (
        Reward.objects.filter(user=user)
        .select_related("merchant", "action")
        .defer("calculation")
        .annotate(calculation_plans=F("calculation__plans"))  # what a plan did: the line says it
        .order_by("-created_at", "-pk")
    )


# The ledger kinds this app writes on a person's accounts (rewards.services.*_KIND), in the person's
# words (one ledger entry each: the data export's wallet_history says them so, never the code). The
# wallet's history says them as rewards, so "Other movements" leaves them out (DEBT_REPAID, a debt
# repaid from a reward, is not one of them: it is shown there).
REWARD_LEDGER_WORDS = {
    "REWARD": gettext_lazy("Reward credited, pending"),
    "REWARD_HOLD": gettext_lazy("Reward held for review"),
    "REWARD_RELEASE": gettext_lazy("Reward released after review"),
    "REWARD_CONFIRM": gettext_lazy("Reward confirmed: now available"),
    "REWARD_REVERSAL": gettext_lazy("Reward reversed"),
    "REWARD_ADVANCE": gettext_lazy("Reward made available early (JoyFast)"),
    "REWARD_ADVANCE_DEBT": gettext_lazy("Reward made available early, then reversed: an amount you owe"),
}
REWARD_LEDGER_KINDS = frozenset(REWARD_LEDGER_WORDS)


def wallet_movements(
    *, user: AbstractBaseUser, limit: int = WALLET_LIST_LIMIT, before: int | None = None
) -> tuple[list[Movement], bool]:
    """What changed the person's available balance other than their rewards (coins bought,
    commissions paid, payouts, debts repaid...), newest first, and whether there are older ones;
    ``before``: those older than that movement (the pages of ``/wallet/movements/``)."""
    return person_movements(user=user, exclude_kinds=REWARD_LEDGER_KINDS, limit=limit, before=before)


def reward_action_label(reward: Reward) -> str:
    """What the person did, as they would say it."""
    if reward.kind == RewardKind.ENGAGEMENT:
        return gettext("Engagement on your shared post")
    return ActionType(reward.action.action_type).label


def reward_reason_for_user(reward: Reward) -> str:
    """Why a reward is where it is, in words; empty when there is nothing to explain."""
    if reward.status == RewardStatus.HELD:
        return str(HELD_EXPLANATION)
    if reward.status == RewardStatus.REVERSED:
        # The engine's own reasons in the reader's language; a reason ops typed as written.
        return reward_reason_text(reward.reason) or gettext("Reversed.")
    return ""


# ---------------------------------------------------------------------------
# Actions refused for lack of money: why a reward is waiting


def unfunded_deadline(action: SocialAction) -> datetime:
    """Until when an UNFUNDED action may still be paid: its retry window, or the campaign's end if sooner."""
    deadline = action.created_at + timedelta(days=settings.REWARDS_UNFUNDED_RETRY_DAYS)
    campaign = action.campaign
    if campaign is not None and campaign.ends_at is not None:
        deadline = min(deadline, campaign.ends_at)
    return deadline


def _day(moment: datetime) -> str:
    return date_format(timezone.localtime(moment), "DATE_FORMAT")


def unfunded_explanation(action: SocialAction, *, now: datetime | None = None) -> str:
    """Why an action refused for lack of money (UNFUNDED) is not paid, and what would still pay it, as
    the engine will do it (``rewards.services.unfunded_actions_retry``)."""
    now = now or timezone.now()
    brand = action.merchant.brand_name
    campaign = action.campaign
    deadline = unfunded_deadline(action)
    budget = action.reason == Reason.BUDGET_REACHED
    values = {"brand": brand, "day": _day(deadline)}
    if campaign is not None and campaign.status == CampaignStatus.ENDED:
        return (
            gettext("Not paid: %(brand)s's campaign ran out of money and ended before more arrived.") % values
        )
    if now >= deadline:
        if budget:
            return (
                gettext("Not paid: %(brand)s's campaign budget was spent and was not raised before %(day)s.")
                % values
            )
        return (
            gettext("Not paid: %(brand)s's wallet was empty and they did not add funds before %(day)s.")
            % values
        )
    if (
        campaign is not None
        and campaign.status == CampaignStatus.PAUSED
        and campaign.pause_reason == PauseReason.MERCHANT
    ):
        return (
            gettext(
                "Waiting: %(brand)s paused the campaign. Your reward will be paid if they resume it before "
                "%(day)s and it still fits the campaign's limits."
            )
            % values
        )
    if budget:
        return (
            gettext(
                "Waiting: %(brand)s's campaign budget is spent. Your reward will be paid if they raise it "
                "before %(day)s and it still fits the campaign's limits."
            )
            % values
        )
    return (
        gettext(
            "Waiting: %(brand)s's wallet is empty. Your reward will be paid if they add funds before %(day)s "
            "and it still fits the campaign's limits."
        )
        % values
    )


@dataclass(frozen=True)
class WaitingAction:
    action: SocialAction
    label: str
    explanation: str
    expired: bool


def unfunded_actions(
    *, user: AbstractBaseUser, now: datetime, limit: int = WALLET_LIST_LIMIT
) -> list[WaitingAction]:
    """The person's latest actions refused for lack of money, each with why and until when it may be paid."""
    rows = (
        SocialAction.objects.filter(user=user, status=ActionStatus.UNFUNDED)
        .select_related("merchant", "campaign")
        .order_by("-created_at", "-pk")[:limit]
    )
    return [
        WaitingAction(
            action=action,
            label=ActionType(action.action_type).label,
            explanation=unfunded_explanation(action, now=now),
            expired=now >= unfunded_deadline(action),
        )
        for action in rows
    ]


@dataclass(frozen=True)
class AwaitedBrand:
    merchant: Merchant
    started_at: datetime | None  # when the person was told a campaign started; None while waiting


def awaited_brands(*, user: AbstractBaseUser) -> list[AwaitedBrand]:
    """Brands the person joined while they had no live campaign (the brand page promised to tell them)."""
    return [
        AwaitedBrand(merchant=watch.merchant, started_at=watch.notified_at)
        for watch in LaunchWatch.objects.filter(user=user)
        .select_related("merchant")
        .order_by("-created_at", "-pk")[:WALLET_LIST_LIMIT]
    ]


def status_counts(*, user: AbstractBaseUser) -> dict[str, int]:
    """How many rewards the user has in each status (every status listed, zeros included)."""
    return wallet_reward_figures(user=user).counts


@dataclass(frozen=True)
class RewardFigures:
    counts: dict[str, int]  # rewards per status, every status listed
    held_totals: list[Money]  # what the rewards under review would pay, per currency

    @property
    def total(self) -> int:
        return sum(self.counts.values())


def wallet_reward_figures(*, user: AbstractBaseUser) -> RewardFigures:
    """The user's rewards counted by status and the held ones' amounts per currency: one row a
    currency the engine keeps (``PersonRewardFigures``), not a count of every reward."""
    counts = dict.fromkeys(RewardStatus.values, 0)
    held: dict[str, Decimal] = {}
    for row in PersonRewardFigures.objects.filter(user=user).order_by("currency"):
        for status, column in FIGURE_COLUMNS.items():
            counts[status] += getattr(row, column)
        if row.held:
            held[row.currency] = row.held_amount
    return RewardFigures(
        counts=counts, held_totals=[Money(total, currency) for currency, total in held.items()]
    )


@dataclass
class AvailabilityDay:
    """The pending rewards whose hold period ends on one day."""

    day_date: date
    is_due: bool = False  # the day has come: the reward is checked at the next settlement run
    amounts: list[Money] = field(default_factory=list)
    rewards: int = 0
    with_post: int = 0  # of them, rewards for a shared post (checked: the post is still up)
    from_tiktok: int = 0  # rewards for a TikTok action (checked: the account is still connected)


def availability_schedule(*, user: AbstractBaseUser, now: datetime) -> list[AvailabilityDay]:
    """Pending rewards grouped by the day their hold ends (in the site's time zone), soonest first.

    A day in the past means the hold is over and the reward is being checked:
    it becomes available (or is reversed) at the next settlement run.
    """
    rows = (
        # A reward advanced (JoyFast) is available already; one to be advanced counts on that day.
        Reward.objects.filter(user=user, status=RewardStatus.PENDING, advanced_at__isnull=True)
        .annotate(day=TruncDate(Coalesce("advance_at", "available_at")))
        .values("day", "currency")
        .annotate(
            total=Sum("user_amount"),
            n=Count("pk"),
            with_post=Count("pk", filter=Q(action__tracked_post__isnull=False)),
            from_tiktok=Count(
                "pk", filter=Q(action_type__in=(ActionType.TIKTOK_LOGIN, ActionType.SHARE_VIDEO))
            ),
        )
        .order_by("day", "currency")
    )
    today = timezone.localdate(now)
    days: dict[date, AvailabilityDay] = {}
    for row in rows:
        day = days.setdefault(row["day"], AvailabilityDay(day_date=row["day"], is_due=row["day"] <= today))
        day.amounts.append(Money(row["total"], row["currency"]))
        day.rewards += row["n"]
        day.with_post += row["with_post"]
        day.from_tiktok += row["from_tiktok"]
    return list(days.values())


def availability_conditions(
    schedule: list[AvailabilityDay], *, available: Money | None = None, owed: Sequence[Money] = ()
) -> str:
    """What is checked on the day the schedule's rewards end their hold, as it is true of those
    rewards (``services._confirmation_blocker``): the post still up only for a reward that has a
    post, the TikTok account still connected only for one from TikTok; a WhatsApp sign-in's reward
    has neither.

    Then the money is the person's; "yours to pay out" only when it can be: the schedule's euro
    (what a payout is made in) with ``available`` (the person's available euro) reaches the smallest
    payout (``wallets.withdrawals.payout_minimum``, what ``payout_request`` refuses below). Below
    it, the sentence says how much more a payout needs instead. Money in another currency is the
    person's but never said to be paid out: the sentence says so (``not_payable_text``), and with
    it the euro a payout could then take. A person who owes (``owed``, in any currency) is never
    told of a payout: a debt stops every one (``payout_request``) until it is repaid."""
    if owed:
        return " ".join(
            [
                _conditions_yours(schedule),
                gettext(
                    "While you owe %(owed)s, what becomes available repays it first, and payouts to your "
                    "bank wait until it is repaid."
                )
                % {"owed": names_text(money_text(money) for money in owed)},
            ]
        )
    minimum = payout_minimum()
    coming = sum(
        (money for day in schedule for money in day.amounts if money.currency.code == PAYOUT_CURRENCY),
        Money(0, PAYOUT_CURRENCY),
    )
    others: dict[str, Money] = {}
    for money in (money for day in schedule for money in day.amounts):
        code = money.currency.code
        if code != PAYOUT_CURRENCY and money.amount > 0:
            others[code] = others.get(code, Money(0, code)) + money
    total = coming + (available or Money(0, PAYOUT_CURRENCY))
    payable = coming.amount > 0 and total >= minimum
    if payable and not others:
        return _conditions_payable(schedule)
    parts = [_conditions_yours(schedule)]
    if payable:
        parts.append(
            gettext("If these rewards all stand, you can then pay out %(total)s to your bank.")
            % {"total": money_text(total)}
        )
    elif coming.amount > 0:
        parts.append(
            gettext(
                "If these rewards all stand, you will then have %(total)s available; payouts to your bank "
                "start at %(minimum)s, so you need %(missing)s more before you can ask for one."
            )
            % {
                "total": money_text(total),
                "minimum": money_text(minimum),
                "missing": money_text(minimum - total),
            }
        )
    if others:
        parts.append(not_payable_text(others[code] for code in sorted(others)))
    return " ".join(parts)


def _conditions_payable(schedule: list[AvailabilityDay]) -> str:
    if any(day.with_post for day in schedule):
        return gettext(
            "On that day we check the conditions still hold (your post is still up, your account still "
            "connected); then the money is yours to pay out."
        )
    if any(day.from_tiktok for day in schedule):
        return gettext(
            "On that day we check the conditions still hold (your TikTok account still connected); "
            "then the money is yours to pay out."
        )
    return gettext("On that day we check the reward still stands; then the money is yours to pay out.")


def _conditions_yours(schedule: list[AvailabilityDay]) -> str:
    """``_conditions_payable`` without "to pay out": said when the money can't be paid out yet."""
    if any(day.with_post for day in schedule):
        return gettext(
            "On that day we check the conditions still hold (your post is still up, your account still "
            "connected); then the money is yours."
        )
    if any(day.from_tiktok for day in schedule):
        return gettext(
            "On that day we check the conditions still hold (your TikTok account still connected); "
            "then the money is yours."
        )
    return gettext("On that day we check the reward still stands; then the money is yours.")


def held_rewards(*, user: AbstractBaseUser, limit: int = WALLET_LIST_LIMIT) -> QuerySet[Reward]:
    """The user's latest rewards under review (the wallet says how many there are in all)."""
    return wallet_history(user=user).filter(status=RewardStatus.HELD)[:limit]


def reversed_rewards(*, user: AbstractBaseUser, limit: int = WALLET_LIST_LIMIT) -> QuerySet[Reward]:
    return wallet_history(user=user).filter(status=RewardStatus.REVERSED)[:limit]


def held_and_reversed(
    *, user: AbstractBaseUser, limit: int = WALLET_LIST_LIMIT, counts: dict[str, int] | None = None
) -> dict[str, list[Reward]]:
    """The latest ``limit`` rewards under review and the latest ``limit`` reversed, newest first
    (a list the person's ``counts``, when given, say is empty is not read).

    Two short reads along the (user, status, created_at) index, each stopping at ``limit`` rows: one
    query ranking every held and reversed reward (a window) read and joined them all first,
    31 ms for a person with 10,000 rewards against a few ms (docs/benchmarks.md)."""
    counts = counts or {}
    return {
        RewardStatus.HELD: list(held_rewards(user=user, limit=limit))
        if counts.get(RewardStatus.HELD, 1)
        else [],
        RewardStatus.REVERSED: list(reversed_rewards(user=user, limit=limit))
        if counts.get(RewardStatus.REVERSED, 1)
        else [],
    }


DEEP_PAGE_OFFSET = 200


def wallet_history_page(
    *, user: AbstractBaseUser, offset: int, size: int, deep_from: int = DEEP_PAGE_OFFSET
) -> list[Reward]:
    """One page of ``wallet_history``. A deep page reads the page's ids first (the index alone), then
    those rows with their brand and action, so it doesn't join every row before it; the first
    pages, read as they are, need no second query."""
    if offset < deep_from:
        return list(wallet_history(user=user)[offset : offset + size])
    ids = list(wallet_history(user=user).values_list("pk", flat=True)[offset : offset + size])
    rows = {reward.pk: reward for reward in wallet_history(user=user).filter(pk__in=ids)}
    return [rows[pk] for pk in ids if pk in rows]


def held_totals(*, user: AbstractBaseUser) -> list[Money]:
    """What the user's rewards under review would pay them, per currency."""
    return wallet_reward_figures(user=user).held_totals


def wallet_tiktok_profile(*, user: AbstractBaseUser) -> TikTokProfile | None:
    """The TikTok identity the wallet's "Connected accounts" shows (None: not connected)."""
    return TikTokProfile.objects.filter(user=user).first()


def _amount(money: Money) -> str:
    return f"{money.amount:.2f}"


def history_item(reward: Reward) -> dict:
    """One history line as the JSON summary gives it."""
    return {
        "id": reward.pk,
        "created_at": reward.created_at.isoformat(),
        "brand": reward.merchant.brand_name,
        "action": reward_action_label(reward),
        "kind": reward.kind,
        "amount": _amount(reward.user_money),
        "currency": reward.currency,
        "status": reward.status,
        "status_label": str(STATUS_FOR_USER[reward.status]),
        "available_at": reward.available_at.isoformat(),
        "reason": reward_reason_for_user(reward),
    }


def wallet_summary(*, user: AbstractBaseUser, now: datetime, history_size: int = 10) -> dict:
    """The wallet's figures as plain JSON types (amounts as strings): the website widget's data."""
    schedule = availability_schedule(user=user, now=now)
    upcoming = schedule[0] if schedule else None
    return {
        "balances": {
            row.currency: {"pending": _amount(row.pending), "available": _amount(row.available)}
            for row in wallet_balances_get(user=user)
        },
        "counts": status_counts(user=user),
        "next_availability": (
            {
                "date": upcoming.day_date.isoformat(),
                "due": upcoming.is_due,
                "amounts": {money.currency.code: _amount(money) for money in upcoming.amounts},
                "rewards": upcoming.rewards,
            }
            if upcoming
            else None
        ),
        "history": [history_item(reward) for reward in wallet_history(user=user)[:history_size]],
        "waiting": [
            {
                "brand": item.action.merchant.brand_name,
                "action": item.label,
                "created_at": item.action.created_at.isoformat(),
                "until": unfunded_deadline(item.action).isoformat(),
                "expired": item.expired,
                "explanation": item.explanation,
            }
            for item in unfunded_actions(user=user, now=now)
        ],
    }


# ---------------------------------------------------------------------------
# The merchant console


NOT_REVERSED = [RewardStatus.PENDING, RewardStatus.CONFIRMED, RewardStatus.HELD]


def _month_start(now: datetime, *, merchant: Merchant) -> datetime:
    """Midnight on the 1st of the merchant's month of ``now``, in its time zone (``merchants.days``)."""
    return now.astimezone(merchant_zone(merchant)).replace(day=1, hour=0, minute=0, second=0, microsecond=0)


def _rewards_paid_since(*, merchant: Merchant, since: datetime) -> QuerySet[CampaignDay]:
    return CampaignDay.objects.filter(
        campaign__merchant=merchant,
        campaign__currency=merchant.currency,
        day_date__gte=merchant_day(merchant, since),
    )


def merchant_rewards_paid(*, merchant: Merchant, since: datetime) -> Money:
    """Merchant price of the rewards granted since ``since`` (a midnight in the merchant's time zone)
    that are not reversed (held ones count: their money has left the merchant's funds until review
    decides), in the merchant's currency: from the campaigns' days the engine keeps (``CampaignDay``)."""
    total = _rewards_paid_since(merchant=merchant, since=since).aggregate(total=Sum("rewards_paid"))["total"]
    return Money(total or Decimal("0.00"), merchant.currency)


def _new_consumers_since(*, merchant: Merchant, since: datetime) -> QuerySet[MerchantConsumer]:
    return MerchantConsumer.objects.filter(merchant=merchant, joined_at__gte=since)


def merchant_new_consumers(*, merchant: Merchant, since: datetime) -> int:
    """People whose first action for this merchant was recorded since ``since`` (one row a person,
    kept by the engine: ``MerchantConsumer.joined_at``)."""
    return _new_consumers_since(merchant=merchant, since=since).count()


def merchant_active_campaigns(*, merchant: Merchant) -> int:
    return Campaign.objects.filter(merchant=merchant, status=CampaignStatus.ACTIVE).count()


ENGAGEMENT = ("views", "likes", "comments", "shares")


def merchant_post_engagement(*, merchant: Merchant) -> dict[str, int]:
    """Views, likes, comments and shares of the posts people shared for the brand: each post's latest
    counts, summed. Read from the merchant's days the engine keeps (``PostEngagementDay``: its
    campaigns', and its shares' without a campaign), whose gains add up to the posts' latest counts:
    a row a campaign a day, not every snapshot."""
    totals = PostEngagementDay.objects.filter(merchant=merchant).aggregate(
        **{name: Sum(name) for name in ENGAGEMENT}
    )
    return {name: int(value or 0) for name, value in totals.items()}


def _share_rules_spent(*, merchant: Merchant) -> QuerySet[RewardRule]:
    return RewardRule.objects.filter(
        campaign__merchant=merchant, campaign__currency=merchant.currency, action=ActionType.SHARE_VIDEO
    )


def _per_1000_views(*, cost: Decimal, views: int, currency: str) -> Money | None:
    if views <= 0:
        return None
    per_1000 = (cost * 1000 / Decimal(views)).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
    return Money(per_1000, currency)


def merchant_cost_per_1000_views(*, merchant: Merchant, views: int) -> Money | None:
    """Merchant price of the share and engagement rewards not reversed, per 1,000 views of the
    posts (``None`` when the posts have no views yet). Rounded half up to the cent.

    That price is what the merchant's share rules have spent (``RewardRule.spent``, kept by the
    engine with each reward and reversal), not a sum over every reward ever paid."""
    if views <= 0:
        return None
    cost = _share_rules_spent(merchant=merchant).aggregate(total=Sum("spent"))["total"] or Decimal("0.00")
    return _per_1000_views(cost=cost, views=views, currency=merchant.currency)


def merchant_reward_figure_expressions(*, merchant: Merchant, now: datetime) -> dict:
    """What ``merchant_reward_figures`` reads, as scalar subqueries read in one query (the
    dashboard reads them with the other panels' figures: ``console_site.register_panel``)."""
    since = _month_start(now, merchant=merchant)
    return {
        "rewards_paid": subquery_sum(_rewards_paid_since(merchant=merchant, since=since), "rewards_paid"),
        "new_consumers": subquery_count(_new_consumers_since(merchant=merchant, since=since)),
        "active_campaigns": subquery_count(
            Campaign.objects.filter(merchant=merchant, status=CampaignStatus.ACTIVE)
        ),
        "engagement": subquery_sums(PostEngagementDay.objects.filter(merchant=merchant), ENGAGEMENT),
        "share_spent": subquery_sum(_share_rules_spent(merchant=merchant), "spent"),
    }


def merchant_reward_figures_of(values: dict, *, merchant: Merchant) -> dict:
    """The dashboard's reward figures from the values of ``merchant_reward_figure_expressions``."""
    engagement = {name: int(total) for name, total in zip(ENGAGEMENT, values["engagement"], strict=True)}
    views = engagement["views"]
    return {
        "rewards_paid_this_month": Money(values["rewards_paid"], merchant.currency),
        "new_consumers_this_month": values["new_consumers"],
        "active_campaigns": values["active_campaigns"],
        **{f"post_{name}": total for name, total in engagement.items()},
        "cost_per_1000_views": _per_1000_views(
            cost=values["share_spent"], views=views, currency=merchant.currency
        ),
    }


def merchant_reward_figures(*, merchant: Merchant, now: datetime) -> dict:
    """The console dashboard's reward figures (in one query)."""
    expressions = merchant_reward_figure_expressions(merchant=merchant, now=now)
    values = Merchant.objects.filter(pk=merchant.pk).values(**expressions).get()
    return merchant_reward_figures_of(values, merchant=merchant)


@dataclass(frozen=True)
class EngagedConsumer:
    """A person who did something for the merchant: figures only (what the merchant may see of
    the person comes from ``merchants.selectors.people_seen_by_merchant``)."""

    user_id: int
    actions: int
    rewards: int
    earned: Money  # merchant price of their rewards not reversed
    first_at: datetime
    last_at: datetime
    ref: int = 0  # the merchant's own number for the person (MerchantConsumer): Diagnostics' link


def engaged_consumer_rows(*, merchant: Merchant) -> QuerySet:
    """One row per person with at least one social action for the merchant, most recent first
    (``MerchantConsumer``, kept by the engine; read in the order of its index).

    Nothing of the person is read here: see ``merchants.selectors.people_seen_by_merchant``.
    """
    return (
        MerchantConsumer.objects.filter(merchant=merchant)
        .order_by("-last_at", "user_id")
        .values("pk", "user_id", n=F("actions"), first=F("first_at"), last=F("last_at"))
    )


def engaged_consumers(*, merchant: Merchant, rows) -> list[EngagedConsumer]:
    """``rows`` (a page of ``engaged_consumer_rows``) with each person's reward figures."""
    rows = list(rows)
    reward_totals = {
        row["user_id"]: row
        for row in Reward.objects.filter(
            merchant=merchant,
            currency=merchant.currency,
            status__in=NOT_REVERSED,
            user_id__in=[row["user_id"] for row in rows],
        )
        .values("user_id")
        .annotate(n=Count("pk"), total=Sum("merchant_price"))
        .order_by()
    }
    result = []
    for row in rows:
        totals = reward_totals.get(row["user_id"], {})
        result.append(
            EngagedConsumer(
                user_id=row["user_id"],
                actions=row["n"],
                rewards=totals.get("n", 0),
                earned=Money(totals.get("total") or Decimal("0.00"), merchant.currency),
                first_at=row["first"],
                last_at=row["last"],
                ref=row.get("pk", 0),
            )
        )
    return result
