"""What a subscription changes in a reward, as pure functions (no database): the engine's decision
(``rewards.decision``) calls them, and the subscribe page states the same rules in words.

The JoyPlus bonus comes out of TikJoy's margin on the reward, never from the merchant's price:
``bonus = min(round_down(share x bonus_rate), round_down(margin x bonus_margin_cap))``, so it is
never more than the margin (the cap is at most 1) and the person's share plus the margin still
make exactly the merchant's price.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from moneyed import Money

from wallets.formats import money_text, percent_text
from wallets.money import round_down


@dataclass(frozen=True)
class PlanApplied:
    """One running subscription's benefits, as the person accepted them."""

    subscription_id: int
    plan: str  # the plan's name, as the person saw it
    bonus_rate: Decimal
    bonus_margin_cap: Decimal
    fast_hold_hours: int | None
    period_end: datetime


@dataclass(frozen=True)
class Benefits:
    """The benefits of every subscription of a person running at a moment (possibly none)."""

    plans: tuple[PlanApplied, ...] = ()

    @property
    def bonus_plan(self) -> PlanApplied | None:
        """The plan with the highest bonus (plans don't add up: the best one applies)."""
        with_bonus = [p for p in self.plans if p.bonus_rate > 0]
        return max(
            with_bonus, key=lambda p: (p.bonus_rate, p.bonus_margin_cap, -p.subscription_id), default=None
        )

    @property
    def fast_plan(self) -> PlanApplied | None:
        """The plan with the shortest hold."""
        fast = [p for p in self.plans if p.fast_hold_hours is not None]
        return min(fast, key=lambda p: (p.fast_hold_hours, p.subscription_id), default=None)


NO_BENEFITS = Benefits()


def plan_bonus(*, user_amount: Money, margin: Money, bonus_rate: Decimal, margin_cap: Decimal) -> Money:
    """The bonus a plan adds to the person's share: rounded down, and never more than the part of the
    margin the plan may take (itself never more than the whole margin)."""
    if not Decimal(0) <= bonus_rate <= Decimal(1) or not Decimal(0) <= margin_cap <= Decimal(1):
        raise ValueError("A bonus rate and a margin cap are between 0 and 1.")
    if user_amount.amount < 0 or margin.amount < 0:
        raise ValueError("A share and a margin can't be negative.")
    currency = str(margin.currency)
    wanted = round_down(user_amount.amount * bonus_rate, currency)
    allowed = round_down(margin.amount * margin_cap, currency)
    return min(wanted, allowed)


def hours_in_words(hours: int) -> str:
    """When a fast hold makes a reward available, in the active language: "at once", "after 1 day",
    "after 36 hours" (whole days are said in days)."""
    if hours == 0:
        return _("at once")
    if hours % 24 == 0:
        days = hours // 24
        return ngettext("after %(count)d day", "after %(count)d days", days) % {"count": days}
    return ngettext("after %(count)d hour", "after %(count)d hours", hours) % {"count": hours}


def terms_for(
    *,
    name: str,
    monthly_fee: Money,
    bonus_rate: Decimal,
    bonus_margin_cap: Decimal,
    fast_hold_hours: int | None,
) -> list[str]:
    """The plan's rules in words, shown before subscribing and kept with the subscription."""
    lines = [
        _(
            "%(plan)s costs %(fee)s a month, paid when you subscribe and on each renewal date, from your "
            "available JoyBack balance or by card, as you choose. If it can't be paid on a renewal date (your "
            "available balance is too low, or the card is declined), the plan ends then; rewards you earned "
            "while it ran keep what it gave them."
        )
        % {"plan": name, "fee": money_text(monthly_fee)},
        _(
            "You can cancel at any time: the plan then runs until the end of the month you paid for, and "
            "nothing more is taken."
        ),
    ]
    if bonus_rate > 0:
        values = {
            "plan": name,
            "rate": percent_text(bonus_rate * 100),
            "cap": percent_text(bonus_margin_cap * 100),
        }
        lines.append(
            (
                _(
                    "Bonus: %(rate)s more on every reward you earn while %(plan)s runs. TikJoy pays it from "
                    "its own margin on that reward, never from the brand's money, so on a small reward it may "
                    "be less, or nothing."
                )
                if bonus_margin_cap >= 1
                else _(
                    "Bonus: %(rate)s more on every reward you earn while %(plan)s runs. TikJoy pays it from "
                    "its own margin on that reward (%(cap)s of it at most), never from the brand's money, so "
                    "on a small reward it may be less, or nothing."
                )
            )
            % values
        )
    if fast_hold_hours is not None:
        when = hours_in_words(fast_hold_hours)
        lines.append(
            _(
                "Faster money: each reward you earn while %(plan)s runs becomes available %(when)s instead of "
                "at the end of the brand's hold period: TikJoy advances it. The brand can still reverse it until "
                "its hold period ends (for example if the post is deleted). Then TikJoy refunds the brand and you "
                "owe the amount back: it is taken from your available balance, and from your next rewards if "
                "that is not enough. While you owe anything, payouts to your bank wait."
            )
            % {"plan": name, "when": when}
        )
        lines.append(
            _(
                "If you delete your account, every reward still in its hold period goes back to its brand, those "
                "TikJoy advanced included: your available balance first pays back what was advanced and anything "
                "you owe, and TikJoy writes off whatever it can't cover. You never owe anything after your "
                "account is deleted."
            )
        )
    return lines
