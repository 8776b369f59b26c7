"""Reads: live campaigns and what each action earns a user, the video library, creators, UGC."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime
from decimal import ROUND_DOWN, Decimal

from django.db.models import QuerySet
from django.utils.translation import gettext
from moneyed import Money

from campaigns import pricing
from campaigns.models import (
    ActionType,
    Campaign,
    CampaignStatus,
    RewardRule,
    UgcStatus,
    UgcSubmission,
    Video,
)
from merchants.models import Merchant
from social.selectors import user_is_creator
from wallets.formats import money_text
from wallets.money import round_down

RATE_PLACES = Decimal("0.0001")
logger = logging.getLogger(__name__)


def ugc_is_approved(*, submission_id: int, user=None, campaign: Campaign | None = None) -> bool:
    """For the reward engine: only an APPROVED submission (of this user / campaign) may earn SHARE_VIDEO."""
    filters = {"pk": submission_id, "status": UgcStatus.APPROVED}
    if user is not None:
        filters["user"] = user
    if campaign is not None:
        filters["campaign"] = campaign
    return UgcSubmission.objects.filter(**filters).exists()


def ugc_approved_list(*, campaign: Campaign, user) -> QuerySet[UgcSubmission]:
    """The user's approved videos for a campaign (what they may share for SHARE_VIDEO rewards)."""
    return UgcSubmission.objects.filter(campaign=campaign, user=user, status=UgcStatus.APPROVED)


def ugc_can_submit(*, campaign: Campaign, user, now: datetime) -> tuple[bool, str]:
    """(may this user submit a video to this campaign, and if not, why in words)."""
    if user is None or not user.is_authenticated:
        return False, gettext("Sign in to submit a video.")
    if not Campaign.objects.live(now=now).filter(pk=campaign.pk).exists():
        return False, gettext("This campaign is not running.")
    if campaign.ugc_policy != "ALL_USERS" and not user_is_creator(user):
        return False, gettext(
            "This campaign takes videos from creators only (more than 5,000 TikTok followers)."
        )
    return True, ""


def ugc_waiting(*, merchant_id: int) -> QuerySet[UgcSubmission]:
    """Submissions waiting for the merchant's review (the console badge counts them)."""
    return UgcSubmission.objects.filter(campaign__merchant_id=merchant_id, status=UgcStatus.SUBMITTED)


def ugc_waiting_count(*, merchant_id: int) -> int:
    return ugc_waiting(merchant_id=merchant_id).count()


def campaign_active_count(*, merchant: Merchant) -> int:
    return Campaign.objects.filter(merchant=merchant, status=CampaignStatus.ACTIVE).count()


def video_list(*, merchant: Merchant) -> QuerySet[Video]:
    """The merchant's library in slot order, with its texts in other languages."""
    return Video.objects.filter(merchant=merchant).prefetch_related("texts").order_by("slot")


@dataclass(frozen=True)
class Offer:
    """What one action earns the USER (after the platform's margin), for the brand page."""

    action: str
    label: str
    new_user: Money
    returning_user: Money
    per_1000_views: Decimal
    per_like: Decimal
    per_comment: Decimal
    per_share: Decimal
    max_per_post: Money | None
    held: bool

    @property
    def has_engagement(self) -> bool:
        return any((self.per_1000_views, self.per_like, self.per_comment, self.per_share))

    @property
    def differs_for_returning(self) -> bool:
        return self.new_user != self.returning_user


def _user_rate(rate: Decimal, share: Decimal) -> Decimal:
    """The user's share of a rate, rounded down to 4 places, shown with at least 2 (0.2 -> 0.20)."""
    value = (rate * share).quantize(RATE_PLACES, rounding=ROUND_DOWN)
    cents = value.quantize(Decimal("0.01"))
    return cents if cents == value else value.normalize()


def rule_offer(
    *,
    rule: RewardRule,
    campaign: Campaign,
    user_share: Decimal,
    platform_max_reward: Decimal | None = None,
    platform_max_per_post: Decimal | None = None,
) -> Offer:
    """What ``rule`` pays a person, as the engine pays it (``pricing.action_price_capped`` and the
    per-post cap of ``pricing.post_price_capped``): the multiplier applied, cut to the campaign's and
    the platform's maximum per reward (ops may lower the platform's after the campaign was saved),
    then the person's share."""
    currency = campaign.currency
    max_reward = pricing.smallest(campaign.max_reward, platform_max_reward)

    def user_amount(multiplier: Decimal) -> Money:
        price, _cut = pricing.action_price_capped(
            amount=rule.amount, multiplier=multiplier, max_reward=max_reward, currency=currency
        )
        return pricing.split(price=price, user_share=user_share)[0]

    max_per_post = None
    cap = pricing.smallest(rule.max_per_post, platform_max_per_post)
    if cap is not None:
        max_per_post = pricing.split(price=round_down(cap, currency), user_share=user_share)[0]
    return Offer(
        action=rule.action,
        label=ActionType(rule.action).label,
        new_user=user_amount(campaign.new_user_multiplier),
        returning_user=user_amount(campaign.returning_user_multiplier),
        per_1000_views=_user_rate(rule.per_1000_views, user_share),
        per_like=_user_rate(rule.per_like, user_share),
        per_comment=_user_rate(rule.per_comment, user_share),
        per_share=_user_rate(rule.per_share, user_share),
        max_per_post=max_per_post,
        held=rule.action in (ActionType.LIKE, ActionType.COMMENT),
    )


ACTION_ORDER = {action: index for index, action in enumerate(ActionType.values)}


def landing_offers(*, merchant: Merchant, now: datetime, texts: bool = True) -> list[dict]:
    """Live campaigns of ``merchant`` with what each enabled action earns a user; with ``texts``, their
    names in other languages too (``Campaign.name_in``: what a visitor reads)."""
    related = ("rules", "texts") if texts else ("rules",)
    campaigns = list(
        Campaign.objects.live(now=now)
        .filter(merchant=merchant)
        .annotate(
            platform_max_reward=pricing.platform_cap("max_reward"),
            platform_max_per_post=pricing.platform_cap("max_per_post"),
        )
        .prefetch_related(*related)
        .order_by("starts_at", "pk")
    )
    if not campaigns:
        return []
    try:
        user_share = pricing.plan_for(merchant).user_share
    except pricing.NoPricingPlan:
        logger.error("No pricing plan for %s: its campaigns are hidden from the brand page", merchant.slug)
        return []
    result = []
    for campaign in campaigns:
        rules = sorted(
            (r for r in campaign.rules.all() if r.is_enabled), key=lambda r: ACTION_ORDER[r.action]
        )
        offers = [
            rule_offer(
                rule=rule,
                campaign=campaign,
                user_share=user_share,
                platform_max_reward=campaign.platform_max_reward,
                platform_max_per_post=campaign.platform_max_per_post,
            )
            for rule in rules
        ]
        result.append({"campaign": campaign, "offers": offers})
    return result


def live_offers(*, merchant: Merchant, now: datetime) -> list[dict]:
    """``landing_offers(texts=False)`` of the live campaigns that have an enabled rule, read in one
    query (the rules with their campaign and the merchant's plan's user share): what pays, for a
    headline (``brand_earnings``)."""
    rules = list(
        RewardRule.objects.filter(campaign__in=Campaign.objects.live(now=now).filter(merchant=merchant))
        .filter(is_enabled=True)
        .select_related("campaign")
        .annotate(
            user_share=pricing.user_share_expression(merchant),
            platform_max_reward=pricing.platform_cap("max_reward", currency="campaign__currency"),
            platform_max_per_post=pricing.platform_cap("max_per_post", currency="campaign__currency"),
        )
        .order_by("campaign__starts_at", "campaign_id")
    )
    if not rules:
        return []
    user_share = rules[0].user_share
    if user_share is None:
        logger.error("No pricing plan for %s: its campaigns are hidden from the brand page", merchant.slug)
        return []
    by_campaign: dict[int, list[RewardRule]] = {}
    for rule in rules:
        by_campaign.setdefault(rule.campaign_id, []).append(rule)
    result = []
    for campaign_rules in by_campaign.values():
        campaign = campaign_rules[0].campaign
        ordered = sorted(campaign_rules, key=lambda r: ACTION_ORDER[r.action])
        offers = [
            rule_offer(
                rule=rule,
                campaign=campaign,
                user_share=user_share,
                platform_max_reward=rule.platform_max_reward,
                platform_max_per_post=rule.platform_max_per_post,
            )
            for rule in ordered
        ]
        result.append({"campaign": campaign, "offers": offers})
    return result


def ugc_blocks_shares(*, campaign: Campaign, user_id: int) -> bool:
    """For the reward engine: a person who submitted their own video to the campaign earns share
    rewards only once the brand approved one of their videos (none of their submissions is approved)."""
    submitted = UgcSubmission.objects.filter(campaign=campaign, user_id=user_id)
    return submitted.exists() and not submitted.filter(status=UgcStatus.APPROVED).exists()


# The ledger kinds of a reward's payment out of the merchant's funds (``rewards.services`` posts them;
# rewards/tests checks the names agree).
REWARD_PAYMENT_KINDS = ("REWARD", "REWARD_HOLD")


@dataclass(frozen=True)
class FundsRunway:
    balance: Money
    per_day: Money  # the recent rate: the larger of the last 24 hours and the 7-day daily average
    last_24h: Money
    average_7d: Money

    @property
    def short(self) -> bool:
        """Funds cover less than one day at the recent rate (never when nothing was paid recently)."""
        return self.per_day.amount > 0 and self.balance < self.per_day

    @property
    def warning(self) -> str:
        if not self.short:
            return ""
        return gettext(
            "The wallet holds %(balance)s: less than one day of rewards at the recent rate of "
            "%(per_day)s a day (the larger of the rewards paid in the last 24 hours, %(last_24h)s, "
            "and the 7-day average per day, %(average_7d)s). When the funds run out, rewards stop and the "
            "campaign pauses: add funds soon."
        ) % {
            "balance": money_text(self.balance),
            "per_day": money_text(self.per_day),
            "last_24h": money_text(self.last_24h),
            "average_7d": money_text(self.average_7d),
        }


def runway_of(*, balance: Money, last_24h: Decimal, week: Decimal) -> FundsRunway:
    """The runway of funds ``balance`` when rewards cost ``last_24h`` in the last 24 hours and ``week`` in
    the last 7 days (what they cost is the reward engine's to say: ``rewards.runway.funds_runway``)."""
    currency = balance.currency
    average = (week / 7).quantize(Decimal("0.01"), rounding=ROUND_DOWN)
    day = last_24h.quantize(Decimal("0.01"))
    return FundsRunway(
        balance=balance,
        per_day=Money(max(day, average), currency),
        last_24h=Money(day, currency),
        average_7d=Money(average, currency),
    )
