"""What an action or an engagement snapshot earns: the engine's one decision, with no database access.

Both ways the engine pays (an action recorded now, a batch of engagement
snapshots) load and lock what they need, call :func:`decide` for each payment
with the locked figures, and persist what it returns. The caps, the budget,
the new/returning multiplier, the per-post maximum, the rounding, the split
between the person and the platform, the risk hold and the calculation record
the merchant sees ("how this was computed") are decided here and nowhere else.

Order of the rules (each may lower or refuse the amount):

1. the price: the rule's fixed amount (an action) or what the post's counts
   earn in all minus what it has earned before (engagement), times the
   multiplier, then capped (an action by the campaign's and the platform's
   maximum per reward; a post by the rule's and the platform's maximum per post);
2. the person's room under the campaign's per-user caps (total and per day):
   an action that doesn't fit is refused, engagement is paid up to the room;
3. the rule's maximum number of rewards (actions);
4. the campaign must be running;
5. the budget left: an action that doesn't fit is refused and the campaign
   pauses; engagement is paid up to what is left; a payment that uses the
   budget up is paid and pauses the campaign;
6. the split: the person's share rounded down; a payment that would give the
   person nothing is not made (engagement waits until it is worth a cent);
7. the person's subscriptions (``subscriptions``): a bonus plan (JoyPlus) adds
   to the person's share from TikJoy's margin, never more than the margin, the
   merchant's price unchanged; a fast plan (JoyFast) makes the reward available
   early (``advance_at``), advanced by TikJoy. The calculation records each plan
   that applied and why (or why it gave nothing);
8. the hold: held for review when the action is held or the risk score
   reaches the threshold.

The prepaid funds are the one condition decided outside: the ledger refuses a
payment the merchant's account can't cover, and the engine records that.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import date, datetime, timedelta
from decimal import Decimal

from django.utils import translation
from moneyed import Money

from campaigns.models import Campaign, PauseReason, RewardRule
from campaigns.pricing import action_price_capped, post_price_capped, smallest, split
from rewards.models import ActionStatus, RewardKind
from rewards.reasons import Reason, moment_param, money_param, reason_detail
from subscriptions.benefits import NO_BENEFITS, Benefits, hours_in_words, plan_bonus
from wallets.money import round_down, zero


@dataclass(frozen=True)
class Counts:
    views: int = 0
    likes: int = 0
    comments: int = 0
    shares: int = 0

    def as_dict(self) -> dict[str, int]:
        return {"views": self.views, "likes": self.likes, "comments": self.comments, "shares": self.shares}


@dataclass(frozen=True)
class Limits:
    """The platform's bounds for the campaign's currency (``PlatformLimit``), when ops set them."""

    max_reward: Decimal | None = None
    max_per_post: Decimal | None = None


@dataclass(frozen=True)
class Tally:
    """What the person has earned in the campaign so far (merchant price), from their locked tally."""

    total: Decimal = Decimal(0)
    day_date: date | None = None
    day_total: Decimal = Decimal(0)


@dataclass(frozen=True)
class Payment:
    """Everything the decision needs to know about one payment, read from locked rows."""

    kind: str  # RewardKind
    campaign: Campaign  # status, currency, budget, spent (plus what this batch already spent), caps
    rule: RewardRule  # amount or rates, maximum per post, maximum number of rewards and how many were paid
    limits: Limits
    tally: Tally
    today: date
    returning: bool  # the person has a confirmed reward from this merchant before
    user_share: Decimal  # the merchant's pricing plan
    hold_threshold: int
    risk_score: int = 0
    risk_signals: list[dict] = field(default_factory=list)
    already_held: bool = False  # the action itself is held for review
    counts: Counts | None = None  # engagement: the snapshot's counts
    earned_before: Decimal = Decimal(0)  # engagement: what the post earned before, reversed included
    benefits: Benefits = NO_BENEFITS  # the person's subscriptions running now
    now: datetime | None = None  # the moment of the decision (a fast plan counts its hours from it)
    available_at: datetime | None = None  # when the reward would become available without a fast plan


@dataclass(frozen=True)
class Decision:
    """What to do: pay (``price`` split into ``user_amount`` + ``margin``) or not, and why."""

    status: str  # the action's outcome (ActionStatus)
    reason: str = ""  # why (rewards.reasons.Reason), recorded on the action with ``params``
    params: dict = field(default_factory=dict)
    price: Decimal = Decimal(0)
    user_amount: Decimal = Decimal(0)
    margin: Decimal = Decimal(0)
    held: bool = False
    pause: str = ""  # PauseReason to pause the campaign with, or ""
    calculation: dict = field(default_factory=dict)
    daily_limit_reached: bool = False  # the person's daily cap refused this or is full after it
    bonus: Decimal = Decimal(0)  # a bonus plan's part of ``user_amount`` (taken from the margin)
    advance_at: datetime | None = None  # a fast plan: when TikJoy makes it available, before ``available_at``
    # The counters this decision read, as the bounds it stays the same within (a payment only: rules 3
    # and 5 are the rules that read them): the campaign's spent below ``spent_below`` (the budget left
    # is more than the price, so it is paid in full and pauses nothing) and the rule's rewards paid
    # below ``paid_below`` (its maximum number of rewards). None: no bound. The engine pays on counters
    # read without a lock and moves them only while they are within these bounds (``rewards.services``).
    spent_below: Decimal | None = None
    paid_below: int | None = None

    @property
    def pays(self) -> bool:
        return self.price > 0

    @property
    def stands_unlocked(self) -> bool:
        """A payment that pauses nothing: decided on counters read without a lock, it holds while the
        counters stay within ``spent_below`` and ``paid_below``."""
        return self.pays and not self.pause

    @property
    def detail(self) -> str:
        """The reason in English words (``SocialAction.status_detail``)."""
        return reason_detail(self.reason, self.params)


def user_room(*, campaign: Campaign, tally: Tally, today: date) -> Decimal | None:
    """How much more (merchant price) the person may earn in the campaign today; None when uncapped."""
    rooms = [
        room for room in (total_room(campaign, tally), daily_room(campaign, tally, today)) if room is not None
    ]
    return min(rooms) if rooms else None


def total_room(campaign: Campaign, tally: Tally) -> Decimal | None:
    if campaign.user_campaign_cap is None:
        return None
    return max(campaign.user_campaign_cap - tally.total, Decimal(0))


def daily_room(campaign: Campaign, tally: Tally, today: date) -> Decimal | None:
    if campaign.user_daily_cap is None:
        return None
    # A ``today`` older than the tally's day (a stale clock) is measured against that later day.
    spent_today = tally.day_total if tally.day_date is not None and today <= tally.day_date else Decimal(0)
    return max(campaign.user_daily_cap - spent_today, Decimal(0))


def post_earns(
    *, rule: RewardRule, counts: Counts, multiplier: Decimal, limits: Limits, currency: str
) -> Money:
    """What a post with these counts earns in all (merchant price), the multiplier and caps applied:
    ``campaigns.pricing.post_price_capped``, the one rule (the console's example reads it too)."""
    return post_price_capped(
        rule=rule,
        multiplier=multiplier,
        max_per_post=limits.max_per_post,
        currency=currency,
        views=counts.views,
        likes=counts.likes,
        comments=counts.comments,
        shares=counts.shares,
    )


def action_price(
    *, rule: RewardRule, campaign: Campaign, multiplier: Decimal, limits: Limits
) -> tuple[Decimal, bool]:
    """What an action (not engagement) costs the merchant before the person's caps and the budget: the
    rule's amount times the new/returning ``multiplier``, rounded down, cut to the campaign's and the
    platform's maximum per reward; and whether it was cut. The engine's rule 1 for an action, also read
    by the console's diagnostics; written once in ``campaigns.pricing.action_price_capped`` (the
    campaign editor's example, below the engine, reads it there)."""
    price, cut = action_price_capped(
        amount=rule.amount,
        multiplier=multiplier,
        max_reward=smallest(campaign.max_reward, limits.max_reward),
        currency=campaign.currency,
    )
    return price.amount, cut


def decide(payment: Payment) -> Decision:
    """The engine's decision for one payment (see the module's docstring for the order of the rules)."""
    campaign, rule, currency = payment.campaign, payment.rule, payment.campaign.currency
    multiplier = campaign.returning_user_multiplier if payment.returning else campaign.new_user_multiplier
    calculation: dict = {
        "rule": rule.pk,
        "user": "RETURNING" if payment.returning else "NEW",
        "multiplier": str(multiplier),
        "risk": list(payment.risk_signals),
    }
    engagement = payment.kind == RewardKind.ENGAGEMENT
    not_paid_status = ActionStatus.REWARDED if engagement else ActionStatus.INELIGIBLE

    def no(status: str, reason: str, pause: str = "", **params) -> Decision:
        params = {"currency": currency, **params}
        return Decision(status=status, reason=reason, params=params, pause=pause, calculation=calculation)

    # 1. The price.
    if engagement:
        counts = payment.counts or Counts()
        target = post_earns(
            rule=rule, counts=counts, multiplier=multiplier, limits=payment.limits, currency=currency
        )
        calculation.update(
            counts=counts.as_dict(),
            rates={
                "per_1000_views": str(rule.per_1000_views),
                "per_like": str(rule.per_like),
                "per_comment": str(rule.per_comment),
                "per_share": str(rule.per_share),
            },
            post_earns=str(target.amount),
            earned_before=str(payment.earned_before),
        )
        price = target.amount - payment.earned_before
        if price <= 0:
            # Nothing more earned: the post's counts did not raise it (engagement: the action keeps its
            # outcome, so no reason is recorded).
            return no(ActionStatus.REWARDED, "")
    else:
        price, capped = action_price(
            rule=rule, campaign=campaign, multiplier=multiplier, limits=payment.limits
        )
        calculation["amount"] = str(rule.amount)
        if capped:
            calculation["capped_at"] = str(price)
        if price <= 0:
            # A share rule may pay for engagement only: the action counts, its post earns later.
            return no(ActionStatus.RECORDED, Reason.EARNS_BY_ENGAGEMENT)

    # 2. The person's caps.
    room = user_room(campaign=campaign, tally=payment.tally, today=payment.today)
    day_room = daily_room(campaign, payment.tally, payment.today)
    daily_binds = day_room is not None and day_room == room  # the daily cap is (one of) the tightest
    if room is not None and room < price:
        if not engagement or room <= 0:
            if daily_binds:
                return replace(
                    no(
                        not_paid_status,
                        Reason.DAILY_CAP_REACHED,
                        cap=money_param(campaign.user_daily_cap),
                        earned=money_param(campaign.user_daily_cap - day_room),
                        price=money_param(price),
                    ),
                    daily_limit_reached=True,
                )
            return no(
                not_paid_status,
                Reason.PERSON_CAP_REACHED,
                cap=money_param(campaign.user_campaign_cap),
                earned=money_param(payment.tally.total),
                price=money_param(price),
            )
        price = room
        calculation["capped_by"] = "user cap"

    # 3. The rule's number of rewards.
    if not engagement and rule.max_rewards is not None and rule.rewards_paid >= rule.max_rewards:
        return no(ActionStatus.INELIGIBLE, Reason.RULE_LIMIT_REACHED, max_rewards=rule.max_rewards)

    # 4. The campaign runs and the rule still rewards this (both read from locked rows).
    if campaign.status != "ACTIVE":
        reason = {"PAUSED": Reason.CAMPAIGN_PAUSED, "ENDED": Reason.CAMPAIGN_ENDED}.get(
            campaign.status, Reason.CAMPAIGN_DRAFT
        )
        return no(
            not_paid_status,
            reason,
            pause_reason=campaign.pause_reason,
            ends_at=moment_param(campaign.ends_at),
        )
    if not rule.is_enabled:
        return no(not_paid_status, Reason.RULE_DISABLED)

    # 5. The budget.
    pause = ""
    if campaign.budget is not None:
        left = campaign.budget - campaign.spent
        if left <= 0 or (not engagement and price > left):
            return no(
                ActionStatus.UNFUNDED,
                Reason.BUDGET_REACHED,
                PauseReason.BUDGET,
                budget=money_param(campaign.budget),
                spent=money_param(campaign.spent),
                price=money_param(price),
            )
        if price >= left:
            if price > left:
                calculation["capped_by"] = "budget"
            price, pause = left, PauseReason.BUDGET  # this payment uses the budget up: pay it, then pause

    # 6. The split.
    user_amount, margin = split(price=Money(price, currency), user_share=payment.user_share)
    if user_amount.amount <= 0:
        # Too small to give the person a cent: engagement waits until it is worth one.
        return no(not_paid_status, Reason.TOO_SMALL, price=money_param(price))

    # 7. The person's subscriptions.
    held = payment.already_held or payment.risk_score >= payment.hold_threshold
    bonus, advance_at, plans = _plans(payment, user_amount=user_amount, margin=margin, held=held)
    if plans:
        calculation["plans"] = plans
    user_amount, margin = user_amount + bonus, margin - bonus

    # 8. The hold.
    return Decision(
        status=ActionStatus.HELD if held else ActionStatus.REWARDED,
        reason=Reason.HELD_FOR_REVIEW if held else Reason.PAID,
        params={
            "currency": currency,
            "price": money_param(price),
            "user_amount": money_param(user_amount.amount),
            **({"risk_score": payment.risk_score} if held else {}),
        },
        price=price,
        user_amount=user_amount.amount,
        margin=margin.amount,
        held=held,
        pause=pause,
        calculation=calculation,
        daily_limit_reached=day_room is not None and price >= day_room,
        bonus=bonus.amount,
        advance_at=advance_at,
        # rule 5 paid it in full with no pause: price < budget - spent; rule 3: paid < max_rewards
        spent_below=campaign.budget - price if campaign.budget is not None and not pause else None,
        paid_below=rule.max_rewards if not engagement and rule.max_rewards is not None else None,
    )


def _plans(
    payment: Payment, *, user_amount: Money, margin: Money, held: bool
) -> tuple[Money, datetime | None, list]:
    """What the person's subscriptions add: (the bonus, when the reward is advanced, the record of each
    plan that applied and why)."""
    currency = str(margin.currency)
    bonus, advance_at, plans = zero(currency), None, []
    bonus_plan = payment.benefits.bonus_plan
    if bonus_plan is not None:
        bonus = plan_bonus(
            user_amount=user_amount,
            margin=margin,
            bonus_rate=bonus_plan.bonus_rate,
            margin_cap=bonus_plan.bonus_margin_cap,
        )
        wanted = round_down(user_amount.amount * bonus_plan.bonus_rate, currency)
        rate = f"{(bonus_plan.bonus_rate * 100).normalize():f}"
        if bonus.amount <= 0:
            why = f"no bonus: TikJoy's margin on this reward ({margin.amount}) leaves nothing to give"
        elif bonus < wanted:
            why = f"+{rate} % of the person's share ({user_amount.amount}), cut to what TikJoy's margin ({margin.amount}) allows"
        else:
            why = f"+{rate} % of the person's share ({user_amount.amount}), from TikJoy's margin ({margin.amount})"
        plans.append(
            {
                "plan": bonus_plan.plan,
                "subscription": bonus_plan.subscription_id,
                "benefit": "BONUS",
                "bonus": str(bonus.amount),
                "margin_before": str(margin.amount),
                "why": why,
            }
        )
    fast_plan = payment.benefits.fast_plan
    if fast_plan is not None and payment.now is not None and payment.available_at is not None:
        early = payment.now + timedelta(hours=fast_plan.fast_hold_hours)
        entry = {"plan": fast_plan.plan, "subscription": fast_plan.subscription_id, "benefit": "FAST"}
        if early < payment.available_at:
            advance_at = early
            with translation.override("en"):  # the calculation is recorded in English
                wait = hours_in_words(fast_plan.fast_hold_hours)
            entry["advance_at"] = early.isoformat()
            entry["why"] = f"available {wait} instead of at the end of the hold, advanced by TikJoy" + (
                " (once the review approves it)" if held else ""
            )
        else:
            entry["why"] = "not applied: this reward's own hold ends sooner"
        plans.append(entry)
    for entry in plans:  # one line for the merchant's "how this was computed" (rewards/console.py)
        entry["detail"] = f"{entry['plan']}: {entry['why']}"
    return bonus, advance_at, plans
