"""The arithmetic of rewards: what the merchant pays, what the user gets, what the platform keeps.

Pure functions (except :func:`plan_for`, which reads the merchant's plan) in ``Decimal`` with
explicit rounding: every amount is rounded DOWN to the currency's minor unit, so the platform
never pays a user more than the merchant funded, and ``user_amount + margin == price`` exactly.
The reward engine calls these; docs/campaigns.md has a worked example.
"""

from __future__ import annotations

from decimal import Decimal

from django.db.models import Exists, OuterRef, Q, Subquery
from django.db.models.functions import Coalesce
from django.utils.translation import gettext
from moneyed import Money

from campaigns.models import ActionType, MerchantPricing, PlatformLimit, PricingPlan, RewardRule
from wallets.money import is_at_precision, round_down, zero

EXAMPLE_POST = {"views": 10_000, "likes": 300, "comments": 20, "shares": 5}


class NoPricingPlan(LookupError):
    """No plan assigned to the merchant and no default plan: ops must create one in /ops/."""


def plan_for(merchant) -> PricingPlan:
    """The merchant's pricing plan, or the default plan when ops assigned none."""
    assigned = MerchantPricing.objects.filter(merchant=merchant)
    plan = (  # one query: the assigned plan first, else the (only) default one
        PricingPlan.objects.filter(Q(pk__in=assigned.values("plan")) | Q(is_default=True))
        .annotate(assigned=Exists(assigned.filter(plan=OuterRef("pk"))))
        .order_by("-assigned", "pk")
        .first()
    )
    if plan is None:
        raise NoPricingPlan(gettext("No default pricing plan: ops must mark one plan as the default."))
    return plan


def user_share_expression(merchant) -> Coalesce:
    """``plan_for(merchant).user_share`` as an expression, to read with other rows (``NULL``: no
    plan, where ``plan_for`` raises ``NoPricingPlan``)."""
    assigned = MerchantPricing.objects.filter(merchant=merchant).values("plan__user_share")[:1]
    default = PricingPlan.objects.filter(is_default=True).values("user_share")[:1]
    return Coalesce(Subquery(assigned), Subquery(default))


def platform_cap(field: str, *, currency: str = "currency") -> Subquery:
    """The platform's ``max_reward`` or ``max_per_post`` (``PlatformLimit``) in the row's ``currency``,
    as an expression to read with the row (``NULL``: ops set none)."""
    return Subquery(PlatformLimit.objects.filter(currency=OuterRef(currency)).values(field)[:1])


def split(*, price: Money, user_share: Decimal) -> tuple[Money, Money]:
    """(what the user gets, the platform's margin) of a merchant ``price``.

    The user's amount is rounded down to the minor unit; the margin is the rest, so the two
    always add up to the price and neither is negative.
    """
    if not Decimal(0) <= user_share <= Decimal(1):
        raise ValueError(f"user_share must be between 0 and 1, not {user_share}")
    if price.amount < 0:
        raise ValueError("A price cannot be negative.")
    if not is_at_precision(price):
        raise ValueError(f"{price} is not rounded to its currency's minor unit")
    currency = str(price.currency)
    user_amount = round_down(price.amount * user_share, currency)
    return user_amount, price - user_amount


def engagement_price(
    *, rule: RewardRule, views: int, likes: int, comments: int, shares: int, currency: str
) -> Money:
    """The merchant price a post earns for these engagement counts (SHARE_VIDEO rules).

    Rounded down to the minor unit, and never more than ``rule.max_per_post`` (the cap on a
    post's engagement earnings; the fixed share amount is paid on top of it).
    """
    if min(views, likes, comments, shares) < 0:
        raise ValueError("Engagement counts cannot be negative.")
    if rule.action != ActionType.SHARE_VIDEO:
        return zero(currency)
    raw = (
        rule.per_1000_views * Decimal(views) / Decimal(1000)
        + rule.per_like * likes
        + rule.per_comment * comments
        + rule.per_share * shares
    )
    price = round_down(raw, currency)
    if rule.max_per_post is not None:
        cap = round_down(rule.max_per_post, currency)
        if price > cap:
            return cap
    return price


def apply_multiplier(*, price: Money, multiplier: Decimal) -> Money:
    """``price`` times a NEW/RETURNING user multiplier, rounded down."""
    if multiplier < 0:
        raise ValueError("A multiplier cannot be negative.")
    return round_down(price.amount * multiplier, str(price.currency))


def smallest(*values: Decimal | None) -> Decimal | None:
    """The smallest of the bounds that are set (``None``: no bound at all)."""
    present = [v for v in values if v is not None]
    return min(present) if present else None


def action_price_capped(
    *, amount: Decimal, multiplier: Decimal, max_reward: Decimal | None, currency: str
) -> tuple[Money, bool]:
    """What an action costs the merchant: the rule's ``amount`` times the new/returning ``multiplier``,
    rounded down, cut to ``max_reward`` (the smallest of the campaign's and the platform's maximum per
    reward); and whether it was cut. The engine's rule (``rewards.decision.action_price``), here so that
    the console's example, below the engine, shows the same price."""
    price = apply_multiplier(price=Money(amount, currency), multiplier=multiplier)
    if max_reward is not None and price.amount > max_reward:
        return round_down(max_reward, currency), True
    return price, False


def post_price_capped(
    *,
    rule: RewardRule,
    multiplier: Decimal,
    max_per_post: Decimal | None,
    currency: str,
    views: int,
    likes: int,
    comments: int,
    shares: int,
) -> Money:
    """What a post with these counts earns in all (merchant price): the multiplier applied, then cut to
    ``max_per_post`` (the smallest of the rule's and the platform's). The engine's rule
    (``rewards.decision.post_earns``)."""
    price = engagement_price(
        rule=rule, views=views, likes=likes, comments=comments, shares=shares, currency=currency
    )
    price = apply_multiplier(price=price, multiplier=multiplier)
    cap = smallest(rule.max_per_post, max_per_post)
    if cap is not None and price.amount > cap:
        price = round_down(cap, currency)
    return price


def example_post_quote(
    *,
    rule: RewardRule,
    user_share: Decimal,
    currency: str,
    multiplier: Decimal = Decimal(1),
    max_reward: Decimal | None = None,
    max_per_post: Decimal | None = None,
    views: int = EXAMPLE_POST["views"],
    likes: int = EXAMPLE_POST["likes"],
    comments: int = EXAMPLE_POST["comments"],
    shares: int = EXAMPLE_POST["shares"],
) -> dict:
    """What the merchant pays and the user gets for one action (a share: an example post), for a
    person whose ``multiplier`` applies (the campaign's new or returning one), by the engine's rules:
    the fixed amount cut to ``max_reward`` (campaign's and platform's), the engagement to
    ``max_per_post`` (rule's and platform's).

    The fixed amount and the engagement are split separately, as they are paid as separate
    rewards (the fixed amount on verification, the engagement as it is measured).
    """
    fixed, _cut = action_price_capped(
        amount=rule.amount, multiplier=multiplier, max_reward=max_reward, currency=currency
    )
    engagement = (
        post_price_capped(
            rule=rule,
            multiplier=multiplier,
            max_per_post=max_per_post,
            currency=currency,
            views=views,
            likes=likes,
            comments=comments,
            shares=shares,
        )
        if rule.action == ActionType.SHARE_VIDEO
        else zero(currency)
    )
    cap = smallest(rule.max_per_post, max_per_post)
    fixed_user, fixed_margin = split(price=fixed, user_share=user_share)
    engagement_user, engagement_margin = split(price=engagement, user_share=user_share)
    return {
        "action": rule.action,
        "currency": currency,
        "counts": {"views": views, "likes": likes, "comments": comments, "shares": shares},
        "multiplier": multiplier,
        "fixed": fixed,
        "engagement": engagement,
        "merchant_price": fixed + engagement,
        "user_amount": fixed_user + engagement_user,
        "margin": fixed_margin + engagement_margin,
        "capped": cap is not None and engagement == round_down(cap, currency) and engagement.amount > 0,
    }
