"""The JoyBack engine: from a verified social action to money in the user's wallet.

    action_record(...)        a login, a share, a like...: evaluated at once, paid as PENDING
    snapshot_process(...)     a post's new engagement counts: pays the difference, up to the caps
    reward_settle(...)        at the end of the hold: CONFIRMED (pending -> available) or REVERSED
    reward_reverse(...)       ops reverse a reward, with a reason
    held_reward_approve/reject, user_ban   the fraud review queue

Money: a reward is one ledger transaction. The merchant's available funds pay
the merchant price, the user's pending account receives the user's share (the
pricing plan's share, rounded down), and the platform's revenue account for
that merchant the margin. A held reward moves the price from the merchant into
the platform's held account instead, until ops decide.

Concurrency: every reward transaction takes its row locks in one order:
the action (engagement) or the reward (settlement) -> the user's tally for
the campaign -> the rule -> the campaign -> the ledger accounts (by primary
key, inside ``wallets_post``). Caps and budgets are checked on locked rows, so
they hold when many actions arrive at once. Idempotency: an action counts once
(``SocialAction.key``), a snapshot pays once (``Reward.snapshot`` is unique and
the ledger key is the snapshot's), and every ledger movement has a key derived
from the reward.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal

from django.conf import settings
from django.core.mail import send_mail
from django.db import IntegrityError, connection, transaction
from django.db.models import F, Q, Sum
from moneyed import Money

from accounts.models import User
from campaigns.models import (
    LOGIN_ACTIONS,
    ActionType,
    Campaign,
    CampaignStatus,
    PauseReason,
    PlatformLimit,
    RewardRule,
)
from campaigns.pricing import apply_multiplier, engagement_price, plan_for, split
from merchants.models import Membership, Merchant, Touchpoint
from merchants.roles import Role
from merchants.wallet import merchant_low_balance_check
from rewards.models import (
    ActionStatus,
    Ban,
    Reward,
    RewardKind,
    RewardStatus,
    SocialAction,
    UserCampaignTally,
)
from rewards.risk import action_risk, engagement_risk, engagement_risk_for
from social.models import EngagementSnapshot, TikTokProfile, TrackedPost
from wallets.models import PLATFORM, Account, Purpose
from wallets.money import round_down
from wallets.services import InsufficientFunds, Posting, account_for, post, post_many

logger = logging.getLogger(__name__)

REWARD_KIND = "REWARD"  # the ledger kind of a credit (the merchant console counts these)
HOLD_KIND = "REWARD_HOLD"
RELEASE_KIND = "REWARD_RELEASE"
CONFIRM_KIND = "REWARD_CONFIRM"
REVERSAL_KIND = "REWARD_REVERSAL"


class RewardError(Exception):
    """A reward can't be changed the way it was asked."""


@dataclass(frozen=True)
class _Outcome:
    status: str
    detail: str = ""


class _NotPaid(Exception):
    """Raised inside a reward's savepoint to undo it (counters included) and say why."""

    def __init__(self, status: str, detail: str = "", pause: str = ""):
        self.outcome = _Outcome(status, detail)
        self.pause = pause


# ---------------------------------------------------------------------------
# Accounts


def _merchant_funds(merchant: Merchant, currency: str):
    return account_for(owner=merchant, purpose=Purpose.MERCHANT_AVAILABLE, currency=currency)


def _revenue(merchant: Merchant, currency: str):
    # Platform revenue is kept per merchant: it is what the platform earned on
    # that merchant, and it keeps one global revenue row from being every
    # reward's hot spot.
    return account_for(owner=merchant, purpose=Purpose.PLATFORM_REVENUE, currency=currency)


def _held(currency: str):
    return account_for(owner=PLATFORM, purpose=Purpose.PLATFORM_HELD, currency=currency)


def _user_pending(user: User, currency: str):
    return account_for(owner=user, purpose=Purpose.USER_PENDING, currency=currency)


def _user_available(user: User, currency: str):
    return account_for(owner=user, purpose=Purpose.USER_AVAILABLE, currency=currency)


# ---------------------------------------------------------------------------
# Recording and evaluating actions


def action_key(*, action_type: str, user: User, merchant: Merchant, post: TrackedPost | None = None) -> str:
    """What makes an action count once: one login reward per user per merchant, one share per post."""
    if action_type in LOGIN_ACTIONS:
        return f"login:{merchant.pk}:{user.pk}"
    if action_type == ActionType.SHARE_VIDEO:
        return f"share:{post.video_id}"
    return f"{action_type.lower()}:{merchant.pk}:{user.pk}"


def action_record(
    *,
    user: User,
    merchant: Merchant,
    action_type: str,
    now: datetime,
    occurred_at: datetime | None = None,
    campaign: Campaign | None = None,
    tracked_post: TrackedPost | None = None,
    touchpoint: Touchpoint | None = None,
    device_id: str = "",
    ip_address: str | None = None,
) -> SocialAction:
    """Record what a person did and pay for it at once (as pending), when a live campaign rewards it.

    Recording the same action again (same key) returns the first record and pays nothing more.
    """
    action_type = ActionType(action_type)
    key = action_key(action_type=action_type, user=user, merchant=merchant, post=tracked_post)
    with transaction.atomic(durable=True):
        try:
            with transaction.atomic():
                action = SocialAction.objects.create(
                    key=key,
                    user=user,
                    merchant=merchant,
                    campaign=campaign,
                    action_type=action_type,
                    tracked_post=tracked_post,
                    touchpoint=touchpoint,
                    device_id=device_id[:64],
                    ip_address=ip_address,
                    occurred_at=occurred_at or now,
                    created_at=now,
                )
        except IntegrityError:
            return SocialAction.objects.get(key=key)
        _evaluate(action, now=now)
    if action.status in (ActionStatus.REWARDED, ActionStatus.HELD):
        merchant_low_balance_check(merchant=merchant)
    return action


def _evaluate(action: SocialAction, *, now: datetime) -> None:
    if Ban.objects.filter(user_id=action.user_id).exists():
        _set_action(action, ActionStatus.INELIGIBLE, "This account is banned from earning rewards.")
        return
    campaign, rule = _campaign_and_rule(action, now=now)
    if rule is None:
        _set_action(action, ActionStatus.INELIGIBLE, "No live campaign of this brand rewards this action.")
        return
    if action.campaign_id != campaign.pk:
        action.campaign = campaign
        action.save(update_fields=["campaign"])
    score, signals = action_risk(action, now=now)
    if signals:
        action.risk_score, action.risk_signals = score, signals
        action.save(update_fields=["risk_score", "risk_signals"])
    price = _action_price(action, campaign, rule)
    if price.amount <= 0:
        # A share rule may pay for engagement only: the action counts, its post earns later.
        _set_action(action, ActionStatus.RECORDED, "")
        return
    held = score >= settings.REWARDS_RISK_HOLD_THRESHOLD
    outcome = _grant(
        action=action,
        campaign=campaign,
        rule=rule,
        price=price,
        kind=RewardKind.ACTION,
        now=now,
        held=held,
        calculation={"rule": rule.pk, "amount": str(rule.amount), **_multiplier_note(action, campaign)},
    )
    _set_action(action, outcome.status, outcome.detail)


def _campaign_and_rule(action: SocialAction, *, now: datetime) -> tuple[Campaign | None, RewardRule | None]:
    campaigns = Campaign.objects.live(now=now).filter(merchant_id=action.merchant_id)
    if action.campaign_id:
        campaigns = campaigns.filter(pk=action.campaign_id)
    rule = (
        RewardRule.objects.filter(campaign__in=campaigns, action=action.action_type, is_enabled=True)
        .select_related("campaign")
        .order_by("campaign__starts_at", "campaign_id")
        .first()
    )
    return (rule.campaign, rule) if rule else (None, None)


def _is_returning(action: SocialAction) -> bool:
    """A returning user has a confirmed reward from this merchant before."""
    return Reward.objects.filter(
        user_id=action.user_id, merchant_id=action.merchant_id, status=RewardStatus.CONFIRMED
    ).exists()


def _multiplier(action: SocialAction, campaign: Campaign) -> Decimal:
    return campaign.returning_user_multiplier if _is_returning(action) else campaign.new_user_multiplier


def _multiplier_note(action: SocialAction, campaign: Campaign) -> dict:
    returning = _is_returning(action)
    return {
        "user": "RETURNING" if returning else "NEW",
        "multiplier": str(campaign.returning_user_multiplier if returning else campaign.new_user_multiplier),
    }


def _max_reward(campaign: Campaign) -> Decimal | None:
    limits = [campaign.max_reward]
    platform = PlatformLimit.objects.filter(currency=campaign.currency).first()
    if platform is not None:
        limits.append(platform.max_reward)
    limits = [limit for limit in limits if limit is not None]
    return min(limits) if limits else None


def _action_price(action: SocialAction, campaign: Campaign, rule: RewardRule) -> Money:
    price = apply_multiplier(
        price=Money(rule.amount, campaign.currency), multiplier=_multiplier(action, campaign)
    )
    ceiling = _max_reward(campaign)
    if ceiling is not None and price.amount > ceiling:
        price = round_down(ceiling, campaign.currency)
    return price


def _cents(value) -> Decimal:
    """A sum of amounts, exact to the cent (SQLite sums decimals in floating point)."""
    return Decimal(value or 0).quantize(Decimal("0.01"))


def _set_action(action: SocialAction, status: str, detail: str) -> None:
    action.status, action.status_detail = status, detail[:300]
    action.save(update_fields=["status", "status_detail"])


# ---------------------------------------------------------------------------
# Granting: caps, budget, funds, ledger


def _grant(
    *,
    action: SocialAction,
    campaign: Campaign,
    rule: RewardRule,
    price: Money,
    kind: str,
    now: datetime,
    held: bool,
    calculation: dict,
    snapshot: EngagementSnapshot | None = None,
) -> _Outcome:
    """Pay ``price`` (or less, for engagement, when a cap leaves less) for the action, or say why not."""
    currency = campaign.currency
    campaign_id = campaign.pk
    try:
        with transaction.atomic():
            tally = _tally_locked(user_id=action.user_id, campaign_id=campaign_id, now=now)
            room = _user_room(campaign, tally, now=now)
            if kind == RewardKind.ACTION and room is not None and room < price.amount:
                raise _NotPaid(ActionStatus.INELIGIBLE, "This person reached the campaign's per-user cap.")
            if kind == RewardKind.ENGAGEMENT and room is not None:
                price = Money(min(price.amount, room), currency)
            if kind == RewardKind.ACTION and not _rule_slot_taken(rule):
                raise _NotPaid(
                    ActionStatus.INELIGIBLE, "The campaign has paid all the rewards it offers for this."
                )
            campaign = (
                Campaign.objects.select_for_update(of=("self",))
                .select_related("merchant")
                .get(pk=campaign_id)
            )
            if campaign.status != CampaignStatus.ACTIVE:
                raise _NotPaid(ActionStatus.INELIGIBLE, "The campaign is not running.")
            if campaign.budget is not None:
                left = campaign.budget - campaign.spent
                if kind == RewardKind.ENGAGEMENT:
                    price = Money(min(price.amount, left), currency)
                if left <= 0 or price.amount > left:
                    raise _NotPaid(
                        ActionStatus.UNFUNDED, "The campaign's budget is spent.", PauseReason.BUDGET
                    )
                if price.amount == left:  # this payment uses the budget up: pay it, then pause
                    _pause(campaign_id, PauseReason.BUDGET)
            if price.amount <= 0:
                raise _NotPaid(ActionStatus.REWARDED, "Engagement caps reached.")
            user_amount, margin = split(price=price, user_share=plan_for(campaign.merchant).user_share)
            if user_amount.amount <= 0:
                # Too small to give the person a cent: engagement waits until it is worth one.
                raise _NotPaid(
                    ActionStatus.REWARDED if kind == RewardKind.ENGAGEMENT else ActionStatus.INELIGIBLE,
                    "Too small to pay.",
                )
            reward = Reward.objects.create(
                action=action,
                kind=kind,
                snapshot=snapshot,
                user_id=action.user_id,
                merchant_id=action.merchant_id,
                campaign=campaign,
                rule=rule,
                status=RewardStatus.HELD if held else RewardStatus.PENDING,
                currency=currency,
                merchant_price=price.amount,
                user_amount=user_amount.amount,
                margin=margin.amount,
                calculation=calculation,
                available_at=action.created_at + timedelta(days=campaign.hold_days),
                reason="Held for review: unusual activity." if held else "",
                created_at=now,
            )
            try:
                _post_credit(reward, merchant=campaign.merchant)
            except InsufficientFunds as exc:
                raise _NotPaid(
                    ActionStatus.UNFUNDED, "The brand's prepaid funds ran out.", PauseReason.FUNDS
                ) from exc
            Campaign.objects.filter(pk=campaign_id).update(spent=F("spent") + price.amount)
            _tally_add(tally, price.amount, now=now)
    except _NotPaid as not_paid:
        if not_paid.pause:
            _pause(campaign_id, not_paid.pause)
        return not_paid.outcome
    return _Outcome(ActionStatus.HELD if held else ActionStatus.REWARDED)


def _describe(action: SocialAction, kind: str) -> str:
    what = ActionType(action.action_type).label
    if kind == RewardKind.ENGAGEMENT:
        return f"{action.merchant.brand_name}: engagement on your shared post"
    return f"{action.merchant.brand_name}: {what}"


def _tally_locked(*, user_id: int, campaign_id: int, now: datetime) -> UserCampaignTally:
    UserCampaignTally.objects.get_or_create(user_id=user_id, campaign_id=campaign_id)
    return UserCampaignTally.objects.select_for_update().get(user_id=user_id, campaign_id=campaign_id)


def _user_room(campaign: Campaign, tally: UserCampaignTally, *, now: datetime) -> Decimal | None:
    """How much more (merchant price) this user may earn in the campaign now; None when uncapped."""
    rooms = []
    if campaign.user_campaign_cap is not None:
        rooms.append(campaign.user_campaign_cap - tally.total)
    if campaign.user_daily_cap is not None:
        today = tally.day_total if tally.day_date == now.date() else Decimal(0)
        rooms.append(campaign.user_daily_cap - today)
    return max(min(rooms), Decimal(0)) if rooms else None


def _tally_add(tally: UserCampaignTally, amount: Decimal, *, now: datetime, save: bool = True) -> None:
    if tally.day_date == now.date():
        tally.day_total += amount
    else:
        tally.day_date, tally.day_total = now.date(), amount
    tally.total += amount
    if save:
        tally.save(update_fields=["total", "day_date", "day_total"])


def _rule_slot_taken(rule: RewardRule) -> bool:
    """Count one more reward against the rule's cap, if the cap leaves room (a conditional UPDATE)."""
    return bool(
        RewardRule.objects.filter(pk=rule.pk)
        .filter(Q(max_rewards__isnull=True) | Q(rewards_paid__lt=F("max_rewards")))
        .update(rewards_paid=F("rewards_paid") + 1)
    )


def _pause(campaign_id: int, reason: str) -> None:
    """Pause a running campaign (funds or budget ran out) and tell its owners, once."""
    paused = Campaign.objects.filter(pk=campaign_id, status=CampaignStatus.ACTIVE).update(
        status=CampaignStatus.PAUSED, pause_reason=reason
    )
    if paused:
        transaction.on_commit(lambda: _tell_owners_paused(campaign_id))


def _tell_owners_paused(campaign_id: int) -> None:
    campaign = Campaign.objects.select_related("merchant").get(pk=campaign_id)
    owners = list(
        Membership.objects.filter(merchant=campaign.merchant, role=Role.OWNER)
        .exclude(user__email__isnull=True)
        .values_list("user__email", flat=True)
    )
    if not owners:
        return
    why = PauseReason(campaign.pause_reason).label
    send_mail(
        subject=f"[TikJoy] Campaign '{campaign.name}' paused: {why.lower()}",
        message=(
            f"Your campaign '{campaign.name}' was paused automatically: {why.lower()}.\n\n"
            "New actions are not rewarded while it is paused. Add funds (console > Add funds) "
            "or raise the budget, then resume the campaign in the console.\n"
        ),
        from_email=None,
        recipient_list=owners,
    )


def record_discovered_shares(*, user: User, now: datetime) -> list[SocialAction]:
    """Turn the user's newly tracked shares into SocialActions (each evaluated and paid at once)."""
    from rewards.discovery import campaign_id_from_criterion, undiscovered_shares

    recorded = []
    for tracked in undiscovered_shares(user=user):
        campaign = Campaign.objects.filter(pk=campaign_id_from_criterion(tracked.criterion_key)).first()
        if campaign is None:
            continue
        recorded.append(
            action_record(
                user=user,
                merchant=campaign.merchant,
                action_type=ActionType.SHARE_VIDEO,
                campaign=campaign,
                tracked_post=tracked,
                occurred_at=tracked.posted_at,
                now=now,
            )
        )
    return recorded


# ---------------------------------------------------------------------------
# Engagement


def _post_earns(
    *, rule: RewardRule, snapshot: EngagementSnapshot, multiplier: Decimal, currency: str
) -> Money:
    """What a post's counts in ``snapshot`` earn in all (merchant price), the multiplier applied."""
    price = engagement_price(
        rule=rule,
        views=snapshot.views,
        likes=snapshot.likes,
        comments=snapshot.comments,
        shares=snapshot.shares,
        currency=currency,
    )
    price = apply_multiplier(price=price, multiplier=multiplier)
    # The caps hold after the multiplier too: the rule's and the platform's maximum per post.
    caps = [
        rule.max_per_post,
        *PlatformLimit.objects.filter(currency=currency).values_list("max_per_post", flat=True),
    ]
    caps = [cap for cap in caps if cap is not None]
    if caps and price.amount > min(caps):
        price = round_down(min(caps), currency)
    return price


def snapshot_process(*, snapshot_id: int, now: datetime) -> Reward | None:
    """Pay what a post's new engagement counts earn beyond what it has earned so far.

    Safe to run twice or concurrently for the same snapshot: it pays once.
    """
    with transaction.atomic(durable=True):
        reward = _snapshot_process(snapshot_id=snapshot_id, now=now)
    if reward is not None:
        merchant_low_balance_check(merchant=reward.merchant)
    return reward


def snapshots_process(*, snapshot_ids: list[int], now: datetime) -> int:
    """Process many snapshots in one database transaction; returns how many paid something.

    The batch reads what it needs in a few set queries, takes its row locks in the
    engine's order (actions, tallies, campaigns by primary key; the ledger accounts
    inside each post), then posts each snapshot's payment as its own idempotent
    ledger transaction and commits once. If anything in the batch fails (a merchant
    runs out of funds, a concurrent worker paid one of the snapshots), the whole
    batch is rolled back and each snapshot is processed on its own instead.
    """
    try:
        with transaction.atomic(durable=True):
            paid = _snapshots_batch(snapshot_ids=snapshot_ids, now=now)
    except (InsufficientFunds, IntegrityError, _BatchStale):
        logger.info("snapshot batch of %s fell back to one by one", len(snapshot_ids))
        paid = sum(1 for sid in snapshot_ids if snapshot_process(snapshot_id=sid, now=now) is not None)
    for merchant in Merchant.objects.filter(
        pk__in=Reward.objects.filter(snapshot_id__in=snapshot_ids).values("merchant_id")
    ):
        merchant_low_balance_check(merchant=merchant)
    return paid


def _snapshots_batch(*, snapshot_ids: list[int], now: datetime) -> int:
    snapshots = list(
        EngagementSnapshot.objects.filter(pk__in=snapshot_ids, reward__isnull=True).order_by("pk")
    )
    if not snapshots:
        return 0
    actions = {
        a.tracked_post_id: a
        for a in SocialAction.objects.select_for_update(of=("self",))
        .filter(
            tracked_post_id__in={s.post_id for s in snapshots},
            action_type=ActionType.SHARE_VIDEO,
            status__in=[ActionStatus.REWARDED, ActionStatus.RECORDED, ActionStatus.HELD],
        )
        .select_related("merchant")
        .order_by("pk")
    }
    paid_already = set(
        Reward.objects.filter(snapshot_id__in=[s.pk for s in snapshots]).values_list("snapshot_id", flat=True)
    )
    snapshots = [s for s in snapshots if s.post_id in actions and s.pk not in paid_already]
    if not snapshots:
        return 0
    action_ids = [a.pk for a in actions.values()]
    user_ids = {a.user_id for a in actions.values()}
    earned = {
        action_id: _cents(total)
        # Reversed engagement counts too: what ops or settlement took back is not paid again.
        for action_id, total in Reward.objects.filter(action_id__in=action_ids, kind=RewardKind.ENGAGEMENT)
        .values("action_id")
        .annotate(total=Sum("merchant_price"))
        .values_list("action_id", "total")
    }
    rules = {
        r.campaign_id: r
        for r in RewardRule.objects.filter(
            campaign_id__in={a.campaign_id for a in actions.values()}, action=ActionType.SHARE_VIDEO
        )
    }
    banned = set(Ban.objects.filter(user_id__in=user_ids).values_list("user_id", flat=True))
    followers = dict(
        TikTokProfile.objects.filter(user_id__in=user_ids).values_list("user_id", "follower_count")
    )
    returning = set(
        Reward.objects.filter(user_id__in=user_ids, status=RewardStatus.CONFIRMED)
        .values_list("user_id", "merchant_id")
        .distinct()
    )
    # Locks, in the engine's order: (actions above), tallies, campaigns.
    pairs = {(a.user_id, a.campaign_id) for a in actions.values()}
    UserCampaignTally.objects.bulk_create(
        [UserCampaignTally(user_id=u, campaign_id=c) for u, c in pairs], ignore_conflicts=True
    )
    tallies = {
        (t.user_id, t.campaign_id): t
        for t in UserCampaignTally.objects.select_for_update()
        .filter(user_id__in=user_ids, campaign_id__in={c for _, c in pairs})
        .order_by("pk")
    }
    # A campaign with a budget is locked now: what is left of it decides the amounts. One
    # without a budget is locked only after the amounts are computed (just before the
    # ledger), so that another worker's batch can compute while this one writes.
    campaigns = {
        c.pk: c for c in Campaign.objects.filter(pk__in={c for _, c in pairs}).select_related("merchant")
    }
    budgeted = sorted(pk for pk, c in campaigns.items() if c.budget is not None)
    campaigns.update(
        {
            c.pk: c
            for c in Campaign.objects.select_for_update(of=("self",))
            .filter(pk__in=budgeted)
            .select_related("merchant")
            .order_by("pk")
        }
    )
    plans = {}
    spent: dict[int, Decimal] = defaultdict(Decimal)
    pauses: dict[int, str] = {}
    rewards: list[Reward] = []
    for snap in snapshots:
        action = actions[snap.post_id]
        campaign, rule = campaigns[action.campaign_id], rules.get(action.campaign_id)
        if (
            campaign.status != CampaignStatus.ACTIVE
            or rule is None
            or not rule.is_enabled
            or not rule.has_engagement
        ):
            continue
        if action.user_id in banned:
            continue
        multiplier = (
            campaign.returning_user_multiplier
            if (action.user_id, action.merchant_id) in returning
            else campaign.new_user_multiplier
        )
        target = _post_earns(rule=rule, snapshot=snap, multiplier=multiplier, currency=campaign.currency)
        before = earned.get(action.pk) or Decimal(0)
        price = target.amount - before
        if price <= 0:
            continue
        tally = tallies[(action.user_id, campaign.pk)]
        room = _user_room(campaign, tally, now=now)
        if room is not None:
            price = min(price, room)
        exhausts = False
        if campaign.budget is not None:
            left = campaign.budget - campaign.spent - spent[campaign.pk]
            if price >= left:
                price, exhausts = left, True
        if price <= 0:
            if exhausts:
                pauses[campaign.pk] = PauseReason.BUDGET
            continue
        score, signals = engagement_risk_for(followers=followers.get(action.user_id) or 0, snapshot=snap)
        held = action.status == ActionStatus.HELD or score >= settings.REWARDS_RISK_HOLD_THRESHOLD
        if campaign.merchant_id not in plans:
            plans[campaign.merchant_id] = plan_for(campaign.merchant).user_share
        price_money = Money(price, campaign.currency)
        user_amount, margin = split(price=price_money, user_share=plans[campaign.merchant_id])
        if user_amount.amount <= 0:  # too small to give the person a cent: wait until it is worth one
            continue
        if exhausts:  # this payment uses the budget up: pay it, then pause
            pauses[campaign.pk] = PauseReason.BUDGET
        rewards.append(
            Reward(
                action=action,
                kind=RewardKind.ENGAGEMENT,
                snapshot=snap,
                user_id=action.user_id,
                merchant_id=action.merchant_id,
                campaign=campaign,
                rule=rule,
                status=RewardStatus.HELD if held else RewardStatus.PENDING,
                currency=campaign.currency,
                merchant_price=price,
                user_amount=user_amount.amount,
                margin=margin.amount,
                calculation={
                    "rule": rule.pk,
                    "counts": {
                        "views": snap.views,
                        "likes": snap.likes,
                        "comments": snap.comments,
                        "shares": snap.shares,
                    },
                    "post_earns": str(target.amount),
                    "earned_before": str(before),
                    "risk": signals,
                    "user": "RETURNING" if (action.user_id, action.merchant_id) in returning else "NEW",
                    "multiplier": str(multiplier),
                },
                available_at=action.created_at + timedelta(days=campaign.hold_days),
                reason="Held for review: unusual activity." if held else "",
                created_at=now,
            )
        )
        earned[action.pk] = before + price
        spent[campaign.pk] += price
        _tally_add(tally, price, now=now, save=False)
    unbudgeted = sorted({r.campaign_id for r in rewards} - set(budgeted))
    still_active = set(
        Campaign.objects.select_for_update()
        .filter(pk__in=unbudgeted, status=CampaignStatus.ACTIVE)
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    if still_active != set(unbudgeted):
        raise _BatchStale("a campaign stopped while the batch was computed")
    Reward.objects.bulk_create(rewards)
    accounts = _AccountCache()
    for currency in {r.currency for r in rewards}:
        accounts.prefetch_users({r.user_id for r in rewards}, Purpose.USER_PENDING, currency)
    post_many(
        [_credit_posting(r, merchant=campaigns[r.campaign_id].merchant, accounts=accounts) for r in rewards]
    )
    _tallies_save([tallies[(r.user_id, r.campaign_id)] for r in rewards])
    for campaign_id, amount in spent.items():
        Campaign.objects.filter(pk=campaign_id).update(spent=F("spent") + amount)
    for campaign_id, reason in pauses.items():
        _pause(campaign_id, reason)
    return len(rewards)


class _BatchStale(Exception):
    """What a batch computed no longer holds: roll it back and go one by one."""


def _tallies_save(tallies: list[UserCampaignTally]) -> None:
    unique = {t.pk: t for t in tallies}
    if not unique:
        return
    if connection.vendor != "postgresql":
        UserCampaignTally.objects.bulk_update(list(unique.values()), ["total", "day_date", "day_total"])
        return
    rows = ", ".join(["(%s::bigint, %s::numeric, %s::date, %s::numeric)"] * len(unique))
    params = [v for t in unique.values() for v in (t.pk, t.total, t.day_date, t.day_total)]
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE rewards_usercampaigntally AS t SET total = v.total, day_date = v.day_date, "  # noqa: S608 - fixed SQL
            f"day_total = v.day_total FROM (VALUES {rows}) AS v(id, total, day_date, day_total) WHERE t.id = v.id",
            params,
        )


class _AccountCache:
    """Ledger accounts looked up once per batch (only their ids and currencies are used)."""

    def __init__(self):
        self._accounts: dict[tuple, object] = {}

    def prefetch_users(self, user_ids, purpose: str, currency: str) -> None:
        """Load many users' accounts in one query (the ones that exist; ``get`` creates the rest)."""
        for account in Account.objects.filter(
            owner_type=User._meta.label_lower, owner_id__in=list(user_ids), purpose=purpose, currency=currency
        ):
            self._accounts[(account.owner_type, account.owner_id, purpose, currency)] = account

    def get(self, owner, purpose: str, currency: str):
        key = (owner._meta.label_lower if owner is not PLATFORM else "platform", owner.pk, purpose, currency)
        if key not in self._accounts:
            self._accounts[key] = account_for(owner=owner, purpose=purpose, currency=currency)
        return self._accounts[key]


def _credit_posting(reward: Reward, *, merchant: Merchant, accounts: _AccountCache) -> Posting:
    """The ledger movement of a new reward: to the user (pending) and the platform, or to the held account."""
    currency, price = reward.currency, reward.price_money
    funds = accounts.get(merchant, Purpose.MERCHANT_AVAILABLE, currency)
    what = _describe(reward.action, reward.kind)
    if reward.status == RewardStatus.HELD:
        entries = [(funds, -price), (accounts.get(PLATFORM, Purpose.PLATFORM_HELD, currency), price)]
        kind, reason, suffix = HOLD_KIND, f"{what}: held for review", "hold"
    else:
        user = User(pk=reward.user_id)  # only its id is needed to find the account
        entries = [
            (funds, -price),
            (accounts.get(user, Purpose.USER_PENDING, currency), reward.user_money),
            (accounts.get(merchant, Purpose.PLATFORM_REVENUE, currency), Money(reward.margin, currency)),
        ]
        kind, reason, suffix = REWARD_KIND, what, "credit"
    return Posting(
        entries=entries,
        kind=kind,
        reason=reason,
        idempotency_key=f"reward:{reward.pk}:{suffix}",
        subject=reward,
    )


def _post_credit(reward: Reward, *, merchant: Merchant) -> None:
    posting = _credit_posting(reward, merchant=merchant, accounts=_AccountCache())
    post(
        entries=posting.entries,
        kind=posting.kind,
        reason=posting.reason,
        idempotency_key=posting.idempotency_key,
        subject=posting.subject,
    )


def _snapshot_process(*, snapshot_id: int, now: datetime) -> Reward | None:
    snapshot = EngagementSnapshot.objects.select_related("post").get(pk=snapshot_id)
    if Reward.objects.filter(snapshot=snapshot).exists():
        return None
    action = (
        SocialAction.objects.select_for_update(of=("self",))
        .filter(tracked_post_id=snapshot.post_id, action_type=ActionType.SHARE_VIDEO)
        .select_related("merchant", "user")
        .first()
    )
    if action is None or action.status not in (
        ActionStatus.REWARDED,
        ActionStatus.RECORDED,
        ActionStatus.HELD,
    ):
        return None
    if Reward.objects.filter(snapshot=snapshot).exists():  # decided while we waited for the lock
        return None
    campaign = Campaign.objects.get(pk=action.campaign_id)
    rule = RewardRule.objects.filter(campaign=campaign, action=ActionType.SHARE_VIDEO).first()
    if rule is None or not rule.is_enabled or not rule.has_engagement:
        return None
    if Ban.objects.filter(user_id=action.user_id).exists():
        return None
    target = _post_earns(
        rule=rule, snapshot=snapshot, multiplier=_multiplier(action, campaign), currency=campaign.currency
    )
    # Reversed engagement counts too: what ops or settlement took back is not paid again.
    earned = Reward.objects.filter(action=action, kind=RewardKind.ENGAGEMENT).aggregate(
        total=Sum("merchant_price")
    )["total"]
    earned = _cents(earned)
    delta = target.amount - earned
    if delta <= 0:
        return None
    score, signals = engagement_risk(action, snapshot)
    held = action.status == ActionStatus.HELD or score >= settings.REWARDS_RISK_HOLD_THRESHOLD
    outcome = _grant(
        action=action,
        campaign=campaign,
        rule=rule,
        price=Money(delta, campaign.currency),
        kind=RewardKind.ENGAGEMENT,
        now=now,
        held=held,
        snapshot=snapshot,
        calculation={
            "rule": rule.pk,
            "counts": {
                "views": snapshot.views,
                "likes": snapshot.likes,
                "comments": snapshot.comments,
                "shares": snapshot.shares,
            },
            "rates": {
                "per_1000_views": str(rule.per_1000_views),
                "per_like": str(rule.per_like),
                "per_comment": str(rule.per_comment),
                "per_share": str(rule.per_share),
            },
            "post_earns": str(target.amount),
            "earned_before": str(earned),
            "risk": signals,
            **_multiplier_note(action, campaign),
        },
    )
    if outcome.status == ActionStatus.UNFUNDED and not action.rewards.exists():
        _set_action(action, outcome.status, outcome.detail)
    return Reward.objects.filter(snapshot=snapshot).first()


# ---------------------------------------------------------------------------
# Settlement: confirmation, reversal, review


def reward_settle(*, reward_id: int, now: datetime) -> Reward:
    """At the end of the hold: confirm the reward if its conditions still hold, else reverse it."""
    with transaction.atomic(durable=True):
        reward = (
            Reward.objects.select_for_update(of=("self",))
            .select_related("action__tracked_post")
            .get(pk=reward_id)
        )
        if reward.status != RewardStatus.PENDING or reward.available_at > now:
            return reward
        why_not = _confirmation_blocker(reward)
        if why_not:
            _reverse(reward, reason=why_not, actor=None, now=now)
        elif reward.user_amount > 0:
            post(
                entries=[
                    (_user_pending(reward.user, reward.currency), -reward.user_money),
                    (_user_available(reward.user, reward.currency), reward.user_money),
                ],
                kind=CONFIRM_KIND,
                reason=f"{_describe(reward.action, reward.kind)}: available after the hold period",
                idempotency_key=f"reward:{reward.pk}:confirm",
                subject=reward,
            )
            reward.status, reward.decided_at = RewardStatus.CONFIRMED, now
            reward.save(update_fields=["status", "decided_at"])
    return reward


def rewards_settle_due(*, now: datetime, limit: int = 1000) -> dict[str, int]:
    """Settle every reward whose hold ended; returns how many were confirmed and reversed."""
    counts = {RewardStatus.CONFIRMED: 0, RewardStatus.REVERSED: 0}
    for reward_id in (
        Reward.objects.due(now=now).order_by("available_at", "pk").values_list("pk", flat=True)[:limit]
    ):
        try:
            reward = reward_settle(reward_id=reward_id, now=now)
        except Exception:  # one reward that can't be settled must not stop everyone else's
            logger.exception("reward %s could not be settled", reward_id)
            continue
        if reward.status in counts:
            counts[reward.status] += 1
    return {str(k): v for k, v in counts.items()}


TIKTOK_ACTIONS = (ActionType.TIKTOK_LOGIN, ActionType.SHARE_VIDEO)


def _confirmation_blocker(reward: Reward) -> str:
    """Why the reward can't be confirmed, in words; empty when its conditions still hold."""
    if Ban.objects.filter(user_id=reward.user_id).exists():
        return "The account was banned."
    tracked = reward.action.tracked_post
    if tracked is not None and tracked.status == TrackedPost.Status.GONE:
        return "The post was deleted or made private before the hold period ended."
    if reward.action.action_type in TIKTOK_ACTIONS:
        profile = TikTokProfile.objects.filter(user_id=reward.user_id).first()
        if profile is not None and profile.disconnected_at is not None:
            return "The TikTok account was disconnected before the hold period ended."
    return ""


def _reverse(reward: Reward, *, reason: str, actor: User | None, now: datetime) -> None:
    """Give the money back to the merchant (margin included) and release the caps. Reward row is locked."""
    if reward.status not in (RewardStatus.PENDING, RewardStatus.HELD):
        raise RewardError(
            f"Only pending or held rewards can be reversed; this one is {reward.get_status_display()}."
        )
    campaign_id = reward.campaign_id
    tally = _tally_locked(user_id=reward.user_id, campaign_id=campaign_id, now=now)
    if reward.kind == RewardKind.ACTION:
        RewardRule.objects.filter(pk=reward.rule_id, rewards_paid__gt=0).update(
            rewards_paid=F("rewards_paid") - 1
        )
    campaign = Campaign.objects.select_for_update(of=("self",)).select_related("merchant").get(pk=campaign_id)
    price = reward.price_money
    funds = _merchant_funds(campaign.merchant, reward.currency)
    if reward.status == RewardStatus.HELD:
        entries = [(_held(reward.currency), -price), (funds, price)]
    else:
        entries = [
            (_user_pending(reward.user, reward.currency), -reward.user_money),
            (_revenue(campaign.merchant, reward.currency), -Money(reward.margin, reward.currency)),
            (funds, price),
        ]
    post(
        entries=entries,
        kind=REVERSAL_KIND,
        reason=f"{_describe(reward.action, reward.kind)}: reversed ({reason})",
        idempotency_key=f"reward:{reward.pk}:reverse",
        actor=actor,
        subject=reward,
    )
    Campaign.objects.filter(pk=campaign_id).update(spent=F("spent") - reward.merchant_price)
    tally.total = max(tally.total - reward.merchant_price, Decimal(0))
    if tally.day_date == reward.created_at.date():
        tally.day_total = max(tally.day_total - reward.merchant_price, Decimal(0))
    tally.save(update_fields=["total", "day_total"])
    reward.status, reward.reason, reward.decided_at, reward.decided_by = (
        RewardStatus.REVERSED,
        reason,
        now,
        actor,
    )
    reward.save(update_fields=["status", "reason", "decided_at", "decided_by"])
    if reward.kind == RewardKind.ACTION:
        # The action itself is no longer rewarded: its post earns no further engagement.
        SocialAction.objects.filter(pk=reward.action_id).update(
            status=ActionStatus.INELIGIBLE, status_detail=f"Reversed: {reason}"[:300]
        )


def reward_reverse(*, reward_id: int, reason: str, actor: User, now: datetime) -> Reward:
    """Ops reverse a pending or held reward: the merchant gets the money back."""
    if not reason.strip():
        raise RewardError("Say why the reward is reversed: both sides see the reason.")
    with transaction.atomic(durable=True):
        reward = Reward.objects.select_for_update().get(pk=reward_id)
        if reward.status not in (RewardStatus.PENDING, RewardStatus.HELD):
            raise RewardError(
                f"Only pending or held rewards can be reversed; this one is {reward.get_status_display()}."
            )
        _reverse(reward, reason=reason.strip(), actor=actor, now=now)
    return reward


def held_reward_approve(*, reward_id: int, actor: User, now: datetime) -> Reward:
    """Ops approve a held reward: it is credited to the user as pending, as if never held."""
    with transaction.atomic(durable=True):
        reward = (
            Reward.objects.select_for_update(of=("self",))
            .select_related("merchant", "user")
            .get(pk=reward_id)
        )
        if reward.status != RewardStatus.HELD:
            raise RewardError(f"This reward is {reward.get_status_display()}, not held.")
        post(
            entries=[
                (_held(reward.currency), -reward.price_money),
                (_user_pending(reward.user, reward.currency), reward.user_money),
                (_revenue(reward.merchant, reward.currency), Money(reward.margin, reward.currency)),
            ],
            kind=RELEASE_KIND,
            reason=f"{_describe(reward.action, reward.kind)}: approved after review",
            idempotency_key=f"reward:{reward.pk}:approve",
            actor=actor,
            subject=reward,
        )
        reward.status, reward.reason, reward.decided_by = RewardStatus.PENDING, "", actor
        reward.save(update_fields=["status", "reason", "decided_by"])
        SocialAction.objects.filter(pk=reward.action_id, status=ActionStatus.HELD).update(
            status=ActionStatus.REWARDED
        )
    return reward


def held_reward_reject(*, reward_id: int, reason: str, actor: User, now: datetime) -> Reward:
    """Ops reject a held reward: the merchant is refunded."""
    reward = reward_reverse(
        reward_id=reward_id, reason=reason or "Rejected after review.", actor=actor, now=now
    )
    SocialAction.objects.filter(pk=reward.action_id, status=ActionStatus.HELD).update(
        status=ActionStatus.INELIGIBLE, status_detail="Rejected after review."
    )
    return reward


def user_ban(*, user: User, reason: str, actor: User, now: datetime) -> Ban:
    """Ban a person: every held or pending reward of theirs is reversed; they earn nothing more."""
    if not reason.strip():
        raise RewardError("Say why the person is banned.")
    with transaction.atomic(durable=True):
        ban, _ = Ban.objects.get_or_create(
            user=user, defaults={"reason": reason.strip()[:300], "banned_by": actor, "banned_at": now}
        )
    # The ban is committed first (it already stops new rewards and confirmations); then each
    # reward is reversed in a transaction of its own, so a ban never holds one campaign's locks
    # while it waits for another's.
    for reward_id in Reward.objects.filter(
        user=user, status__in=[RewardStatus.PENDING, RewardStatus.HELD]
    ).values_list("pk", flat=True):
        with transaction.atomic(durable=True):
            reward = Reward.objects.select_for_update().get(pk=reward_id)
            if reward.status in (RewardStatus.PENDING, RewardStatus.HELD):
                _reverse(reward, reason=f"Account banned: {reason.strip()}", actor=actor, now=now)
    return ban


def user_is_banned(user: User) -> bool:
    return Ban.objects.filter(user=user).exists()
