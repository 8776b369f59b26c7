"""The JoyBack engine: from a verified social action to money in the user's wallet.

    action_record(...)        a login, a share, a like...: evaluated at once, paid as PENDING
    snapshots_process(...)    posts' new engagement counts: pays the difference, up to the caps
    snapshot_process(...)     the same for one snapshot (a batch of one)
    reward_settle(...)        at the end of the hold: CONFIRMED (pending -> available) or REVERSED
    reward_advance(...)       a fast subscription (JoyFast): available early, advanced by TikJoy
    reward_reverse(...)       ops reverse a reward, with a reason
    rewards_reverse(...)      several at once, each share's engagement rewards counted with it
    held_reward_approve/reject, user_ban/unban   the fraud review queue

What a payment earns is decided by one pure function, ``rewards.decision.decide``;
both paths (an action, a batch of snapshots) load and lock, call it, and persist
what it returns with ``_pay``.

Money: a reward is one ledger transaction. The merchant's available funds pay
the merchant price, the user's pending account receives the user's share (the
pricing plan's share, rounded down) and the platform's pending revenue for that
merchant the margin. At confirmation, in one transaction, the user's share moves
from pending to available and the margin from pending revenue to revenue: the
platform earns its margin only on confirmed rewards. A reversal takes both back
from pending. A held reward moves the price from the merchant into the
platform's held account instead, until ops decide.

Concurrency: every path takes its row locks through ``_lock``, in one order:
the action -> its rewards -> the user's tally for the campaign -> the rule ->
the campaign -> the person's reward figures (``PersonRewardFigures``, by person
and currency: ``_figures_grant`` / ``_figures_move``) -> the ledger accounts (by
primary key, inside ``wallets.post``) -> the sign-in identities kept for a reversed sign-in
reward (``RewardedSignIn``, deleted last by ``_reverse``).
Extending a shared post's watch (``tracked_posts_watch``) updates the post's row
right after the action and its rewards are locked, before anything later.
Caps, counters and budgets are read and written on locked rows only.
Idempotency: an action counts once (``SocialAction.key``), a snapshot pays once
(``Reward.snapshot`` is unique), and every ledger movement has a key derived from
the reward.
"""

from __future__ import annotations

import functools
import logging
from collections import defaultdict
from collections.abc import Iterable, Sequence
from copy import copy
from dataclasses import dataclass, field, replace
from datetime import date, datetime, timedelta
from decimal import Decimal

from django.conf import settings
from django.db import IntegrityError, connection, transaction
from django.db.models import Exists, F, OuterRef, Q, QuerySet, Subquery, Sum, TextField, Value
from django.db.models.functions import Greatest, Least
from django.utils import timezone, translation
from django.utils.formats import date_format
from django.utils.translation import gettext
from moneyed import Money

from accounts.models import User
from campaigns.models import (
    LOGIN_ACTIONS,
    ActionType,
    Campaign,
    CampaignStatus,
    MerchantPricing,
    PauseReason,
    PlatformLimit,
    PricingPlan,
    RewardRule,
)
from campaigns.pricing import plan_for, user_share_expression
from campaigns.selectors import ugc_blocks_shares
from core.db import bound_cursor, model_columns, model_insert, model_rows, model_update, retry_on_conflict
from core.errors import DomainError
from core.i18n import after_colon, label_in_sentence
from core.tasks import after_commit, mail_after_commit
from merchants.days import merchant_day
from merchants.locale import member_locale
from merchants.models import Merchant, Touchpoint
from merchants.selectors import consent_active_get, owners_with_email
from merchants.wallet import merchant_low_balance_check
from rewards.decision import (
    Counts,
    Decision,
    Limits,
    Payment,
    Tally,
    decide,
)
from rewards.discovery import campaign_id_from_criterion, undiscovered_shares
from rewards.models import (
    FIGURE_COLUMNS,
    ActionStatus,
    Ban,
    BanEvent,
    BanEventKind,
    CampaignDay,
    LaunchWatch,
    MerchantConsumer,
    NoticeKind,
    PersonRewardFigures,
    PostEngagementDay,
    Reward,
    RewardedSignIn,
    RewardKind,
    RewardStatus,
    SocialAction,
    UserCampaignTally,
)
from rewards.notices import available_notice_queue, notice_queue
from rewards.reasons import (
    NOT_PAID,
    REWARD_REASON_BANNED,
    REWARD_REASON_HELD,
    REWARD_REASON_POST_GONE,
    REWARD_REASON_POST_UNCHECKED,
    REWARD_REASON_REJECTED,
    REWARD_REASON_TIKTOK_DISCONNECTED,
    Reader,
    Reason,
    action_explain,
    banned_reason,
    moment_param,
    money_param,
    reason_detail,
    reward_reason_text,
)
from rewards.risk import action_risk, engagement_risk_for, risk_counts_read, risk_counts_sql
from rewards.rollups import days_rebuild
from rewards.selectors import unfunded_explanation
from social.identity_digests import (
    person_deleted_sign_in_digests,
    person_sign_in_digests,
    sign_in_digests_at,
)
from social.models import EngagementSnapshot, TikTokProfile, TrackedPost
from social.selectors import has_tiktok_account_get
from social.services import engagement_gains_of_post, tracked_posts_watch
from social.signals import EngagementGain
from subscriptions.benefits import NO_BENEFITS, Benefits
from subscriptions.selectors import BENEFITS_EXIST_SQL, benefits_for_users, subscriptions_giving_benefits
from wallets.debts import debt_incur, debt_owed, debt_repay
from wallets.formats import money_text
from wallets.models import PLATFORM, Account, Entry, Purpose, partition_key
from wallets.services import InsufficientFunds, Posting, account_for, accounts_for, post, post_many
from webhooks.models import EventType
from webhooks.payloads import campaign_paused_payload, consumer_joined_payload, reward_payload
from webhooks.services import (
    ENDPOINTS_OF_MERCHANT_SQL,
    Event,
    endpoints_active,
    endpoints_from_json,
    events_record,
)

logger = logging.getLogger(__name__)

REWARD_KIND = "REWARD"  # the ledger kind of a credit (the merchant console counts these)
HOLD_KIND = "REWARD_HOLD"
RELEASE_KIND = "REWARD_RELEASE"
CONFIRM_KIND = "REWARD_CONFIRM"
REVERSAL_KIND = "REWARD_REVERSAL"
ADVANCE_KIND = "REWARD_ADVANCE"  # JoyFast: pending -> available before the hold ends
ADVANCE_DEBT_KIND = (
    "REWARD_ADVANCE_DEBT"  # an advanced reward reversed: the merchant refunded, the person owes
)
DEBT_REPAY_KIND = "DEBT_REPAID"

# Rewards may be paid while these action states hold (engagement of a share).
EARNING_ACTION_STATES = (ActionStatus.REWARDED, ActionStatus.RECORDED, ActionStatus.HELD)


class RewardError(DomainError):
    """A reward can't be changed the way it was asked."""


# ---------------------------------------------------------------------------
# Accounts


def _merchant_funds(merchant: Merchant, currency: str) -> Account:
    return account_for(owner=merchant, purpose=Purpose.MERCHANT_AVAILABLE, currency=currency)


def _revenue_pending(merchant: Merchant, currency: str) -> Account:
    """The platform's margin on this merchant's rewards that may still be reversed."""
    return account_for(
        owner=PLATFORM, purpose=Purpose.PLATFORM_REVENUE_PENDING, currency=currency, partition=merchant
    )


def _revenue(merchant: Merchant, currency: str) -> Account:
    """The platform's margin on this merchant's confirmed rewards (what billing invoices)."""
    return account_for(
        owner=PLATFORM, purpose=Purpose.PLATFORM_REVENUE, currency=currency, partition=merchant
    )


def _held(currency: str) -> Account:
    return account_for(owner=PLATFORM, purpose=Purpose.PLATFORM_HELD, currency=currency)


def _user_pending(user: User, currency: str) -> Account:
    return account_for(owner=user, purpose=Purpose.USER_PENDING, currency=currency)


def _user_available(user: User, currency: str) -> Account:
    return account_for(owner=user, purpose=Purpose.USER_AVAILABLE, currency=currency)


# ---------------------------------------------------------------------------
# The one lock order


@dataclass
class _Locked:
    actions: dict[int, SocialAction] = field(default_factory=dict)
    rewards: dict[int, Reward] = field(default_factory=dict)
    tallies: dict[tuple[int, int], UserCampaignTally] = field(default_factory=dict)
    rules: dict[int, RewardRule] = field(default_factory=dict)
    campaigns: dict[int, Campaign] = field(default_factory=dict)


def _lock(
    *,
    action_ids=(),
    reward_ids=(),
    tallies=(),
    rule_ids=(),
    campaign_ids=(),
) -> _Locked:
    """Lock the engine's rows in its one order, each kind by primary key, and return them.

    Every path that changes a reward, a counter or a budget goes through here:
    actions, then rewards, then tallies (``(user_id, campaign_id)`` pairs, created
    when missing), then rules, then campaigns; the ledger accounts are locked last,
    by primary key, inside ``wallets.post``. A path may call it again for kinds that
    come later in the order (settlement locks the tally, rule and campaign only
    when it reverses), never for a kind it already passed. An action's payment decided
    on unlocked rows (``_evaluate``'s ``"unlocked"``) takes the tally, rule and campaign
    in this same order with the writes of its counters (``_counters_add_guarded``).
    """
    locked = _Locked()
    if action_ids:
        locked.actions = {
            a.pk: a
            for a in SocialAction.objects.select_for_update(of=("self",))
            .filter(pk__in=sorted(set(action_ids)))
            .select_related("merchant", "user", "tracked_post")
            .order_by("pk")
        }
    if reward_ids:
        locked.rewards = {
            r.pk: r
            for r in Reward.objects.select_for_update(of=("self",))
            .filter(pk__in=sorted(set(reward_ids)))
            .order_by("pk")
        }
    if connection.vendor == "postgresql" and not (action_ids or reward_ids):
        # The same rows in the same order, as fixed statements (no ORM compilation): the action path's.
        _lock_postgresql(locked, tallies=tallies, rule_ids=rule_ids, campaign_ids=campaign_ids)
        return locked
    if tallies:
        pairs = set(tallies)
        UserCampaignTally.objects.bulk_create(
            [UserCampaignTally(user_id=u, campaign_id=c) for u, c in pairs], ignore_conflicts=True
        )
        rows = (
            UserCampaignTally.objects.select_for_update()
            .filter(user_id__in={u for u, _ in pairs}, campaign_id__in={c for _, c in pairs})
            .order_by("pk")
        )
        locked.tallies = {(t.user_id, t.campaign_id): t for t in rows if (t.user_id, t.campaign_id) in pairs}
    if rule_ids:
        rows = RewardRule.objects.select_for_update().filter(pk__in=sorted(set(rule_ids))).order_by("pk")
        locked.rules = {r.pk: r for r in rows}
    if campaign_ids:
        locked.campaigns = {
            c.pk: c
            for c in Campaign.objects.select_for_update(of=("self",))
            .filter(pk__in=set(campaign_ids))
            .select_related("merchant")
            .order_by("pk")
        }
    return locked


_TALLY = UserCampaignTally._meta.db_table
_TALLIES_CREATE_SQL = (
    f"INSERT INTO {_TALLY} (user_id, campaign_id, total, day_total) "  # noqa: S608 - names from the models
    "SELECT u, c, 0, 0 FROM unnest(%s::bigint[], %s::bigint[]) AS v(u, c) ON CONFLICT DO NOTHING"
)
_TALLY_CREATE_RETURNING_SQL = (
    f"INSERT INTO {_TALLY} (user_id, campaign_id, total, day_total) VALUES (%s, %s, 0, 0) "  # noqa: S608
    f"ON CONFLICT DO NOTHING RETURNING {model_columns(UserCampaignTally)}"
)
_TALLIES_LOCK_SQL = (
    f"SELECT {model_columns(UserCampaignTally)} FROM {_TALLY} "  # noqa: S608
    "WHERE user_id = ANY(%s) AND campaign_id = ANY(%s) ORDER BY id FOR UPDATE"
)
_RULES_LOCK_SQL = (
    f"SELECT {model_columns(RewardRule)} FROM {RewardRule._meta.db_table} "  # noqa: S608
    "WHERE id = ANY(%s) ORDER BY id FOR UPDATE"
)
_CAMPAIGNS_LOCK_SQL = (
    f"SELECT {model_columns(Campaign, 'c')}, {model_columns(Merchant, 'm')} "  # noqa: S608
    f"FROM {Campaign._meta.db_table} c JOIN {Merchant._meta.db_table} m ON m.id = c.merchant_id "
    "WHERE c.id = ANY(%s) ORDER BY c.id FOR UPDATE OF c"
)


def _lock_postgresql(locked: _Locked, *, tallies, rule_ids, campaign_ids) -> None:
    """``_lock``'s tallies (created when missing), rules and campaigns (with their merchants), in that
    order, each kind by primary key: the statements the ORM's queries were, written out."""
    with bound_cursor() as cursor:
        if tallies:
            pairs = set(tallies)
            users, campaigns = zip(*sorted(pairs), strict=True)
            rows = None
            if len(pairs) == 1:
                # An action's one tally (one row: no order to keep among tallies): locked by one
                # statement when it exists (a person's second action in the campaign), else inserted,
                # this transaction's row from then on (a person's first). Created meanwhile by a
                # concurrent first action (the insert did nothing): locked below, once committed.
                cursor.execute(_TALLIES_LOCK_SQL, [list(users), list(campaigns)])
                rows = cursor.fetchall()
                if not rows:
                    cursor.execute(_TALLY_CREATE_RETURNING_SQL, [users[0], campaigns[0]])
                    rows = cursor.fetchall() or None
            if rows is None:
                cursor.execute(_TALLIES_CREATE_SQL, [list(users), list(campaigns)])
                cursor.execute(_TALLIES_LOCK_SQL, [sorted(set(users)), sorted(set(campaigns))])
                rows = cursor.fetchall()
            for row in rows:
                (tally,) = model_rows(row, UserCampaignTally)
                if (tally.user_id, tally.campaign_id) in pairs:
                    locked.tallies[(tally.user_id, tally.campaign_id)] = tally
        if rule_ids:
            cursor.execute(_RULES_LOCK_SQL, [sorted(set(rule_ids))])
            locked.rules = {
                rule.pk: rule for (rule,) in (model_rows(r, RewardRule) for r in cursor.fetchall())
            }
        if campaign_ids:
            cursor.execute(_CAMPAIGNS_LOCK_SQL, [sorted(set(campaign_ids))])
            for row in cursor.fetchall():
                campaign, merchant = model_rows(row, Campaign, Merchant)
                campaign.merchant = merchant
                locked.campaigns[campaign.pk] = campaign


# ---------------------------------------------------------------------------
# What the decision reads besides the locked rows


def _limits(currency: str) -> Limits:
    limit = PlatformLimit.objects.filter(currency=currency).first()
    if limit is None:
        return Limits()
    return Limits(max_reward=limit.max_reward, max_per_post=limit.max_per_post)


def _tally(row: UserCampaignTally) -> Tally:
    return Tally(total=row.total, day_date=row.day_date, day_total=row.day_total)


def _returning(user_ids, merchant_ids) -> set[tuple[int, int]]:
    """(user, merchant) pairs where the person has a confirmed reward from the merchant before."""
    return set(
        Reward.objects.filter(
            user_id__in=set(user_ids), merchant_id__in=set(merchant_ids), status=RewardStatus.CONFIRMED
        )
        .values_list("user_id", "merchant_id")
        .distinct()
    )


def _cents(value) -> Decimal:
    """A sum of amounts, exact to the cent (SQLite sums decimals in floating point)."""
    return Decimal(value or 0).quantize(Decimal("0.01"))


# ---------------------------------------------------------------------------
# Persisting decisions (both paths)


@dataclass
class _Item:
    """One payment decided: the action, its decision and (engagement) the snapshot."""

    action: SocialAction
    campaign: Campaign
    rule: RewardRule
    decision: Decision
    kind: str
    snapshot: EngagementSnapshot | None = None


@dataclass
class _Prepared:
    """What a payment reads that no lock protects, read before the engine takes its locks (so that
    the campaign's lock is held for the payment's writes only): the ledger accounts' ids and the
    merchants' webhook endpoints."""

    accounts: _AccountCache
    endpoints: dict[int, list]


def _prepare(pairs, *, merchants: dict[int, Merchant], endpoints: dict[int, list] | None = None) -> _Prepared:
    """``pairs``: the (user id, currency) of the payments to come; ``endpoints``: the merchants'
    webhook endpoints when the caller read them already (``endpoints_active``'s)."""
    users: dict[str, set[int]] = defaultdict(set)
    for user_id, currency in pairs:
        users[currency].add(user_id)
    accounts = _AccountCache()
    accounts.prefetch_for(users, merchants=merchants, create_missing=False)
    if endpoints is None:
        endpoints = endpoints_active(merchant_ids=merchants)
    return _Prepared(accounts=accounts, endpoints=endpoints)


def _pay(
    items: list[_Item],
    *,
    locked: _Locked,
    now: datetime,
    prepared: _Prepared | None = None,
    action_fields: list[str] | None = None,
    guard: _Guard | None = None,
) -> list[Reward]:
    """Create the rewards, move the counters, write the webhooks' outbox and post the money (last:
    the merchants' ledger accounts are locked from the posting to the commit), on rows ``_lock``
    holds. ``prepared``: what ``_prepare`` read before the locks (else read here). ``action_fields``:
    the one item's action's outcome, decided but not written yet (``_decided(write=False)``): written
    with its reward, in the reward's statement (the action's row is this transaction's already).
    ``guard``: the one item was decided on rows read without their locks (``_evaluate``'s
    ``"unlocked"``): its counters lock them, in ``_lock``'s order, only while they are as the
    decision needs them, else ``_Contended`` is raised.

    Raises InsufficientFunds when a merchant's funds can't cover them (the caller's
    transaction or savepoint must then be rolled back).
    """
    rewards = [
        Reward(
            action=item.action,
            kind=item.kind,
            action_type=item.action.action_type,
            snapshot=item.snapshot,
            user_id=item.action.user_id,
            merchant_id=item.action.merchant_id,
            campaign=item.campaign,
            rule=item.rule,
            status=RewardStatus.HELD if item.decision.held else RewardStatus.PENDING,
            currency=item.campaign.currency,
            merchant_price=item.decision.price,
            user_amount=item.decision.user_amount,
            margin=item.decision.margin,
            calculation=item.decision.calculation,
            bonus=item.decision.bonus,
            available_at=_available_at(item.action, item.campaign, kind=item.kind, now=now),
            advance_at=item.decision.advance_at,
            reason=REWARD_REASON_HELD if item.decision.held else "",
            created_at=now,
        )
        for item in items
    ]
    if len(rewards) == 1:  # an action's payment: one fixed INSERT (no ORM compilation)
        model_insert(rewards[0], update=(items[0].action, action_fields) if action_fields else None)
    else:
        if action_fields:
            (item,) = items
            model_update(item.action, action_fields)
        Reward.objects.bulk_create(rewards)
    # Late engagement (a hold of its own, past the share's): its post stays watched until that
    # reward's evidence window ends too.
    for reward, item in zip(rewards, items, strict=True):
        if reward.available_at > _hold_end(item.action, item.campaign) and item.action.tracked_post_id:
            tracked_posts_watch(
                post_ids=[item.action.tracked_post_id], until=reward.available_at + _evidence_window()
            )
    spent: dict[int, Decimal] = defaultdict(Decimal)
    rule_spent: dict[int, Decimal] = defaultdict(Decimal)
    slots: dict[int, int] = defaultdict(int)
    for item in items:
        spent[item.campaign.pk] += item.decision.price
        rule_spent[item.rule.pk] += item.decision.price
        if item.kind == RewardKind.ACTION:
            slots[item.rule.pk] += 1
    tallies = [locked.tallies[(i.action.user_id, i.campaign.pk)] for i in items]
    share_rule_ids = {i.rule.pk for i in items if i.rule.action == ActionType.SHARE_VIDEO}
    merchants = {i.campaign.pk: i.campaign.merchant for i in items}
    days = _day_sums(rewards, sign=1, share_rule_ids=share_rule_ids, merchants=merchants)
    if guard is not None:  # the counters and the person's figures in one statement
        ((tally,), ((day, sums),)) = tallies, days.items()
        figures = _figures_deltas((reward, None, reward.status) for reward in rewards)
        slot = slots.get(guard.rule.pk, 0)
        if not _counters_add_guarded(
            tally=tally, guard=guard, slots=slot, day=day[1], sums=sums, figures=figures
        ):
            raise _Contended
    elif connection.vendor == "postgresql":
        _counters_add_postgresql(
            tallies=tallies,
            rules={pk: (slots.get(pk, 0), amount) for pk, amount in rule_spent.items()},
            campaigns=spent,
            days=days,
        )
    else:
        _tallies_save(tallies)
        for rule_id in sorted(rule_spent):
            RewardRule.objects.filter(pk=rule_id).update(
                rewards_paid=F("rewards_paid") + slots.get(rule_id, 0), spent=F("spent") + rule_spent[rule_id]
            )
        for campaign_id, amount in sorted(spent.items()):
            Campaign.objects.filter(pk=campaign_id).update(spent=F("spent") + amount)
        _days_add(rewards, sign=1, share_rule_ids=share_rule_ids, merchants=merchants)
    if guard is None:
        _figures_grant(rewards)  # the person's figures: after the campaigns' locks, before the ledger's
    events_record(  # the merchants' webhooks: in this transaction (outbox), sent after commit
        events=[
            Event(
                r.merchant_id, EventType.REWARD_CREATED, reward_payload(r, action_type=i.action.action_type)
            )
            for r, i in zip(rewards, items, strict=True)
        ],
        now=now,
        endpoints=prepared.endpoints if prepared is not None else None,
    )
    if prepared is not None:
        accounts = prepared.accounts
    else:
        accounts = _AccountCache()
        accounts.prefetch(
            rewards, merchants={item.campaign.merchant_id: item.campaign.merchant for item in items}
        )
    post_many(
        [
            _credit_posting(reward, action=item.action, merchant=item.campaign.merchant, accounts=accounts)
            for reward, item in zip(rewards, items, strict=True)
        ]
    )
    return rewards


def _available_at(action: SocialAction, campaign: Campaign, *, kind: str, now: datetime) -> datetime:
    """The end of the hold: the action's time plus the campaign's hold period.

    Engagement measured late (near or after the end of the share's hold) gets a hold of its
    own, ``REWARDS_LATE_ENGAGEMENT_HOLD_HOURS`` from now, so no payment is ever released
    without a fraud window and a later sync of the post.
    """
    end = _hold_end(action, campaign)
    if kind == RewardKind.ENGAGEMENT:
        end = max(end, now + timedelta(hours=settings.REWARDS_LATE_ENGAGEMENT_HOLD_HOURS))
    return end


def _hold_end(action: SocialAction, campaign: Campaign) -> datetime:
    return action.created_at + timedelta(days=campaign.hold_days)


def _evidence_window() -> timedelta:
    """How long after a reward's hold the post must be seen on TikTok before the reward is reversed."""
    return timedelta(days=settings.REWARDS_EVIDENCE_DAYS)


def _watch_until(action: SocialAction, campaign: Campaign) -> datetime:
    """A shared post is watched until the evidence window of its share's reward ends."""
    return _hold_end(action, campaign) + _evidence_window()


def _tally_add(tally: UserCampaignTally, amount: Decimal, *, today: date) -> None:
    """Count ``amount`` in the person's tally on ``today``, the merchant's day of the payment
    (``merchants.days.merchant_day``: the reward counts on the same day in ``CampaignDay``, and a
    reversal takes it back from that day). The tally's day never moves backwards: a payment whose
    day is older than the tally's (a run that started before midnight) counts in the total only,
    and the daily cap measured it against the later day (``decision.user_room``)."""
    if tally.day_date is not None and today < tally.day_date:
        pass
    elif today == tally.day_date:
        tally.day_total += amount
    else:
        tally.day_date, tally.day_total = today, amount
    tally.total += amount


def _tallies_save(tallies: list[UserCampaignTally]) -> None:
    unique = {t.pk: t for t in tallies}
    if not unique:
        return
    if connection.vendor != "postgresql":
        UserCampaignTally.objects.bulk_update(list(unique.values()), ["total", "day_date", "day_total"])
        return
    rows = ", ".join(["(%s::bigint, %s::numeric, %s::date, %s::numeric)"] * len(unique))
    params = [v for t in unique.values() for v in (t.pk, t.total, t.day_date, t.day_total)]
    with bound_cursor(prepare=len(unique) == 1) as cursor:  # an action's one tally: the usual text
        cursor.execute(
            "UPDATE rewards_usercampaigntally AS t SET total = v.total, day_date = v.day_date, "  # noqa: S608 - fixed SQL
            f"day_total = v.day_total FROM (VALUES {rows}) AS v(id, total, day_date, day_total) WHERE t.id = v.id",
            params,
        )


class _AccountCache:
    """Ledger accounts looked up once per batch (only their ids and currencies are used)."""

    def __init__(self):
        self._accounts: dict[tuple, Account] = {}

    def prefetch_users(self, user_ids, purpose: str, currency: str) -> None:
        """Load (and create when missing) many users' accounts at once."""
        label = User._meta.label_lower
        for owner_id, account in accounts_for(
            owner_type=label, owner_ids=user_ids, purpose=purpose, currency=currency
        ).items():
            self._accounts[(label, owner_id, purpose, currency)] = account

    def prefetch(self, rewards: list[Reward], *, merchants: dict[int, Merchant]) -> None:
        """The accounts a batch of new rewards posts to (``prefetch_for``)."""
        users: dict[str, set[int]] = defaultdict(set)
        for r in rewards:
            users[r.currency].add(r.user_id)
        self.prefetch_for(users, merchants=merchants)

    def prefetch_for(
        self, users: dict[str, set[int]], *, merchants: dict[int, Merchant], create_missing: bool = True
    ) -> None:
        """The accounts payments to ``users`` (by currency) from ``merchants`` post to, read in one
        query: the merchants' funds, the platform's pending revenue on them and the users' pending
        accounts (those missing are created by ``prefetch_users`` unless ``create_missing`` is off,
        any other by ``get`` when a posting needs it). Their ids never change, so the engine reads
        them before it takes its locks; it creates none there (``_prepare``): an action that pays
        nothing gives the person no account, and an account is created inside the engine's locks,
        in their order, as every other path does."""
        user_label = User._meta.label_lower
        partitions = {partition_key(m): pk for pk, m in merchants.items()}
        missing_users = {currency: set(user_ids) for currency, user_ids in users.items()}
        for account in self._read(users, merchants, partitions):
            if account.purpose == Purpose.USER_PENDING:
                self._accounts[(user_label, account.owner_id, Purpose.USER_PENDING, account.currency)] = (
                    account
                )
                missing_users[account.currency].discard(account.owner_id)
            elif account.purpose == Purpose.MERCHANT_AVAILABLE:
                self._accounts[("funds", account.owner_id, account.currency)] = account
            elif account.purpose == Purpose.PLATFORM_REVENUE_PENDING:
                self._accounts[("revenue_pending", partitions[account.partition], account.currency)] = account
        for currency, user_ids in missing_users.items():
            if user_ids and create_missing:
                self.prefetch_users(user_ids, Purpose.USER_PENDING, currency)

    @staticmethod
    def _read(users: dict[str, set[int]], merchants, partitions: dict[str, int]):
        """The accounts ``prefetch_for`` wants: on PostgreSQL one fixed statement per currency's rows
        (no ORM compilation of the alternatives, nor building them), elsewhere the ORM's query."""
        if connection.vendor != "postgresql":
            user_label, merchant_label = User._meta.label_lower, Merchant._meta.label_lower
            wanted = Q()
            for currency, user_ids in users.items():
                wanted |= Q(currency=currency, partition="") & (
                    Q(owner_type=user_label, owner_id__in=user_ids, purpose=Purpose.USER_PENDING)
                    | Q(owner_type=merchant_label, owner_id__in=merchants, purpose=Purpose.MERCHANT_AVAILABLE)
                )
                wanted |= Q(
                    currency=currency,
                    owner_type=PLATFORM.owner_type,
                    owner_id=PLATFORM.pk,
                    purpose=Purpose.PLATFORM_REVENUE_PENDING,
                    partition__in=partitions,
                )
            return Account.objects.filter(wanted)
        params = []
        for currency, user_ids in users.items():
            params.append(
                [
                    currency,
                    User._meta.label_lower,
                    sorted(user_ids),
                    Merchant._meta.label_lower,
                    sorted(merchants),
                    sorted(partitions),
                ]
            )
        accounts = []
        with bound_cursor() as cursor:
            for values in params:
                cursor.execute(_PREFETCH_SQL, [*values, PLATFORM.owner_type, PLATFORM.pk])
                accounts += [model_rows(row, Account)[0] for row in cursor.fetchall()]
        return accounts

    def get(self, key: tuple, make) -> Account:
        if key not in self._accounts:
            self._accounts[key] = make()
        return self._accounts[key]


_PREFETCH_SQL = (
    f"SELECT {model_columns(Account)} FROM {Account._meta.db_table} WHERE currency = %s AND ("  # noqa: S608 - fixed names
    f"(partition = '' AND ((owner_type = %s AND owner_id = ANY(%s) AND purpose = '{Purpose.USER_PENDING}') "
    f"OR (owner_type = %s AND owner_id = ANY(%s) AND purpose = '{Purpose.MERCHANT_AVAILABLE}'))) "
    f"OR (partition = ANY(%s) AND owner_type = %s AND owner_id = %s "
    f"AND purpose = '{Purpose.PLATFORM_REVENUE_PENDING}'))"
)


def _credit_posting(
    reward: Reward, *, action: SocialAction, merchant: Merchant, accounts: _AccountCache
) -> Posting:
    """The ledger movement of a new reward: to the user (pending) and the platform (pending revenue),
    or to the held account."""
    currency, price = reward.currency, reward.price_money
    funds = accounts.get(("funds", merchant.pk, currency), lambda: _merchant_funds(merchant, currency))
    what = _describe(action, reward.kind)
    if reward.status == RewardStatus.HELD:
        held = accounts.get(("held", currency), lambda: _held(currency))
        entries = [(funds, -price), (held, price)]
        kind, reason, suffix = HOLD_KIND, f"{what}: held for review", "hold"
    else:
        label = User._meta.label_lower
        pending = accounts.get(  # a person's first: created in one statement (no savepoint)
            (label, reward.user_id, Purpose.USER_PENDING, currency),
            lambda: accounts_for(
                owner_type=label, owner_ids=[reward.user_id], purpose=Purpose.USER_PENDING, currency=currency
            )[reward.user_id],
        )
        margin = accounts.get(
            ("revenue_pending", merchant.pk, currency), lambda: _revenue_pending(merchant, currency)
        )
        entries = [(funds, -price), (pending, reward.user_money), (margin, Money(reward.margin, currency))]
        kind, reason, suffix = REWARD_KIND, what, "credit"
    return Posting(
        entries=entries,
        kind=kind,
        reason=reason,
        idempotency_key=f"reward:{reward.pk}:{suffix}",
        subject=reward,
        now=reward.created_at,
    )


def _describe(action: SocialAction, kind: str) -> str:
    """The ledger's reason for a reward's movements, in English whatever the request's language
    (the wallet shows the person their own words, from the kind)."""
    if kind == RewardKind.ENGAGEMENT:
        return f"{action.merchant.brand_name}: engagement on your shared post"
    with translation.override("en"):
        return f"{action.merchant.brand_name}: {ActionType(action.action_type).label}"


def _pause(campaign_id: int, reason: str, *, now: datetime) -> None:
    """Pause a running campaign (funds or budget ran out) and tell its owners and webhooks, once."""
    paused = Campaign.objects.filter(pk=campaign_id, status=CampaignStatus.ACTIVE).update(
        status=CampaignStatus.PAUSED, pause_reason=reason
    )
    if paused:
        after_commit("rewards.services.campaign_paused_tell_owners", campaign_id=campaign_id)
        merchant_id, name = Campaign.objects.values_list("merchant_id", "name").get(pk=campaign_id)
        data = campaign_paused_payload(campaign_id=campaign_id, name=name, reason=reason, paused_at=now)
        events_record(events=[Event(merchant_id, EventType.CAMPAIGN_PAUSED, data)], now=now)


def campaign_paused_tell_owners(*, campaign_id: int) -> None:
    """The task behind an automatic pause: e-mail each of the merchant's owners, in their language
    (``merchants.locale.member_locale``), why their campaign stopped."""
    campaign = Campaign.objects.select_related("merchant").prefetch_related("texts").get(pk=campaign_id)
    if campaign.status != CampaignStatus.PAUSED:
        return
    days = settings.REWARDS_UNFUNDED_RETRY_DAYS
    for owner in owners_with_email(campaign.merchant):
        with member_locale(owner, campaign.merchant) as language:
            why = after_colon(PauseReason(campaign.pause_reason).label)
            name = campaign.name_in(language)
            if campaign.pause_reason == PauseReason.FUNDS:
                what_next = gettext(
                    "Add funds (console > Add funds): once they arrive the campaign goes live again by itself, and "
                    "the actions refused meanwhile (in the last %(days)s days) are paid if they still qualify."
                ) % {"days": days}
            else:
                what_next = gettext(
                    "Raise the budget, then resume the campaign in the console: the actions refused meanwhile "
                    "(in the last %(days)s days) are then paid if they still qualify."
                ) % {"days": days}
            subject = gettext("[TikJoy] Campaign '%(campaign)s' paused: %(why)s") % {
                "campaign": name,
                "why": why,
            }
            message = gettext(
                "Your campaign '%(campaign)s' was paused automatically: %(why)s.\n\n"
                "New actions are not rewarded while it is paused. %(what_next)s\n"
            ) % {"campaign": name, "why": why, "what_next": what_next}
        mail_after_commit(subject=subject, message=message, recipient_list=[owner.email])


# ---------------------------------------------------------------------------
# Recording and evaluating actions


def login_action_key(*, user_id: int, merchant_id: int) -> str:
    """The key of a person's sign-in at a merchant (TikTok or WhatsApp alike): recorded once, paid
    once. While an action with this key exists, signing in there again pays nothing (the brand page
    reads it to say so)."""
    return f"login:{merchant_id}:{user_id}"


def action_key(
    *, action_type: str, user: User, merchant: Merchant, post: TrackedPost | None = None, event_id: str = ""
) -> str:
    """What makes an action count once: one login reward per user per merchant, one share per post,
    one reported action per event id of the merchant's (``rewards.reported``)."""
    if event_id:
        return f"reported:{merchant.pk}:{event_id}"
    if action_type in LOGIN_ACTIONS:
        return login_action_key(user_id=user.pk, merchant_id=merchant.pk)
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
    event_id: str = "",
) -> SocialAction:
    """Record what a person did and pay for it at once (as pending), when a live campaign rewards it.

    Recording the same action again (same key) returns the first record and pays nothing more.
    """
    return _action_record(
        user=user,
        merchant=merchant,
        action_type=action_type,
        now=now,
        occurred_at=occurred_at,
        campaign=campaign,
        tracked_post=tracked_post,
        touchpoint=touchpoint,
        device_id=device_id,
        ip_address=ip_address,
        event_id=event_id,
    )[0]


@retry_on_conflict
def _action_record(
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
    event_id: str = "",
    tiktok_uids: Sequence[str] | None = None,
) -> tuple[SocialAction, bool, list[Reward]]:
    """``action_record``, also saying whether the action is new (False: the first record, unchanged),
    and the rewards it was paid when new. ``tiktok_uids``: the person's TikTok accounts, read already
    by the caller (a TikTok sign-in's identity, ``_sign_in_digests``); None: read when needed."""
    action_type = ActionType(action_type)
    key = action_key(
        action_type=action_type, user=user, merchant=merchant, post=tracked_post, event_id=event_id
    )
    # The payment is written without a savepoint (two statements fewer while the campaign's locks are
    # held): when the merchant's funds refuse it, the whole transaction is rolled back and run once
    # more with the payment in a savepoint, which records the action as waiting for the money.
    # The first try decides on rows read without their locks (PostgreSQL: ``_evaluate``'s
    # "unlocked"); counters that moved meanwhile past what its decision needs roll it back and run it
    # once more on locked rows.
    mode = "unlocked" if connection.vendor == "postgresql" else "locked"
    while True:
        action = None
        try:
            with transaction.atomic(durable=True):
                # The insert is the transaction's first statement (no savepoint needed): when the key
                # was recorded before, the unique constraint refuses it and the whole, empty,
                # transaction is rolled back; the first record is read below.
                new = SocialAction(
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
                if connection.vendor == "postgresql":
                    # what SocialAction.objects.create sends, as a fixed statement, with the person's
                    # count for the merchant in the same statement (one round trip for both)
                    model_insert(new, also=(_CONSUMER_COUNT_SQL, _consumer_count_params(new)))
                    action = new
                else:
                    model_insert(new)
                    action = new
                    _consumer_count(action)
                evaluated = _evaluate(action, now=now, mode=mode, tiktok_uids=tiktok_uids)
                _share_engagement_count(action)
                if action_type in LOGIN_ACTIONS:  # the first sign-in on the brand page: the consumer joined
                    _joined_event(action, now=now, endpoints=evaluated.endpoints)
        except _FundsRefused:
            mode = "savepoint"
            continue
        except _Contended:
            mode = "locked"
            continue
        except IntegrityError:
            if action is not None:  # not the action's key: a later statement's error
                raise
            recorded = SocialAction.objects.select_related("merchant", "campaign").filter(key=key).first()
            if recorded is None:  # not the action's key either (another write of its statement)
                raise
            return recorded, False, []
        break
    if action.status in (ActionStatus.REWARDED, ActionStatus.HELD):
        merchant_low_balance_check(merchant=merchant)
    return action, True, evaluated.rewards


def reward_day(reward: Reward, *, merchant: Merchant) -> date:
    """The day a reward counts on (its campaign's ``CampaignDay``, its person's daily cap): the day of
    its creation in its merchant's time zone (``merchants.days.merchant_day``)."""
    return merchant_day(merchant, reward.created_at)


def _day_sums(
    rewards: list[Reward], *, sign: int, share_rule_ids: set[int], merchants: dict[int, Merchant]
) -> dict[tuple[int, date], list]:
    """(campaign id, day) -> [rewards, rewards paid, share cost] to add, in (campaign, day) order.
    ``merchants``: each campaign's merchant (by campaign id), loaded with the locked campaign."""
    sums: dict[tuple[int, date], list] = defaultdict(lambda: [0, Decimal("0.00"), Decimal("0.00")])
    for reward in rewards:
        row = sums[(reward.campaign_id, reward_day(reward, merchant=merchants[reward.campaign_id]))]
        row[0] += sign
        row[1] += sign * reward.merchant_price
        if reward.rule_id in share_rule_ids:
            row[2] += sign * reward.merchant_price
    return dict(sorted(sums.items()))


def _days_add(
    rewards: list[Reward], *, sign: int, share_rule_ids: set[int], merchants: dict[int, Merchant]
) -> None:
    """Add (``sign`` 1: granted) or take back (-1: reversed) rewards in their campaigns' days
    (``CampaignDay``). The callers hold the campaigns' locks (``_lock``), so each campaign's days
    are written by one transaction at a time; rows are written in (campaign, day) order."""
    for (campaign_id, day), (n, paid, share) in _day_sums(
        rewards, sign=sign, share_rule_ids=share_rule_ids, merchants=merchants
    ).items():
        figures = {
            "rewards": F("rewards") + n,
            "rewards_paid": F("rewards_paid") + paid,
            "share_cost": F("share_cost") + share,
        }
        rows = CampaignDay.objects.filter(campaign_id=campaign_id, day_date=day)
        if sign < 0:
            # Taken back from the day the reward counted on. A day that can't give it back is one
            # counted in another zone: the merchant's zone changed and its recount has not run yet
            # (or a release is half rolled out). The recount, queued again, sets the days from the
            # rewards; a negative day would refuse the reversal itself (review of the zone change).
            if not rows.filter(rewards__gte=-n, rewards_paid__gte=-paid, share_cost__gte=-share).update(
                **figures
            ):
                after_commit("rewards.tasks.merchant_days_rebuild", merchants[campaign_id].pk)
            continue
        if rows.update(**figures):
            continue
        try:
            with transaction.atomic():
                CampaignDay.objects.create(
                    campaign_id=campaign_id, day_date=day, rewards=n, rewards_paid=paid, share_cost=share
                )
        except IntegrityError:
            rows.update(**figures)


def _counters_add_postgresql(
    *,
    tallies: list[UserCampaignTally],
    rules: dict[int, tuple[int, Decimal]],
    campaigns: dict[int, Decimal],
    days: dict[tuple[int, date], list],
) -> None:
    """A payment's counters in one statement (one round trip while the campaign's lock is held): the
    people's tallies (their new values), the rules' rewards paid and spent, the campaigns' spent and
    their days (``CampaignDay``, created when missing). Every row but the days' is locked by ``_lock``
    already; the days are the campaign's, written under its lock (``_days_add``)."""
    unique = {t.pk: t for t in tallies}
    parts, params = [], []
    if unique:
        rows = ", ".join(["(%s::bigint, %s::numeric, %s::date, %s::numeric)"] * len(unique))
        parts.append(
            "tally AS (UPDATE rewards_usercampaigntally AS t SET total = v.total, day_date = v.day_date, "  # noqa: S608 - fixed SQL
            f"day_total = v.day_total FROM (VALUES {rows}) AS v(id, total, day_date, day_total) WHERE t.id = v.id)"
        )
        params += [v for t in unique.values() for v in (t.pk, t.total, t.day_date, t.day_total)]
    if rules:
        rows = ", ".join(["(%s::bigint, %s::integer, %s::numeric)"] * len(rules))
        parts.append(
            "rule AS (UPDATE campaigns_rewardrule AS r SET rewards_paid = r.rewards_paid + v.n, "  # noqa: S608 - fixed SQL
            f"spent = r.spent + v.amount FROM (VALUES {rows}) AS v(id, n, amount) WHERE r.id = v.id)"
        )
        params += [v for pk, (n, amount) in sorted(rules.items()) for v in (pk, n, amount)]
    if campaigns:
        rows = ", ".join(["(%s::bigint, %s::numeric)"] * len(campaigns))
        parts.append(
            "campaign AS (UPDATE campaigns_campaign AS c SET spent = c.spent + v.amount "  # noqa: S608 - fixed SQL
            f"FROM (VALUES {rows}) AS v(id, amount) WHERE c.id = v.id)"
        )
        params += [v for pk, amount in sorted(campaigns.items()) for v in (pk, amount)]
    rows = ", ".join(["(%s::bigint, %s::date, %s::integer, %s::numeric, %s::numeric)"] * len(days))
    params += [v for (campaign_id, day), sums in days.items() for v in (campaign_id, day, *sums)]
    sql = (
        ("WITH " + ", ".join(parts) + " " if parts else "")
        + "INSERT INTO rewards_campaignday (campaign_id, day_date, rewards, rewards_paid, share_cost) "  # noqa: S608 - fixed SQL
        f"VALUES {rows} ON CONFLICT (campaign_id, day_date) DO UPDATE SET "
        "rewards = rewards_campaignday.rewards + EXCLUDED.rewards, "
        "rewards_paid = rewards_campaignday.rewards_paid + EXCLUDED.rewards_paid, "
        "share_cost = rewards_campaignday.share_cost + EXCLUDED.share_cost"
    )
    # an action's payment: one row of each, the usual text; a batch's is its own
    with bound_cursor(prepare=max(len(unique), len(rules), len(campaigns), len(days)) <= 1) as cursor:
        cursor.execute(sql, params)


_RULE_COUNTERS = ("rewards_paid", "spent")
_CAMPAIGN_COUNTERS = ("spent",)


@functools.cache
def _as_read_sql(model: type, alias: str, counters: tuple[str, ...]) -> str:
    """A row of ``model`` but for its key and its ``counters``, as PostgreSQL writes it as text
    (``ROW(every other column)::text``): selected with the row by ``_facts_and_rule`` and compared by
    ``_counters_add_guarded``, whose write finds the row as read only if it gives the same text. One
    value each way, whatever the number of columns (one parameter of each was sent and compared
    before: some forty values a payment, dumped by psycopg, and a statement too long for psycopg to
    keep parsed). The text is PostgreSQL's own output of the values stored (the same session
    settings in both statements of a request), so the same row gives the same text; a value written
    meanwhile that reads differently, even one equal to it (1.5 for 1.50), fails the comparison and
    sends the payment to the locked decision, which is never wrong, only slower."""
    quote = connection.ops.quote_name
    columns = [
        f"{alias}.{quote(f.column)}"
        for f in model._meta.concrete_fields
        if not f.primary_key and f.name not in counters
    ]
    return f"ROW({', '.join(columns)})::text"


def _counters_add_guarded(
    *, tally: UserCampaignTally, guard: _Guard, slots: int, day: date, sums: list, figures: dict
) -> bool:
    """``_counters_add_postgresql`` for one payment decided on rows read without their locks
    (``_evaluate``'s ``"unlocked"``), in one statement that locks them in ``_lock``'s order: the
    person's tally (written only if it is as read, or created if they had none and no one created it
    meanwhile), then the rule, then the campaign (each moved only if it is as read but for its
    counters, and these within the decision's bounds; the campaign also only while its merchant's
    time zone is the one the decision's day was taken in), then the campaign's day, then the
    person's reward figures (``_figures_grant``'s upsert, ``figures`` its deltas). Each write is made
    only if the one before it was (``EXISTS``, ``FROM``), so each lock is taken after the one before
    it. False: a step wrote nothing, and the caller raises ``_Contended``, which must leave the
    transaction: the steps before it were written (and their rows are locked) until it is rolled back."""
    decision, rule, campaign = guard.decision, guard.rule, guard.campaign
    if guard.tally is None:
        tally_sql = (
            f"INSERT INTO {_TALLY} (user_id, campaign_id, total, day_date, day_total) "  # noqa: S608 - names from the models
            "VALUES (%s, %s, %s, %s, %s) ON CONFLICT DO NOTHING RETURNING 1"
        )
        params = [tally.user_id, tally.campaign_id, tally.total, tally.day_date, tally.day_total]
    else:
        tally_sql = (
            f"UPDATE {_TALLY} AS t SET total = %s, day_date = %s, day_total = %s WHERE t.id = %s "  # noqa: S608
            "AND t.total = %s AND t.day_date IS NOT DISTINCT FROM %s::date AND t.day_total = %s RETURNING 1"
        )
        read = guard.tally
        params = [
            tally.total,
            tally.day_date,
            tally.day_total,
            tally.pk,
            read.total,
            read.day_date,
            read.day_total,
        ]
    rule_as_read = _as_read_sql(RewardRule, "r", _RULE_COUNTERS)
    campaign_as_read = _as_read_sql(Campaign, "c", _CAMPAIGN_COUNTERS)
    rule_bound = " AND r.rewards_paid < %s" if decision.paid_below is not None else ""
    campaign_bound = " AND c.spent < %s" if decision.spent_below is not None else ""
    sql = (
        f"WITH tally AS ({tally_sql}), "  # noqa: S608 - names from the models, conditions from _as_read_sql
        f"rule AS (UPDATE {RewardRule._meta.db_table} AS r SET rewards_paid = r.rewards_paid + %s, "
        "spent = r.spent + %s WHERE r.id = %s AND EXISTS (SELECT 1 FROM tally) "
        f"AND {rule_as_read} = %s{rule_bound} RETURNING 1), "
        f"campaign AS (UPDATE {Campaign._meta.db_table} AS c SET spent = c.spent + %s "
        f"WHERE c.id = %s AND EXISTS (SELECT 1 FROM rule) AND {campaign_as_read} = %s{campaign_bound} "
        f"AND EXISTS (SELECT 1 FROM {Merchant._meta.db_table} m WHERE m.id = c.merchant_id AND m.time_zone = %s) "
        "RETURNING 1), "
        f"day AS (INSERT INTO {CampaignDay._meta.db_table} (campaign_id, day_date, rewards, rewards_paid, share_cost) "
        "SELECT %s::bigint, %s::date, %s::integer, %s::numeric, %s::numeric FROM campaign "
        "ON CONFLICT (campaign_id, day_date) DO UPDATE SET "
        "rewards = rewards_campaignday.rewards + EXCLUDED.rewards, "
        "rewards_paid = rewards_campaignday.rewards_paid + EXCLUDED.rewards_paid, "
        "share_cost = rewards_campaignday.share_cost + EXCLUDED.share_cost RETURNING 1) "
        f"INSERT INTO {_FIGURES_TABLE} (user_id, currency, {', '.join(_FIGURES_COLUMNS)}) "
        f"SELECT {_FIGURES_CASTS} FROM day {_FIGURES_ADDED}"
    )
    params += [slots, decision.price, rule.pk, guard.rule_read]
    if decision.paid_below is not None:
        params.append(decision.paid_below)
    params += [decision.price, campaign.pk, guard.campaign_read]
    if decision.spent_below is not None:
        params.append(decision.spent_below)
    params.append(campaign.merchant.time_zone)  # merchant_day's, for the tally's and the reward's day
    params += [campaign.pk, day, *sums, *_figures_params(figures)]
    with bound_cursor() as cursor:
        cursor.execute(sql, params)
        written = cursor.fetchall()
    if not written:
        return False
    _figures_first_rows(written, figures)
    return True


_CONSUMER_COUNT_SQL = (
    "INSERT INTO rewards_merchantconsumer (merchant_id, user_id, actions, first_at, last_at, joined_at) "
    "VALUES (%s, %s, 1, %s, %s, %s) ON CONFLICT (merchant_id, user_id) DO UPDATE SET "
    "actions = rewards_merchantconsumer.actions + 1, "
    "first_at = LEAST(rewards_merchantconsumer.first_at, EXCLUDED.first_at), "
    "last_at = GREATEST(rewards_merchantconsumer.last_at, EXCLUDED.last_at), "
    "joined_at = LEAST(rewards_merchantconsumer.joined_at, EXCLUDED.joined_at)"
)


def _consumer_count_params(action: SocialAction) -> list:
    return [action.merchant_id, action.user_id, action.occurred_at, action.occurred_at, action.created_at]


def _consumer_count(action: SocialAction) -> None:
    """Count a new action in its person's figures for the merchant (``MerchantConsumer``), in the
    transaction that records it. On PostgreSQL it is ``_CONSUMER_COUNT_SQL`` (one ``INSERT ... ON
    CONFLICT DO UPDATE``), sent in the action's own insert (``_action_record``); here, elsewhere, one
    conditional UPDATE, or the row's first INSERT (a concurrent first insert loses on the unique
    constraint and updates instead)."""
    figures = {
        "actions": F("actions") + 1,
        "first_at": Least("first_at", Value(action.occurred_at)),
        "last_at": Greatest("last_at", Value(action.occurred_at)),
        "joined_at": Least("joined_at", Value(action.created_at)),
    }
    rows = MerchantConsumer.objects.filter(merchant_id=action.merchant_id, user_id=action.user_id)
    if rows.update(**figures):
        return
    try:
        with transaction.atomic():
            MerchantConsumer.objects.create(
                merchant_id=action.merchant_id,
                user_id=action.user_id,
                actions=1,
                first_at=action.occurred_at,
                last_at=action.occurred_at,
                joined_at=action.created_at,
            )
    except IntegrityError:
        rows.update(**figures)


_FIGURES_TABLE = PersonRewardFigures._meta.db_table
_FIGURES_COUNTS = list(FIGURE_COLUMNS.values())
_FIGURES_AMOUNTS = [f"{column}_amount" for column in _FIGURES_COUNTS]
# The figures' row of ``_counters_add_guarded``, each value cast to its column's type (selected, not
# inserted from VALUES, so that it is written only if the day was).
_FIGURES_CASTS = ", ".join(
    ["%s::bigint", "%s::varchar"]
    + ["%s::integer"] * len(_FIGURES_COUNTS)
    + ["%s::numeric"] * len(_FIGURES_AMOUNTS)
)
_FIGURES_COLUMNS = _FIGURES_COUNTS + _FIGURES_AMOUNTS
# Each column of a (person, currency) row as the rewards say it, grouped by person and currency.
_FIGURES_RECOUNT = ", ".join(
    [f"COUNT(*) FILTER (WHERE status = '{status}') AS {column}" for status, column in FIGURE_COLUMNS.items()]
    + [
        f"COALESCE(SUM(user_amount) FILTER (WHERE status = '{status}'), 0) AS {column}_amount"
        for status, column in FIGURE_COLUMNS.items()
    ]
)


def _figures_deltas(moves) -> dict[tuple[int, str], dict[str, Decimal | int]]:
    """``moves`` ((reward, from status or None, to status)) as changes of each (person, currency)
    row of ``PersonRewardFigures``, in (person, currency) order (the order the rows are locked in)."""
    deltas: dict[tuple[int, str], dict[str, Decimal | int]] = defaultdict(lambda: defaultdict(int))
    for reward, before, after in moves:
        row = deltas[(reward.user_id, reward.currency)]
        for status, sign in ((before, -1), (after, 1)):
            if status is not None:
                row[FIGURE_COLUMNS[status]] += sign
                row[f"{FIGURE_COLUMNS[status]}_amount"] += sign * reward.user_amount
    return dict(sorted(deltas.items()))


def _figures_grant(rewards: list[Reward]) -> None:
    """Count new rewards (inserted already) in their people's figures (``PersonRewardFigures``), in the
    transaction that creates them, before their money is posted: one ``INSERT ... ON CONFLICT DO
    UPDATE`` adding to each (person, currency) row, rows in that order (the engine's lock order: after
    the campaigns, before the ledger accounts).

    A row that comes out equal to what was added (created now, or a person with nothing counted
    before) is then written from the person's rewards (``_figures_rebuild``), this transaction's
    included: a person's first row is never counted from zero while rewards of theirs exist that no
    row counted (granted by a release before the figures existed, after the migration filled them).
    """
    deltas = _figures_deltas((reward, None, reward.status) for reward in rewards)
    if not deltas:
        return
    values = ", ".join(["(" + ", ".join(["%s"] * (2 + len(_FIGURES_COLUMNS))) + ")"] * len(deltas))
    with bound_cursor(prepare=len(deltas) == 1) as cursor:  # one person's row: the usual text
        cursor.execute(
            f"INSERT INTO {_FIGURES_TABLE} (user_id, currency, {', '.join(_FIGURES_COLUMNS)}) "  # noqa: S608 - fixed names
            f"VALUES {values} {_FIGURES_ADDED}",
            _figures_params(deltas),
        )
        written = cursor.fetchall()
    _figures_first_rows(written, deltas)


_FIGURES_ADDED = (
    "ON CONFLICT (user_id, currency) DO UPDATE SET "
    + ", ".join(f"{c} = {_FIGURES_TABLE}.{c} + excluded.{c}" for c in _FIGURES_COLUMNS)
    + f" RETURNING user_id, currency, {', '.join(_FIGURES_COLUMNS)}"
)


def _figures_params(deltas) -> list:
    return [
        v
        for (user_id, currency), row in deltas.items()
        for v in (user_id, currency, *(row.get(c, 0) for c in _FIGURES_COLUMNS))
    ]


def _figures_first_rows(written, deltas) -> None:
    """``_figures_grant``'s rows as written (user id, currency, figures): each that came out equal to
    what was added is written from the person's rewards (see there)."""
    for user_id, currency, *figures in written:
        added_now = deltas[(user_id, currency)]
        if all(value == added_now.get(c, 0) for c, value in zip(_FIGURES_COLUMNS, figures, strict=True)):
            _figures_rebuild(user_id=user_id, currency=currency, unsaved={})  # locked by the upsert


def _figures_move(reward: Reward, *, to: str) -> None:
    """Move a locked reward from its status (not yet saved as changed) to ``to`` in its person's
    figures, before its money moves (the engine's lock order): one conditional ``UPDATE``.

    A money movement never fails because of the figures: when the person's row is missing, or the
    move would take it below zero (a row that drifted from the rewards), the row is written from
    the person's rewards instead, under its lock, in this transaction (``_figures_rebuild``), and
    ``rewards_check`` no longer finds the drift."""
    ((key, row),) = _figures_deltas([(reward, reward.status, to)]).items()
    user_id, currency = key
    rows = PersonRewardFigures.objects.filter(user_id=user_id, currency=currency)
    in_range = rows.filter(**{f"{column}__gte": -amount for column, amount in row.items() if amount < 0})
    if in_range.update(**{column: F(column) + amount for column, amount in row.items()}):
        return
    logger.warning(
        "reward figures of user %s in %s missing or drifted: rebuilt from the rewards", user_id, currency
    )
    PersonRewardFigures.objects.bulk_create(
        [PersonRewardFigures(user_id=user_id, currency=currency)], ignore_conflicts=True
    )
    list(rows.select_for_update().values_list("pk", flat=True))  # locked before the rewards are read
    _figures_rebuild(user_id=user_id, currency=currency, unsaved=row)


def _figures_rebuild(*, user_id: int, currency: str, unsaved: dict[str, Decimal | int]) -> None:
    """Write a person's figures in a currency from their rewards, plus ``unsaved`` (a move of a reward
    whose new status is not saved yet). The caller holds the row's lock, taken before this statement
    began, so every reward change that counts in the row is either committed (and read here) or
    still to add itself to the row (a grant whose rewards this statement can't see yet)."""
    greatest = "GREATEST" if connection.vendor == "postgresql" else "MAX"  # SQLite's two-argument MAX
    columns = ", ".join(f"{column} = {greatest}(0, counted.{column} + %s)" for column in _FIGURES_COLUMNS)
    with bound_cursor() as cursor:
        cursor.execute(
            f"UPDATE {_FIGURES_TABLE} SET {columns} FROM (SELECT {_FIGURES_RECOUNT} "  # noqa: S608 - fixed names
            f"FROM {Reward._meta.db_table} WHERE user_id = %s AND currency = %s) AS counted "
            f"WHERE {_FIGURES_TABLE}.user_id = %s AND {_FIGURES_TABLE}.currency = %s",
            [*(unsaved.get(c, 0) for c in _FIGURES_COLUMNS), user_id, currency, user_id, currency],
        )


def person_figures_rebuild() -> int:
    """Write every person's reward figures (``PersonRewardFigures``) from their rewards, set-based, and
    return how many rows were wrong or missing (``manage.py rewards_figures_rebuild``, run once after
    a release that changes how they are kept: rewards granted by the old code between the migration
    and the reload are in no row, docs/deploy.md).

    The table is locked against writes first (``SHARE ROW EXCLUSIVE``: the engine's grants and moves
    wait for the few seconds this takes, and it waits for theirs), so no change is lost between the
    recount and the write."""
    with transaction.atomic(durable=True), connection.cursor() as cursor:
        cursor.execute(f"LOCK TABLE {_FIGURES_TABLE} IN SHARE ROW EXCLUSIVE MODE")
        cursor.execute(_FIGURES_REBUILD_ALL)
        rewritten = cursor.rowcount
        cursor.execute(_FIGURES_ZERO_ORPHANS)
        return rewritten + cursor.rowcount


_FIGURES_REBUILD_ALL = (
    f"INSERT INTO {_FIGURES_TABLE} (user_id, currency, {', '.join(_FIGURES_COLUMNS)}) "  # noqa: S608 - fixed names
    f"SELECT user_id, currency, {_FIGURES_RECOUNT} FROM {Reward._meta.db_table} GROUP BY user_id, currency "
    f"ON CONFLICT (user_id, currency) DO UPDATE SET ({', '.join(_FIGURES_COLUMNS)}) = "
    f"ROW({', '.join(f'excluded.{c}' for c in _FIGURES_COLUMNS)}) "
    f"WHERE ({', '.join(f'{_FIGURES_TABLE}.{c}' for c in _FIGURES_COLUMNS)}) "
    f"IS DISTINCT FROM ({', '.join(f'excluded.{c}' for c in _FIGURES_COLUMNS)})"
)
# Rows of a person and currency without any reward (rewards deleted around the engine) back to zero.
_FIGURES_ZERO_ORPHANS = (
    f"UPDATE {_FIGURES_TABLE} SET {', '.join(f'{c} = 0' for c in _FIGURES_COLUMNS)} "  # noqa: S608 - fixed names
    f"WHERE ({' OR '.join(f'{c} <> 0' for c in _FIGURES_COLUMNS)}) AND NOT EXISTS (SELECT 1 FROM "
    f"{Reward._meta.db_table} r WHERE r.user_id = {_FIGURES_TABLE}.user_id "
    f"AND r.currency = {_FIGURES_TABLE}.currency)"
)


@dataclass(frozen=True)
class ClaimOutcome:
    """What a person is told after saying they liked or commented on a brand's post."""

    level: str  # "success" | "info"
    message: str


def action_claim(
    *,
    user: User,
    merchant: Merchant,
    action_type: str,
    now: datetime,
    device_id: str = "",
    ip_address: str | None = None,
    has_tiktok_account: bool | None = None,
) -> ClaimOutcome:
    """Record a like or comment the person says they made, and say exactly what happened: paid (pending
    until when), under review, waiting for the brand's funds, refused and why; and, for a claim made
    before (one per brand), that nothing new was paid and what became of the first one.

    Likes and comments are made on TikTok: a person without a TikTok account (signed in by e-mail or
    WhatsApp only) can't have made one, so nothing is recorded and they are told to connect TikTok
    first. ``has_tiktok_account``: read already with the page's other facts, else here."""
    if has_tiktok_account is None:
        has_tiktok_account = has_tiktok_account_get(user=user)
    if not has_tiktok_account:
        return ClaimOutcome(
            "info",
            gettext(
                "Connect your TikTok account first: likes and comments are made on TikTok, so only a "
                "connected TikTok account can claim them."
            ),
        )
    action, new, paid = _action_record(
        user=user,
        merchant=merchant,
        action_type=action_type,
        now=now,
        device_id=device_id,
        ip_address=ip_address,
    )
    what = "like" if action_type == ActionType.LIKE else "comment"
    if new:  # what the engine just paid (nothing: no reward)
        reward = next((r for r in paid if r.kind == RewardKind.ACTION), None)
    else:
        reward = action.rewards.filter(kind=RewardKind.ACTION).first()
    state = _claim_state(action, reward, what=what)
    if new:
        level = "success" if action.status == ActionStatus.REWARDED else "info"
        return ClaimOutcome(level, gettext("Thanks! %(state)s") % {"state": state})
    when = date_format(timezone.localtime(action.created_at), "DATE_FORMAT")
    values = {"brand": merchant.brand_name, "when": when, "state": state}
    if action_type == ActionType.LIKE:
        text = gettext(
            "Nothing new was paid: %(brand)s rewards one like per person, and you told us about yours on "
            "%(when)s. %(state)s"
        )
    else:
        text = gettext(
            "Nothing new was paid: %(brand)s rewards one comment per person, and you told us about yours on "
            "%(when)s. %(state)s"
        )
    return ClaimOutcome("info", text % values)


def _claim_state(action: SocialAction, reward: Reward | None, *, what: str) -> str:
    """What became of a claimed like or comment, in the consumer's language (``what``: "like" or
    "comment", each sentence written for each, as languages name them differently)."""
    like = what == "like"
    if reward is not None and reward.status == RewardStatus.PENDING:
        values = {
            "amount": money_text(reward.user_money),
            "day": date_format(timezone.localtime(reward.available_at), "DATE_FORMAT"),
        }
        if like:
            return (
                gettext("Your reward of %(amount)s for that like is pending in your wallet until %(day)s.")
                % values
            )
        return (
            gettext("Your reward of %(amount)s for that comment is pending in your wallet until %(day)s.")
            % values
        )
    if reward is not None and reward.status == RewardStatus.CONFIRMED:
        values = {"amount": money_text(reward.user_money)}
        if like:
            return gettext("Your reward of %(amount)s for that like is available in your wallet.") % values
        return gettext("Your reward of %(amount)s for that comment is available in your wallet.") % values
    if reward is not None and reward.status == RewardStatus.REVERSED:
        reason = reward_reason_text(reward.reason)  # the engine's own reasons in the reader's language
        if not reason:
            if like:
                return gettext("Your reward for that like was reversed.")
            return gettext("Your reward for that comment was reversed.")
        if like:
            return gettext("Your reward for that like was reversed: %(reason)s") % {"reason": reason}
        return gettext("Your reward for that comment was reversed: %(reason)s") % {"reason": reason}
    if reward is not None or action.status == ActionStatus.HELD:
        return gettext("We are checking this reward; you'll see the outcome in your wallet.")
    if action.status == ActionStatus.UNFUNDED:
        return unfunded_explanation(action) or gettext("Nothing was paid: %(brand)s ran out of funds.") % {
            "brand": action.merchant.brand_name
        }
    if action.status == ActionStatus.INELIGIBLE and action.reason == Reason.DAILY_CAP_REACHED:
        if like:
            return gettext(
                "Nothing was paid for that like: you had reached the campaign's daily limit that day."
            )
        return gettext(
            "Nothing was paid for that comment: you had reached the campaign's daily limit that day."
        )
    if action.reason in NOT_PAID:  # the consumer's words for the engine's reason (rewards.reasons)
        return action_explain(action, reader=Reader.CONSUMER).text
    if action.status_detail:  # an action recorded before the reasons had codes: its stored sentence
        values = {"detail": action.status_detail}
        if like:
            return gettext("Nothing was paid for that like: %(detail)s") % values
        return gettext("Nothing was paid for that comment: %(detail)s") % values
    if like:
        return gettext("Your like was recorded; the campaign pays nothing for it.")
    return gettext("Your comment was recorded; the campaign pays nothing for it.")


def _sign_in_digests(action: SocialAction, tiktok_uids: Sequence[str] | None = None) -> list[str]:
    """For a sign-in action, the digests of the person's sign-in identities (``social.identity_digests``):
    their verified number, and for a TikTok sign-in their TikTok account (``tiktok_uids`` when the
    caller read them already, else one query). Empty for any other action: ``RewardedSignIn``
    concerns the sign-in reward only."""
    if action.action_type not in LOGIN_ACTIONS:
        return []
    return person_sign_in_digests(
        user=action.user,
        merchant_id=action.merchant_id,
        tiktok=action.action_type == ActionType.TIKTOK_LOGIN,
        tiktok_uids=tiktok_uids,
    )


def _facts(action: SocialAction, digests: list[str], *, now: datetime) -> dict:
    """What the decision reads about the person and the merchant besides the locked rows, in one query
    (four before): whether the person is banned, whether they had a confirmed reward from the merchant
    before (``_returning``), whether one of their sign-in identities (``digests``) was paid the
    merchant's sign-in reward on an account since deleted (``RewardedSignIn``), whether the person has
    subscription benefits at ``now`` (``benefits_for_users`` is asked only then), the merchant's pricing
    plan's user share (``plan_for``; None: no plan), the platform's limits in the merchant's
    currency (``_limits``; None: none set) and, on PostgreSQL, the merchant's active webhook endpoints
    (``ENDPOINTS_OF_MERCHANT_SQL``; elsewhere None: ``_prepare`` reads them)."""
    if connection.vendor == "postgresql":  # the same read as fixed SQL: no ORM compilation
        with bound_cursor() as cursor:
            cursor.execute(
                _FACTS_SQL,
                [action.user_id, action.user_id, digests, action.user_id, now, now, action.merchant_id],
            )
            row = cursor.fetchone()
        return dict(zip(_FACTS, row, strict=True))
    limit = PlatformLimit.objects.filter(currency=OuterRef("currency"))
    row = (
        Merchant.objects.filter(pk=action.merchant_id)
        .annotate(
            banned=Exists(Ban.objects.filter(user_id=action.user_id)),
            returning=Exists(
                Reward.objects.filter(
                    user_id=action.user_id, merchant_id=OuterRef("pk"), status=RewardStatus.CONFIRMED
                )
            ),
            rewarded_before=Exists(
                RewardedSignIn.objects.filter(merchant_id=OuterRef("pk"), digest__in=digests)
            )
            if digests
            else Value(False),
            subscribed=Exists(subscriptions_giving_benefits(now=now).filter(user_id=action.user_id)),
            user_share=user_share_expression(action.merchant_id),
            max_reward=Subquery(limit.values("max_reward")[:1]),
            max_per_post=Subquery(limit.values("max_per_post")[:1]),
            endpoints=Value(None, output_field=TextField()),  # read apart (``_prepare``)
        )
        .values(*_FACTS)
        .get()
    )
    return row


def _facts_and_rule(
    action: SocialAction, *, now: datetime, tiktok_uids: Sequence[str] | None = None
) -> tuple[
    dict, Campaign | None, RewardRule | None, dict | None, UserCampaignTally | None, tuple[str, str] | None
]:
    """``_facts``, ``_campaign_and_rule``, the counts of the action's risk signals (``rewards.risk``, as
    of the action) and the person's tally in that campaign (None: none yet): on PostgreSQL in one
    statement (the risk's scalar subqueries beside the facts', the live campaign and its rule joined to
    the merchant, ``LATERAL``, and the tally to them: three round trips fewer on every action, four on a
    person's first in the campaign, whose tally is created by ``_counters_add_guarded``), elsewhere
    the two reads (the risk's counts None: ``action_risk`` reads them; the tally None: read locked).
    Nothing here is locked: ``_evaluate`` pays on it only while the counters stay where the decision
    needs them (``_counters_add_guarded``)."""
    digests = _sign_in_digests(action, tiktok_uids)
    if connection.vendor != "postgresql":
        facts = _facts(action, digests, now=now)
        return facts, *_campaign_and_rule(action, now=now), None, None, None
    risk_parts, risk_params = risk_counts_sql(action, now=action.created_at)
    params = [
        action.user_id,
        action.user_id,
        digests,
        action.user_id,
        now,
        now,
        *risk_params,
        CampaignStatus.ACTIVE,
        now,
        now,
        action.action_type,
    ]
    lateral = _FACTS_AND_RULE_LATERAL
    if action.campaign_id:
        lateral, params = _FACTS_AND_OWN_RULE_LATERAL, [*params, action.campaign_id]
    sql = (
        f"{_FACTS_SELECT}, {', '.join(risk_parts)}, live.*, {model_columns(UserCampaignTally, 't')} {lateral}"
    )
    with bound_cursor() as cursor:
        cursor.execute(sql, [*params, action.user_id, action.merchant_id])
        row = cursor.fetchone()
    facts = dict(zip(_FACTS, row, strict=False))
    start = len(_FACTS) + len(risk_parts)
    risk_counts = risk_counts_read(action, now=action.created_at, values=row[len(_FACTS) : start])
    if row[start] is None:  # no live campaign with an enabled rule for the action
        return facts, None, None, risk_counts, None, None
    read_at = start + _RULE_AND_CAMPAIGN_COLUMNS + 1  # after live_campaign_id
    tally_at = read_at + 2  # after the rule's and the campaign's texts as read
    rule, campaign = model_rows(row[start : read_at - 1], RewardRule, Campaign)
    rule.campaign = campaign
    tally = model_rows(row[tally_at:], UserCampaignTally)[0] if row[tally_at] is not None else None
    return facts, campaign, rule, risk_counts, tally, (row[read_at], row[read_at + 1])


_FACTS = (
    "currency",
    "banned",
    "returning",
    "rewarded_before",
    "subscribed",
    "user_share",
    "max_reward",
    "max_per_post",
    "endpoints",
)
_FACTS_SQL = (
    f"SELECT m.currency, EXISTS (SELECT 1 FROM {Ban._meta.db_table} WHERE user_id = %s), "  # noqa: S608 - fixed names
    f"EXISTS (SELECT 1 FROM {Reward._meta.db_table} WHERE user_id = %s AND merchant_id = m.id "
    f"AND status = '{RewardStatus.CONFIRMED}'), "
    # a sign-in action's identities (an empty array for any other action: nothing to look up)
    f"EXISTS (SELECT 1 FROM {RewardedSignIn._meta.db_table} WHERE merchant_id = m.id "
    "AND digest = ANY(%s::varchar[])), "
    f"{BENEFITS_EXIST_SQL}, "  # the person, now, now
    f"COALESCE((SELECT p.user_share FROM {MerchantPricing._meta.db_table} mp "
    f"JOIN {PricingPlan._meta.db_table} p ON p.id = mp.plan_id WHERE mp.merchant_id = m.id LIMIT 1), "
    f"(SELECT user_share FROM {PricingPlan._meta.db_table} WHERE is_default LIMIT 1)), "
    f"l.max_reward, l.max_per_post, {ENDPOINTS_OF_MERCHANT_SQL} FROM {Merchant._meta.db_table} m "
    f"LEFT JOIN {PlatformLimit._meta.db_table} l ON l.currency = m.currency WHERE m.id = %s"
)


class _FundsRefused(Exception):
    """The merchant's funds refused a payment made without a savepoint (``_evaluate(savepoint=False)``):
    the caller's transaction is spoiled and is rolled back by letting this leave its atomic block."""


class _Contended(Exception):
    """A payment decided on unlocked counters (``_evaluate(mode="unlocked")``) found them moved past
    what its decision needs: the caller's transaction is rolled back by letting this leave its atomic
    block, and the action is decided again on locked rows."""


@dataclass(frozen=True)
class _Guard:
    """What a payment decided without the locks read (``_evaluate(mode="unlocked")``): the campaign
    and the rule as read, the decision's bounds on their counters, and the person's tally as read
    (None: they had none)."""

    campaign: Campaign
    rule: RewardRule
    decision: Decision
    tally: Tally | None
    rule_read: str  # the rule's and the campaign's rows as read (``_as_read_sql``)
    campaign_read: str


@dataclass
class _Evaluated:
    """What ``_evaluate`` paid, and the webhook endpoints it read (for the caller's other events)."""

    rewards: list[Reward] = field(default_factory=list)
    endpoints: dict[int, list] | None = None


def _evaluate(
    action: SocialAction, *, now: datetime, mode: str = "savepoint", tiktok_uids: Sequence[str] | None = None
) -> _Evaluated:
    """Decide and pay an action whose row this transaction holds locked (just inserted, or locked
    by ``_lock`` in ``_unfunded_action_retry``).

    ``mode`` (``_action_record`` tries them in this order):

    - ``"unlocked"`` (PostgreSQL, an action's first try): decided on the campaign, the rule and the
      person's tally as read before any lock (``_facts_and_rule``). A payment that pauses nothing is
      written with its counters moved only while they are where the decision needs them (the tally
      unchanged, the campaign and the rule unchanged but for their counters, these within the
      decision's bounds, its merchant's time zone the one its day was taken in:
      ``_counters_add_guarded``), so the campaign's row is locked
      from that statement to the commit only, not from before the decision. Counters that moved
      past the bounds raise ``_Contended`` (the whole transaction is rolled back and run ``"locked"``);
      any other outcome is decided again on the locked rows, as ``"locked"``. The funds refusing
      the payment raise ``_FundsRefused``, as ``"locked"``.
    - ``"locked"``: the tally, the rule and the campaign locked (``_lock``) before the decision; the
      payment without a savepoint, so the funds refusing it raise ``_FundsRefused`` (the whole
      transaction is rolled back and run ``"savepoint"``).
    - ``"savepoint"``: locked, the payment in a savepoint, so that a refusal of the funds records the
      action as UNFUNDED and pauses the campaign in this transaction.

    The action's own changes (its campaign, its risk) are written with its outcome, in one UPDATE
    at the end (``_set_action``); what the decision reads besides the locked rows (platform limits,
    returning person, pricing plan, subscription benefits) is read before the locks are taken, so
    that the campaign's lock is held for the payment's writes only (docs/benchmarks.md)."""
    facts, campaign, rule, risk_counts, read_tally, read = _facts_and_rule(
        action, now=now, tiktok_uids=tiktok_uids
    )
    if facts["banned"]:
        _set_action(action, ActionStatus.INELIGIBLE, Reason.BANNED)
        return _Evaluated()
    changed: list[str] = []  # the action's fields to write with its outcome
    if rule is None:
        stopped = _campaign_paused_for_money(action, now=now)
        if stopped is not None:
            # Not "no campaign": the one that rewards it stopped because the money ran out. The action
            # waits for the money like the one that stopped it (evaluated again when it comes).
            action.campaign = stopped
            if stopped.pause_reason == PauseReason.FUNDS:
                price = RewardRule.objects.filter(
                    campaign=stopped, action=action.action_type, is_enabled=True
                ).values_list("amount", flat=True)[:1]
                _set_action(
                    action,
                    ActionStatus.UNFUNDED,
                    Reason.FUNDS_RAN_OUT,
                    _funds_params(stopped, price[0] if price else None),
                    also=["campaign"],
                )
            else:
                _set_action(
                    action,
                    ActionStatus.UNFUNDED,
                    Reason.BUDGET_REACHED,
                    _budget_params(stopped),
                    also=["campaign"],
                )
            return _Evaluated()
        reason, params = _no_campaign_reason(action, now=now)
        _set_action(action, ActionStatus.INELIGIBLE, reason, params)
        return _Evaluated()
    if action.campaign_id != campaign.pk:
        action.campaign = campaign
        changed.append("campaign")
    if facts["rewarded_before"]:
        # The person's TikTok account or number was paid this brand's sign-in reward on another account
        # (kept when it left that one: deleted, or the TikTok account disconnected): paid once per person.
        _set_action(action, ActionStatus.INELIGIBLE, Reason.REWARDED_BEFORE, also=changed)
        return _Evaluated()
    if action.action_type == ActionType.SHARE_VIDEO:
        tracked_posts_watch(post_ids=[action.tracked_post_id], until=_watch_until(action, campaign))
        if ugc_blocks_shares(campaign=campaign, user_id=action.user_id):
            _set_action(action, ActionStatus.INELIGIBLE, Reason.VIDEO_NOT_APPROVED, also=changed)
            return _Evaluated()
    # as of the action (a retry too); counted in _facts_and_rule's statement on PostgreSQL
    score, signals = action_risk(action, now=action.created_at, counts=risk_counts)
    if signals:
        action.risk_score, action.risk_signals = score, signals
        changed += ["risk_score", "risk_signals"]
    # Read before the locks (none of them is a locked row): the lock below is held for less.
    currency = campaign.currency
    if currency == facts["currency"]:
        limits = Limits(max_reward=facts["max_reward"], max_per_post=facts["max_per_post"])
    else:
        limits = _limits(currency)
    returning = facts["returning"]
    user_share = facts["user_share"]
    if user_share is None:  # no plan assigned and no default: plan_for says so
        user_share = plan_for(action.merchant).user_share
    benefits = NO_BENEFITS
    if facts["subscribed"]:  # most people have no subscription: their benefits are not read
        benefits = benefits_for_users(user_ids=[action.user_id], now=now).get(action.user_id, NO_BENEFITS)
    endpoints = None
    if facts.get("endpoints") is not None:  # PostgreSQL's facts statement read them
        endpoints = endpoints_from_json(merchant_id=action.merchant_id, value=facts["endpoints"])
    prepared = _prepare(
        [(action.user_id, currency)], merchants={action.merchant_id: action.merchant}, endpoints=endpoints
    )

    def decided(campaign: Campaign, rule: RewardRule, tally: UserCampaignTally, limits: Limits) -> Decision:
        return decide(
            Payment(
                kind=RewardKind.ACTION,
                campaign=campaign,
                rule=rule,
                limits=limits,
                tally=_tally(tally),
                today=merchant_day(campaign.merchant, now),
                returning=returning,
                user_share=user_share,
                hold_threshold=settings.REWARDS_RISK_HOLD_THRESHOLD,
                risk_score=score,
                risk_signals=signals,
                benefits=benefits,
                now=now,
                available_at=_available_at(action, campaign, kind=RewardKind.ACTION, now=now),
            )
        )

    guard = None
    if mode == "unlocked" and read is not None:
        campaign.merchant = action.merchant  # the live campaign is the action's merchant's
        tally = read_tally or UserCampaignTally(
            user_id=action.user_id, campaign_id=campaign.pk, total=Decimal(0), day_total=Decimal(0)
        )
        decision = decided(campaign, rule, tally, limits)
        if decision.stands_unlocked:
            guard = _Guard(
                campaign=campaign,
                rule=rule,
                decision=decision,
                tally=_tally(tally) if read_tally else None,
                rule_read=read[0],
                campaign_read=read[1],
            )
            locked = _Locked(tallies={(action.user_id, campaign.pk): tally})
    if guard is None:
        # The action's row is locked already (see above): the locks start with its tally.
        locked = _lock(
            tallies=[(action.user_id, campaign.pk)],
            rule_ids=[rule.pk],
            campaign_ids=[campaign.pk],
        )
        campaign, rule = locked.campaigns[campaign.pk], locked.rules[rule.pk]
        if campaign.currency != currency:  # changed meanwhile: the locked campaign's limits
            limits = _limits(campaign.currency)
        tally = locked.tallies[(action.user_id, campaign.pk)]
        decision = decided(campaign, rule, tally, limits)
    if not decision.pays:
        _decided(action, campaign, decision, changed, now=now)
        return _Evaluated(endpoints=prepared.endpoints)
    _tally_add(tally, decision.price, today=merchant_day(campaign.merchant, now))
    items = [_Item(action, campaign, rule, decision, RewardKind.ACTION)]
    if mode != "savepoint":
        # The outcome with the payment's first write (the reward), the postings last.
        fields = _decided(action, campaign, decision, changed, now=now, write=False)
        try:
            rewards = _pay(
                items, locked=locked, now=now, prepared=prepared, action_fields=fields, guard=guard
            )
        except InsufficientFunds as exc:
            raise _FundsRefused from exc
        return _Evaluated(rewards, prepared.endpoints)
    try:
        with transaction.atomic():
            # The outcome first, the payment (its postings last) after: a refusal of the funds rolls
            # both back to this savepoint.
            _decided(action, campaign, decision, changed, now=now)
            rewards = _pay(items, locked=locked, now=now, prepared=prepared)
        return _Evaluated(rewards, prepared.endpoints)
    except InsufficientFunds:
        _pause(campaign.pk, PauseReason.FUNDS, now=now)
        _set_action(
            action,
            ActionStatus.UNFUNDED,
            Reason.FUNDS_RAN_OUT,
            _funds_params(campaign, decision.price),
            also=changed,
        )
        return _Evaluated(endpoints=prepared.endpoints)


def _decided(
    action: SocialAction,
    campaign: Campaign,
    decision: Decision,
    changed: list[str],
    *,
    now,
    write: bool = True,
) -> list[str]:
    """What a decision changes besides the payment: the campaign's pause, the daily-limit notice, the
    action's outcome (with ``write`` False, set on the action but left for ``_pay`` to write with the
    reward: the action's fields to write are returned)."""
    if decision.pause:
        _pause(campaign.pk, decision.pause, now=now)
    if decision.daily_limit_reached:
        _daily_limit_notice(action.user_id, campaign, now=now)
    return _set_action(action, decision.status, decision.reason, decision.params, also=changed, write=write)


def not_held_text(reward: Reward) -> str:
    """Why a held reward's review can't be decided: it is no longer held (a colleague decided it, the
    brand reversed it while closing), in the reader's language."""
    return gettext("This reward is no longer held for review (status: %(status)s).") % {
        "status": label_in_sentence(reward.get_status_display())
    }


def _daily_limit_notice(user_id: int, campaign: Campaign, *, now: datetime) -> None:
    """Tell the person once a day per campaign that its daily limit is reached (after the commit)."""
    day = merchant_day(campaign.merchant, now).isoformat()
    notice_queue(
        user_id=user_id,
        kind=NoticeKind.DAILY_LIMIT,
        key=f"daily-limit:{user_id}:{campaign.pk}:{day}",
        params={  # written when sent, in the person's language (rewards.notices.notice_text)
            "day": day,  # sent only on that day (rewards.notices: "today" would be untrue later)
            "brand": campaign.merchant.brand_name,
            "campaign_id": campaign.pk,
            "cap": str(campaign.user_daily_cap),
            "currency": campaign.currency,
        },
    )


# ---------------------------------------------------------------------------
# Actions refused for lack of money, evaluated again when money arrives


def unfunded_retry_window() -> timedelta:
    return timedelta(days=settings.REWARDS_UNFUNDED_RETRY_DAYS)


def _unfunded_retryable(*, now: datetime) -> QuerySet[SocialAction]:
    """The actions refused for lack of funds or budget that a top-up or a campaign going live again
    still evaluates again (``unfunded_actions_retry``): UNFUNDED, within the retry window."""
    return SocialAction.objects.filter(
        status=ActionStatus.UNFUNDED, created_at__gte=now - unfunded_retry_window()
    )


def unfunded_actions_retry(*, merchant_id: int, now: datetime) -> dict[str, int]:
    """Evaluate again the merchant's actions refused for lack of funds or budget (UNFUNDED) in the last
    ``REWARDS_UNFUNDED_RETRY_DAYS`` days, oldest first, through the engine's one path (``_evaluate``:
    the same locks and the same decision). Run after a top-up and when a campaign goes live again.

    Each action is decided under its row lock and only while it is still UNFUNDED, so two runs at once
    (two top-ups together) pay it once. An action whose campaign is not live (still paused, ended) is
    left as it is: it waits for the next top-up or resumption, until its window closes. An action the
    funds still can't cover stays UNFUNDED (and pauses the campaign again, as the first time).
    Returns how many actions ended in each state (``WAITING``: campaign not live).
    """
    ids = list(
        _unfunded_retryable(now=now)
        .filter(merchant_id=merchant_id)
        .order_by("created_at", "pk")
        .values_list("pk", flat=True)
    )
    outcome: dict[str, int] = defaultdict(int)
    for action_id in ids:
        outcome[_unfunded_action_retry(action_id=action_id, now=now)] += 1
    if outcome.get(ActionStatus.REWARDED) or outcome.get(ActionStatus.HELD):
        merchant_low_balance_check(merchant=Merchant.objects.get(pk=merchant_id))
    return dict(outcome)


@retry_on_conflict
def _unfunded_action_retry(*, action_id: int, now: datetime) -> str:
    with transaction.atomic(durable=True):
        action = _lock(action_ids=[action_id]).actions.get(action_id)
        if action is None or action.status != ActionStatus.UNFUNDED:
            return "DECIDED"  # decided meanwhile (by another run)
        if action.created_at < now - unfunded_retry_window():
            return "EXPIRED"
        if _campaign_and_rule(action, now=now)[1] is None:
            return "WAITING"
        _evaluate(action, now=now)
        return action.status


def _campaign_and_rule(action: SocialAction, *, now: datetime) -> tuple[Campaign | None, RewardRule | None]:
    """The live campaign (the earliest started; or the action's own) with an enabled rule for the action,
    and that rule. On PostgreSQL one fixed statement (``Campaign.objects.live``'s conditions written out:
    no ORM compilation on every action), elsewhere the ORM's query."""
    if connection.vendor == "postgresql":
        params = [action.merchant_id, CampaignStatus.ACTIVE, now, now, action.action_type]
        sql = _CAMPAIGN_AND_RULE_SQL
        if action.campaign_id:
            sql, params = _CAMPAIGN_AND_RULE_OWN_SQL, [*params, action.campaign_id]
        with bound_cursor() as cursor:
            cursor.execute(sql, params)
            row = cursor.fetchone()
        if row is None:
            return None, None
        rule, campaign = model_rows(row, RewardRule, Campaign)
        rule.campaign = campaign
        return campaign, rule
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


_CAMPAIGN_AND_RULE_SQL = (
    f"SELECT {model_columns(RewardRule, 'r')}, {model_columns(Campaign, 'c')} "  # noqa: S608 - names from the models
    f"FROM {RewardRule._meta.db_table} r JOIN {Campaign._meta.db_table} c ON c.id = r.campaign_id "
    "WHERE c.merchant_id = %s AND c.status = %s AND c.starts_at <= %s AND (c.ends_at IS NULL OR c.ends_at > %s) "
    "AND r.action = %s AND r.is_enabled"
)
_CAMPAIGN_AND_RULE_OWN_SQL = (
    _CAMPAIGN_AND_RULE_SQL + " AND c.id = %s ORDER BY c.starts_at, r.campaign_id LIMIT 1"
)
_CAMPAIGN_AND_RULE_SQL += " ORDER BY c.starts_at, r.campaign_id LIMIT 1"

# _FACTS_SQL with the live campaign's rule and the campaign (_CAMPAIGN_AND_RULE_SQL's, of the
# merchant m) after its columns: NULLs when there is none.
_LIVE_RULE_LATERAL = (
    f"SELECT {model_columns(RewardRule, 'r')}, {model_columns(Campaign, 'c')}, c.id AS live_campaign_id, "  # noqa: S608 - names from the models
    # the two rows as read, for the payment's write to find them so (_counters_add_guarded)
    f"{_as_read_sql(RewardRule, 'r', _RULE_COUNTERS)}, {_as_read_sql(Campaign, 'c', _CAMPAIGN_COUNTERS)} "
    f"FROM {RewardRule._meta.db_table} r JOIN {Campaign._meta.db_table} c ON c.id = r.campaign_id "
    "WHERE c.merchant_id = m.id AND c.status = %s AND c.starts_at <= %s AND (c.ends_at IS NULL OR c.ends_at > %s) "
    "AND r.action = %s AND r.is_enabled"
)
_FACTS_SELECT, _FACTS_FROM = _FACTS_SQL.split(f" FROM {Merchant._meta.db_table} m ")
# ... and the person's tally in that campaign after them (``_facts_and_rule``'s last parameter but one).
_LIVE_TALLY = f"LEFT JOIN {_TALLY} t ON t.user_id = %s AND t.campaign_id = live.live_campaign_id"
_FACTS_AND_RULE_LATERAL = (
    f"FROM {Merchant._meta.db_table} m "
    f"LEFT JOIN LATERAL ({_LIVE_RULE_LATERAL} ORDER BY c.starts_at, r.campaign_id LIMIT 1) live ON true "
    f"{_LIVE_TALLY} {_FACTS_FROM}"
)
_FACTS_AND_OWN_RULE_LATERAL = (
    f"FROM {Merchant._meta.db_table} m "
    f"LEFT JOIN LATERAL ({_LIVE_RULE_LATERAL} AND c.id = %s ORDER BY c.starts_at, r.campaign_id LIMIT 1) live "
    f"ON true {_LIVE_TALLY} {_FACTS_FROM}"
)
_RULE_AND_CAMPAIGN_COLUMNS = len(RewardRule._meta.concrete_fields) + len(Campaign._meta.concrete_fields)


def _campaign_paused_for_money(action: SocialAction, *, now: datetime) -> Campaign | None:
    """The campaign that would reward the action had its funds or budget not run out (paused by the
    engine for FUNDS or BUDGET, within its dates), or None."""
    paused = Campaign.objects.filter(
        merchant_id=action.merchant_id,
        status=CampaignStatus.PAUSED,
        pause_reason__in=[PauseReason.FUNDS, PauseReason.BUDGET],
        starts_at__lte=now,
    ).filter(Q(ends_at__isnull=True) | Q(ends_at__gt=now))
    if action.campaign_id:
        paused = paused.filter(pk=action.campaign_id)
    rule = (
        RewardRule.objects.filter(campaign__in=paused, action=action.action_type, is_enabled=True)
        .select_related("campaign")
        .order_by("campaign__starts_at", "campaign_id")
        .first()
    )
    return rule.campaign if rule else None


def _set_action(
    action: SocialAction, status: str, reason: str, params: dict | None = None, *, also=(), write: bool = True
) -> list[str]:
    """Record the engine's outcome: the status, its reason code and figures, and the English words
    (with ``also``, the action's other fields the engine changed, in the same UPDATE); with ``write``
    False only on the object (the caller writes the fields returned)."""
    params = params or {}
    action.status, action.reason, action.reason_params = status, reason, params
    action.status_detail = reason_detail(reason, params)
    fields = ["status", "reason", "reason_params", "status_detail", *also]
    if write:
        model_update(action, fields)
    return fields


def _funds_params(campaign: Campaign, price: Decimal | None) -> dict:
    """What a FUNDS_RAN_OUT records: the reward's price, the merchant's funds then, what was missing."""
    balance = _merchant_funds(campaign.merchant, campaign.currency).balance
    params = {"currency": campaign.currency, "campaign": campaign.pk, "funds": money_param(balance)}
    if price is not None:
        params["price"] = money_param(price)
        if price > balance:
            params["short"] = money_param(price - balance)
    return params


def _budget_params(campaign: Campaign) -> dict:
    return {
        "currency": campaign.currency,
        "campaign": campaign.pk,
        "budget": money_param(campaign.budget),
        "spent": money_param(campaign.spent),
    }


def _no_campaign_reason(action: SocialAction, *, now: datetime) -> tuple[str, dict]:
    """Why no live campaign rewards the action: the campaign that would have, had it been running then
    (not started, ended, paused by the team, a draft), else none rewards this kind of action."""
    campaigns = Campaign.objects.filter(
        merchant_id=action.merchant_id, rules__action=action.action_type, rules__is_enabled=True
    )
    if action.campaign_id:
        campaigns = campaigns.filter(pk=action.campaign_id)
    rows = list(
        campaigns.order_by("-starts_at", "-pk").values(
            "pk", "status", "pause_reason", "starts_at", "ends_at", "hashtag"
        )[:20]
    )

    def pick(test):
        return next((row for row in rows if test(row)), None)

    checks = (
        (Reason.CAMPAIGN_PAUSED, lambda r: r["status"] == CampaignStatus.PAUSED),
        (
            Reason.CAMPAIGN_NOT_STARTED,
            lambda r: r["status"] == CampaignStatus.ACTIVE and r["starts_at"] > now,
        ),
        (
            Reason.CAMPAIGN_ENDED,
            lambda r: (
                r["status"] == CampaignStatus.ENDED or (r["ends_at"] is not None and r["ends_at"] <= now)
            ),
        ),
        (Reason.CAMPAIGN_DRAFT, lambda r: r["status"] == CampaignStatus.DRAFT),
    )
    for reason, test in checks:
        row = pick(test)
        if row is not None:
            return reason, {
                "campaign": row["pk"],
                "pause_reason": row["pause_reason"],
                "starts_at": moment_param(row["starts_at"]),
                "ends_at": moment_param(row["ends_at"]),
            }
    return Reason.NO_CAMPAIGN, {"action_type": action.action_type}


def record_discovered_shares(*, user: User, now: datetime) -> list[SocialAction]:
    """Turn the user's newly tracked shares into SocialActions (each evaluated and paid at once)."""
    recorded = []
    for tracked in undiscovered_shares(user=user):
        campaign = (
            Campaign.objects.filter(pk=campaign_id_from_criterion(tracked.criterion_key))
            .select_related("merchant")
            .first()
        )
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


def snapshot_process(*, snapshot_id: int, now: datetime) -> Reward | None:
    """Pay what a post's new engagement counts earn beyond what it has earned so far (a batch of one).

    Returns the reward this call paid, or None. Safe to run twice or concurrently for the
    same snapshot: it pays once.
    """
    if not snapshots_process(snapshot_ids=[snapshot_id], now=now):
        return None  # nothing more earned, or paid before (by this or another worker)
    return Reward.objects.filter(snapshot_id=snapshot_id).select_related("merchant").first()


def snapshots_process(*, snapshot_ids: list[int], now: datetime) -> int:
    """Process snapshots in one database transaction; returns how many paid something.

    If a merchant's funds can't cover the batch, the batch is rolled back and each
    snapshot is processed on its own (the one that can't be paid is recorded so).
    """
    try:
        paid = _engagement_batch(snapshot_ids=snapshot_ids, now=now)
    except InsufficientFunds:
        logger.info("snapshot batch of %s fell back to one by one", len(snapshot_ids))
        paid = 0
        for sid in snapshot_ids:
            paid += _engagement_batch(snapshot_ids=[sid], now=now)
    for merchant in Merchant.objects.filter(
        pk__in=Reward.objects.filter(snapshot_id__in=snapshot_ids).values("merchant_id")
    ):
        merchant_low_balance_check(merchant=merchant)
    return paid


@retry_on_conflict
def _engagement_batch(*, snapshot_ids: list[int], now: datetime) -> int:
    """How many snapshots paid. A batch of one that can't be funded is recorded so (the campaign
    pauses); a bigger batch raises InsufficientFunds, rolled back, for the caller to go one by one."""
    with transaction.atomic(durable=True):
        snapshots = list(
            EngagementSnapshot.objects.filter(pk__in=snapshot_ids, reward__isnull=True).order_by("pk")
        )
        if not snapshots:
            return 0
        action_ids = SocialAction.objects.filter(
            tracked_post_id__in={s.post_id for s in snapshots},
            action_type=ActionType.SHARE_VIDEO,
            status__in=EARNING_ACTION_STATES,
        ).values_list("pk", flat=True)
        actions = _lock(action_ids=list(action_ids)).actions
        actions_by_post = {
            a.tracked_post_id: a
            for a in actions.values()
            if a.status in EARNING_ACTION_STATES and a.campaign_id
        }
        # Decided while we waited for the locks: paid once only.
        paid_already = set(
            Reward.objects.filter(snapshot_id__in=[s.pk for s in snapshots]).values_list(
                "snapshot_id", flat=True
            )
        )
        snapshots = [s for s in snapshots if s.post_id in actions_by_post and s.pk not in paid_already]
        if not snapshots:
            return 0
        acting = [actions_by_post[s.post_id] for s in snapshots]
        user_ids = {a.user_id for a in acting}
        rule_ids = dict(
            RewardRule.objects.filter(
                campaign_id__in={a.campaign_id for a in acting}, action=ActionType.SHARE_VIDEO
            ).values_list("campaign_id", "pk")
        )
        # Locks in the engine's order: (the actions, above), the tallies, the rules and the
        # campaigns. The rules are locked for update, as every payment's: paying engagement adds to
        # the share rule's spend (a shared lock here let two batches of one campaign each hold it,
        # then wait for each other's update: a deadlock). The campaigns are locked only once the
        # decisions are computed; if a campaign changed meanwhile (its status, budget or spend),
        # the decisions are computed again on the locked rows.
        locked = _lock(
            tallies={(a.user_id, a.campaign_id) for a in acting},
            rule_ids=set(rule_ids.values()),
        )
        locked.actions = actions
        context = _BatchContext(
            now=now,
            snapshots=snapshots,
            actions_by_post=actions_by_post,
            rule_ids=rule_ids,
            locked=locked,
            earned={
                action_id: _cents(total)
                # Reversed engagement counts too: what ops or settlement took back is not paid again.
                for action_id, total in Reward.objects.filter(
                    action_id__in=[a.pk for a in acting], kind=RewardKind.ENGAGEMENT
                )
                .values("action_id")
                .annotate(total=Sum("merchant_price"))
                .values_list("action_id", "total")
            },
            banned=set(Ban.objects.filter(user_id__in=user_ids).values_list("user_id", flat=True)),
            followers=dict(
                TikTokProfile.objects.filter(user_id__in=user_ids).values_list("user_id", "follower_count")
            ),
            returning=_returning(user_ids, {a.merchant_id for a in acting}),
            benefits=benefits_for_users(user_ids=user_ids, now=now),
        )
        campaign_ids = {a.campaign_id for a in acting}
        read = {c.pk: c for c in Campaign.objects.filter(pk__in=campaign_ids).select_related("merchant")}
        items, pauses, unfunded = _engagement_decisions(context, read)
        locked.campaigns = _lock(campaign_ids=campaign_ids).campaigns
        if any(_campaign_state(locked.campaigns[pk]) != _campaign_state(read[pk]) for pk in campaign_ids):
            items, pauses, unfunded = _engagement_decisions(context, locked.campaigns)
        for action, decision in unfunded:
            if not action.rewards.exists():
                _set_action(action, ActionStatus.UNFUNDED, decision.reason, decision.params)
        items = [replace(item, campaign=locked.campaigns[item.campaign.pk]) for item in items]
        for item in items:
            _tally_add(
                locked.tallies[(item.action.user_id, item.campaign.pk)],
                item.decision.price,
                today=merchant_day(item.campaign.merchant, now),
            )
        if items:
            try:
                with transaction.atomic():
                    _pay(items, locked=locked, now=now)
                for item in items:
                    if item.decision.daily_limit_reached:
                        _daily_limit_notice(item.action.user_id, item.campaign, now=now)
            except InsufficientFunds:
                if len(snapshot_ids) > 1:
                    raise
                campaign = items[0].campaign
                pauses[campaign.pk] = PauseReason.FUNDS
                if not items[0].action.rewards.exists():
                    _set_action(
                        items[0].action,
                        ActionStatus.UNFUNDED,
                        Reason.FUNDS_RAN_OUT,
                        _funds_params(campaign, items[0].decision.price),
                    )
                items = []
        for campaign_id, reason in pauses.items():
            _pause(campaign_id, reason, now=now)
        return len(items)


@dataclass
class _BatchContext:
    """What an engagement batch read and locked, for computing its decisions (once or twice)."""

    now: datetime
    snapshots: list[EngagementSnapshot]
    actions_by_post: dict[int, SocialAction]
    rule_ids: dict[int, int]
    locked: _Locked
    earned: dict[int, Decimal]
    banned: set[int]
    followers: dict[int, int]
    returning: set[tuple[int, int]]
    benefits: dict[int, Benefits]


def _campaign_state(campaign: Campaign) -> tuple:
    return (campaign.status, campaign.budget, campaign.spent)


def _engagement_decisions(
    context: _BatchContext, campaigns: dict[int, Campaign]
) -> tuple[list[_Item], dict[int, str], list[tuple[SocialAction, Decision]]]:
    """Decide every snapshot of a batch on ``campaigns`` (read or locked rows), each payment seeing
    the ones before it (budget, tally, the post's earnings). Writes nothing."""
    now = context.now
    spent: dict[int, Decimal] = {}
    tallies: dict[tuple[int, int], Tally] = {}
    earned = dict(context.earned)
    shares: dict[int, Decimal] = {}
    limits: dict[str, Limits] = {}
    items: list[_Item] = []
    pauses: dict[int, str] = {}
    unfunded: list[tuple[SocialAction, Decision]] = []
    for snap in context.snapshots:
        action = context.actions_by_post[snap.post_id]
        campaign = copy(campaigns[action.campaign_id])
        campaign.spent = spent.setdefault(campaign.pk, campaign.spent)
        rule = context.locked.rules.get(context.rule_ids.get(campaign.pk))
        if rule is None or not rule.is_enabled or not rule.has_engagement or action.user_id in context.banned:
            continue
        if campaign.merchant_id not in shares:
            shares[campaign.merchant_id] = plan_for(campaign.merchant).user_share
        if campaign.currency not in limits:
            limits[campaign.currency] = _limits(campaign.currency)
        key = (action.user_id, campaign.pk)
        tally = tallies.setdefault(key, _tally(context.locked.tallies[key]))
        counts = Counts(views=snap.views, likes=snap.likes, comments=snap.comments, shares=snap.shares)
        score, signals = engagement_risk_for(
            followers=context.followers.get(action.user_id) or 0, counts=counts
        )
        before = earned.get(action.pk, Decimal(0))
        decision = decide(
            Payment(
                kind=RewardKind.ENGAGEMENT,
                campaign=campaign,
                rule=rule,
                limits=limits[campaign.currency],
                tally=tally,
                today=merchant_day(campaign.merchant, now),
                returning=(action.user_id, action.merchant_id) in context.returning,
                user_share=shares[campaign.merchant_id],
                hold_threshold=settings.REWARDS_RISK_HOLD_THRESHOLD,
                risk_score=score,
                risk_signals=signals,
                already_held=action.status == ActionStatus.HELD,
                counts=counts,
                earned_before=before,
                benefits=context.benefits.get(action.user_id, NO_BENEFITS),
                now=now,
                available_at=_available_at(action, campaign, kind=RewardKind.ENGAGEMENT, now=now),
            )
        )
        if decision.pause:
            pauses[campaign.pk] = decision.pause
        if decision.status == ActionStatus.UNFUNDED:
            unfunded.append((action, decision))
        if not decision.pays:
            continue
        spent[campaign.pk] = campaign.spent + decision.price
        tallies[key] = _tally_after(tally, decision.price, today=merchant_day(campaign.merchant, now))
        earned[action.pk] = before + decision.price
        items.append(_Item(action, campaign, rule, decision, RewardKind.ENGAGEMENT, snap))
    return items, pauses, unfunded


def _tally_after(tally: Tally, amount: Decimal, *, today: date) -> Tally:
    """``tally`` with ``amount`` counted, as ``_tally_add`` counts it in the row."""
    row = UserCampaignTally(total=tally.total, day_date=tally.day_date, day_total=tally.day_total)
    _tally_add(row, amount, today=today)
    return _tally(row)


# ---------------------------------------------------------------------------
# Settlement: confirmation, reversal, review


def _lock_reward(reward_id: int) -> tuple[Reward, SocialAction]:
    """Lock a reward in the engine's order: its action first, then the reward."""
    action_id = Reward.objects.values_list("action_id", flat=True).get(pk=reward_id)
    locked = _lock(action_ids=[action_id], reward_ids=[reward_id])
    reward, action = locked.rewards[reward_id], locked.actions[action_id]
    reward.action = action
    return reward, action


@retry_on_conflict
def reward_settle(*, reward_id: int, now: datetime, tell: bool = True) -> Reward:
    """At the end of the hold: confirm the reward if its conditions still hold, else reverse it.

    A reward for a shared post is confirmed only once the post was synced after the hold
    ended; until then it waits (and the post stays watched). ``tell``: queue this reward's own
    "now available" notice; a settlement run (``rewards_settle_due``) passes False and tells each
    person once for all the rewards the run made available.
    """
    with transaction.atomic(durable=True):
        reward, action = _lock_reward(reward_id)
        if reward.status != RewardStatus.PENDING or reward.available_at > now:
            return reward
        why_not = _confirmation_blocker(reward, action)
        if (
            not why_not
            and _waits_for_evidence(reward, action)
            and now >= reward.available_at + _evidence_window()
        ):
            why_not = REWARD_REASON_POST_UNCHECKED
        if why_not:
            _reverse(reward, action, reason=why_not, actor=None, now=now)
        elif _waits_for_evidence(reward, action):
            pass  # the post is watched until the evidence window ends (see _watch_until)
        else:
            _figures_move(reward, to=RewardStatus.CONFIRMED)  # before the ledger accounts are read
            merchant = action.merchant
            margin_entries = [
                (_revenue_pending(merchant, reward.currency), -Money(reward.margin, reward.currency)),
                (_revenue(merchant, reward.currency), Money(reward.margin, reward.currency)),
            ]
            if reward.advanced_at is None:
                person_entries = [
                    (_user_pending(reward.user, reward.currency), -reward.user_money),
                    (_user_available(reward.user, reward.currency), reward.user_money),
                ]
                _debt_repay_after_commit(reward.user_id, reward.currency)
            else:
                person_entries = []  # advanced already (JoyFast): only TikJoy's margin is earned now
            if person_entries or reward.margin > 0:
                post(
                    entries=person_entries + margin_entries,
                    kind=CONFIRM_KIND,
                    reason=f"{_describe(action, reward.kind)}: "
                    + (
                        "available after the hold period"
                        if person_entries
                        else "hold period ended (advanced)"
                    ),
                    idempotency_key=f"reward:{reward.pk}:confirm",
                    subject=reward,
                    now=now,
                )
            reward.status, reward.decided_at = RewardStatus.CONFIRMED, now
            reward.save(update_fields=["status", "decided_at"])
            _reward_event(reward, action, EventType.REWARD_CONFIRMED, now=now)
            if tell and person_entries:  # an advanced reward's money became available at the advance
                available_notice_queue(
                    user_id=reward.user_id, key=f"available:reward:{reward.pk}", rewards=[reward]
                )
    return reward


@retry_on_conflict
def reward_advance(*, reward_id: int, now: datetime) -> Reward:
    """A fast subscription (JoyFast): make a pending reward available before its hold ends.

    The person's share moves from pending to available (``REWARD_ADVANCE``); the reward stays
    PENDING (the merchant's hold still runs, TikJoy's margin stays pending) and is settled at the
    end of the hold as any other. Not advanced while a reason to reverse it is known (a ban, a
    deleted post, a disconnected TikTok account): settlement decides it then.
    """
    with transaction.atomic(durable=True):
        reward, action = _lock_reward(reward_id)
        if (
            reward.status != RewardStatus.PENDING
            or reward.advanced_at is not None
            or reward.advance_at is None
            or reward.advance_at > now
            or _confirmation_blocker(reward, action)
        ):
            return reward
        post(
            entries=[
                (_user_pending(reward.user, reward.currency), -reward.user_money),
                (_user_available(reward.user, reward.currency), reward.user_money),
            ],
            kind=ADVANCE_KIND,
            reason=f"{_describe(action, reward.kind)}: available early (advanced by TikJoy)",
            idempotency_key=f"reward:{reward.pk}:advance",
            subject=reward,
            now=now,
        )
        reward.advanced_at = now
        reward.save(update_fields=["advanced_at"])
        _debt_repay_after_commit(reward.user_id, reward.currency)
    return reward


def rewards_advance_due(*, now: datetime, limit: int = 1000) -> int:
    """Advance every pending reward whose early availability (JoyFast) has come; returns how many."""
    advanced = 0
    for reward_id in (
        Reward.objects.filter(
            status=RewardStatus.PENDING,
            advanced_at__isnull=True,
            advance_at__isnull=False,
            advance_at__lte=now,
        )
        .order_by("advance_at", "pk")
        .values_list("pk", flat=True)[:limit]
    ):
        try:
            if reward_advance(reward_id=reward_id, now=now).advanced_at is not None:
                advanced += 1
        except Exception:  # one reward that can't be advanced must not stop everyone else's
            logger.exception("reward %s could not be advanced", reward_id)
    return advanced


def _debt_repay_after_commit(user_id: int, currency: str) -> None:
    """Money reached (or will reach) a person's available balance: if they owe, repay after the commit,
    in a transaction of its own (the debt's locks come first there, as ``wallets.debts`` asks)."""
    if debt_owed(owner=User(pk=user_id), currency=currency).amount > 0:
        after_commit("rewards.tasks.debt_repay", user_id, currency)


@retry_on_conflict
def person_debt_repay(*, user_id: int, currency: str, now: datetime) -> Money:
    """Repay what a person owes from their available balance, as far as it goes; returns what was repaid.

    The two account rows are locked (primary-key order) before the key is chosen: the key names the
    debt account's last entry, so each repayment has its own key and a replay at the same state is
    the same repayment.
    """
    user = User.objects.get(pk=user_id)
    owed = account_for(owner=user, purpose=Purpose.USER_OWED, currency=currency)
    available = _user_available(user, currency)
    with transaction.atomic(durable=True):
        list(
            Account.objects.select_for_update()
            .filter(pk__in=[owed.pk, available.pk])
            .order_by("pk")
            .values_list("pk", flat=True)
        )
        last = Entry.objects.filter(account=owed).order_by("-pk").values_list("pk", flat=True).first()
        if last is None:
            return Money(0, currency)
        return debt_repay(
            owner=user,
            source=available,
            kind=DEBT_REPAY_KIND,
            reason="Repaid from your available balance: a reward paid early was reversed",
            idempotency_key=f"debt-repay:{owed.pk}:{last}",
            now=now,
        )


def _available_tell(reward_ids: list[int], *, now: datetime) -> None:
    """One notice per person and currency for the rewards this run made available (not those
    advanced earlier): their sum, count and brands; the key is the run's, so every notice is
    true of the rewards it names, however many runs a day settles."""
    rewards = (
        Reward.objects.filter(pk__in=reward_ids, advanced_at__isnull=True)
        .select_related("merchant")
        .order_by("pk")
    )
    groups: dict[tuple[int, str], list[Reward]] = defaultdict(list)
    for reward in rewards:
        groups[(reward.user_id, reward.currency)].append(reward)
    for (user_id, currency), settled in groups.items():
        available_notice_queue(
            user_id=user_id, key=f"available:{user_id}:{currency}:{now.isoformat()}", rewards=settled
        )


def rewards_settle_due(*, now: datetime, limit: int = 1000) -> dict[str, int]:
    """Settle every reward whose hold ended; returns how many were confirmed, reversed and left waiting."""
    counts = {RewardStatus.CONFIRMED: 0, RewardStatus.REVERSED: 0, RewardStatus.PENDING: 0}
    confirmed: list[int] = []
    # Due and decidable now: no post to check, the post was seen (or found gone) after the hold,
    # or its evidence window is over. Rewards still waiting for a sync stay out of the queue, so
    # they never hold back the rewards behind them.
    decidable = (
        Q(action__tracked_post__isnull=True)
        | Q(action__tracked_post__status=TrackedPost.Status.GONE)
        | Q(action__tracked_post__last_synced_at__gte=F("available_at"))
        | Q(available_at__lte=now - _evidence_window())
    )
    for reward_id in (
        Reward.objects.due(now=now)
        .filter(decidable)
        .order_by("available_at", "pk")
        .values_list("pk", flat=True)[:limit]
    ):
        try:
            reward = reward_settle(reward_id=reward_id, now=now, tell=False)
        except Exception:  # one reward that can't be settled must not stop everyone else's
            logger.exception("reward %s could not be settled", reward_id)
            continue
        if reward.status in counts:
            counts[reward.status] += 1
        if reward.status == RewardStatus.CONFIRMED and reward.decided_at == now:
            confirmed.append(reward.pk)
    _available_tell(confirmed, now=now)
    waiting = Reward.objects.due(now=now).exclude(decidable).count()
    return {
        "CONFIRMED": counts[RewardStatus.CONFIRMED],
        "REVERSED": counts[RewardStatus.REVERSED],
        "WAITING": counts[RewardStatus.PENDING] + waiting,
    }


TIKTOK_ACTIONS = (ActionType.TIKTOK_LOGIN, ActionType.SHARE_VIDEO)


def _confirmation_blocker(reward: Reward, action: SocialAction) -> str:
    """Why the reward can't be confirmed, in words; empty when its conditions still hold."""
    if Ban.objects.filter(user_id=reward.user_id).exists():
        return REWARD_REASON_BANNED
    tracked = action.tracked_post
    if tracked is not None and tracked.status == TrackedPost.Status.GONE:
        return REWARD_REASON_POST_GONE
    if action.action_type in TIKTOK_ACTIONS:
        profile = TikTokProfile.objects.filter(user_id=reward.user_id).first()
        if profile is not None and profile.disconnected_at is not None:
            return REWARD_REASON_TIKTOK_DISCONNECTED
    return ""


def _waits_for_evidence(reward: Reward, action: SocialAction) -> bool:
    """A shared post must have been seen on TikTok after the hold ended before its money is released."""
    tracked = action.tracked_post
    if tracked is None:
        return False
    return tracked.last_synced_at is None or tracked.last_synced_at < reward.available_at


def _reverse(
    reward: Reward,
    action: SocialAction,
    *,
    reason: str,
    actor: User | None,
    now: datetime,
    locked: _Locked | None = None,
) -> list[Reward]:
    """Give the money back to the merchant (margin included) and release the caps; returns the
    rewards reversed (an action reward's engagement rewards go with it).

    The action and the reward are locked (``_lock_reward``); this takes the rest of the
    engine's locks in its order before the first posting: an action reward's engagement
    rewards still to be released (they go back with it), the tally, the rules, the campaign.
    ``locked``: those, already taken by the reversal of the action reward this one goes with.
    """
    if reward.status not in (RewardStatus.PENDING, RewardStatus.HELD):
        raise RewardError(
            gettext("Only pending or held rewards can be reversed. This one's status: %(status)s.")
            % {"status": reward.get_status_display()}
        )
    engagements: list[Reward] = []
    if locked is None:
        if reward.kind == RewardKind.ACTION:
            engagements = list(
                Reward.objects.select_for_update()
                .filter(
                    action_id=action.pk,
                    kind=RewardKind.ENGAGEMENT,
                    status__in=[RewardStatus.PENDING, RewardStatus.HELD],
                )
                .order_by("pk")
            )
        locked = _lock(
            tallies=[(reward.user_id, reward.campaign_id)],
            rule_ids=[reward.rule_id, *(e.rule_id for e in engagements)],
            campaign_ids=[reward.campaign_id],
        )
    campaign = locked.campaigns[reward.campaign_id]
    tally = locked.tallies[(reward.user_id, reward.campaign_id)]
    _figures_move(reward, to=RewardStatus.REVERSED)
    price = reward.price_money
    funds = _merchant_funds(campaign.merchant, reward.currency)
    margin = Money(reward.margin, reward.currency)
    if reward.status == RewardStatus.HELD:
        entries = [(_held(reward.currency), -price), (funds, price)]
    elif reward.advanced_at is not None:
        # JoyFast: the person's share was made available early. The merchant is refunded in full at
        # once: the margin from TikJoy's pending revenue, the share by TikJoy on the person's behalf,
        # which the person now owes (a ledger debt, repaid from their available balance and next rewards).
        entries = [(_revenue_pending(campaign.merchant, reward.currency), -margin), (funds, margin)]
    else:
        entries = [
            (_user_pending(reward.user, reward.currency), -reward.user_money),
            (_revenue_pending(campaign.merchant, reward.currency), -margin),
            (funds, price),
        ]
    if any(amount.amount for _, amount in entries):
        post(
            entries=entries,
            kind=REVERSAL_KIND,
            reason=f"{_describe(action, reward.kind)}: reversed ({reason})",
            idempotency_key=f"reward:{reward.pk}:reverse",
            actor=actor,
            subject=reward,
            now=now,
        )
    if reward.status == RewardStatus.PENDING and reward.advanced_at is not None:
        debt_incur(
            owner=reward.user,
            creditor=funds,
            amount=reward.user_money,
            kind=ADVANCE_DEBT_KIND,
            reason=f"{_describe(action, reward.kind)}: reversed after it was paid early ({reason}); "
            "TikJoy refunded the brand, you owe it back",
            idempotency_key=f"reward:{reward.pk}:reverse-debt",
            actor=actor,
            subject=reward,
            now=now,
        )
        _debt_repay_after_commit(reward.user_id, reward.currency)
    # The counters move back with the money, and never clamp: drift fails on their CHECKs.
    RewardRule.objects.filter(pk=reward.rule_id).update(
        rewards_paid=F("rewards_paid") - (1 if reward.kind == RewardKind.ACTION else 0),
        spent=F("spent") - reward.merchant_price,
    )
    Campaign.objects.filter(pk=campaign.pk).update(spent=F("spent") - reward.merchant_price)
    share_rule_ids = set(
        RewardRule.objects.filter(pk=reward.rule_id, action=ActionType.SHARE_VIDEO).values_list(
            "pk", flat=True
        )
    )
    _days_add([reward], sign=-1, share_rule_ids=share_rule_ids, merchants={campaign.pk: campaign.merchant})
    tally.total -= reward.merchant_price
    # Taken back from the day the grant counted on, if that is still the tally's day. Never below
    # zero: more than the day holds means the day was counted in another zone (the merchant's zone
    # changed and the recount _days_add queued has not run yet), and the recount sets it again.
    if tally.day_date == reward_day(reward, merchant=campaign.merchant):
        tally.day_total = max(tally.day_total - reward.merchant_price, Decimal("0.00"))
    tally.save(update_fields=["total", "day_total"])
    reward.status, reward.reason, reward.decided_at, reward.decided_by = (
        RewardStatus.REVERSED,
        reason,
        now,
        actor,
    )
    reward.save(update_fields=["status", "reason", "decided_at", "decided_by"])
    _reward_event(reward, action, EventType.REWARD_REVERSED, now=now)
    if reward.kind == RewardKind.ACTION:
        # The action itself is no longer rewarded: its post earns no further engagement, and
        # what it earned and was not yet released goes back too (locked above, before any posting).
        _set_action(action, ActionStatus.INELIGIBLE, Reason.REVERSED, {"reason": reason})
        for engagement in engagements:
            _reverse(engagement, action, reason=reason, actor=actor, now=now, locked=locked)
        if action.action_type in LOGIN_ACTIONS:
            # A sign-in identity kept for this reward (``sign_in_rewards_remember``) was not paid after
            # all: a new account signing in with it at this brand is paid like anyone. Last, in the
            # engine's lock order.
            RewardedSignIn.objects.filter(action_id=action.pk).delete()
    return [reward, *engagements]


def _reward_event(reward: Reward, action: SocialAction, event_type: str, *, now: datetime) -> None:
    """Tell the merchant's webhooks, in the transaction of the change (the outbox, docs/webhooks.md)."""
    events_record(
        events=[
            Event(reward.merchant_id, event_type, reward_payload(reward, action_type=action.action_type))
        ],
        now=now,
    )


def _joined_event(action: SocialAction, *, now: datetime, endpoints: dict[int, list] | None = None) -> None:
    touchpoint = action.touchpoint.public_key if action.touchpoint_id else None
    data = consumer_joined_payload(
        merchant_id=action.merchant_id,
        user_id=action.user_id,
        channel=action.action_type,
        touchpoint=touchpoint,
        joined_at=action.occurred_at,
    )
    events_record(
        events=[Event(action.merchant_id, EventType.CONSUMER_JOINED, data)], now=now, endpoints=endpoints
    )


def reward_reverse(*, reward_id: int, reason: str, actor: User, now: datetime) -> Reward:
    """Ops reverse a pending or held reward: the merchant gets the money back."""
    if not reason.strip():
        raise RewardError(gettext("Say why the reward is reversed: both sides see the reason."))
    with transaction.atomic(durable=True):
        reward, action = _lock_reward(reward_id)
        _reverse(reward, action, reason=reason.strip(), actor=actor, now=now)
    return reward


@dataclass(frozen=True)
class RewardsReversed:
    """What ``rewards_reverse`` did: every reward reversed, engagement rewards that went with their
    share's reward included, and why each reward asked for was not (by id, in the reader's language)."""

    rewards: list[Reward]
    refused: dict[int, str]

    def refunded(self) -> list[Money]:
        """The money back with the merchants, one sum per currency."""
        sums: dict[str, Money] = {}
        for reward in self.rewards:
            sums[reward.currency] = sums.get(reward.currency, Money(0, reward.currency)) + reward.price_money
        return [sums[currency] for currency in sorted(sums)]


def rewards_reverse(*, reward_ids: Iterable[int], reason: str, actor: User, now: datetime) -> RewardsReversed:
    """Reverse several rewards, each in its own transaction. A share's reward takes its engagement
    rewards with it: they are counted once, and not refused afterwards for being reversed already."""
    if not reason.strip():
        raise RewardError(gettext("Say why the reward is reversed: both sides see the reason."))
    done: list[Reward] = []
    refused: dict[int, str] = {}
    for reward_id in sorted(set(reward_ids)):
        if any(r.pk == reward_id for r in done):
            continue
        try:
            with transaction.atomic(durable=True):
                reward, action = _lock_reward(reward_id)
                done += _reverse(reward, action, reason=reason.strip(), actor=actor, now=now)
        except RewardError as exc:
            refused[reward_id] = str(exc)
    return RewardsReversed(rewards=done, refused=refused)


def held_reward_approve(*, reward_id: int, actor: User, now: datetime) -> Reward:
    """Ops approve a held reward: it is credited to the user as pending, as if never held."""
    with transaction.atomic(durable=True):
        reward, action = _lock_reward(reward_id)
        if reward.status != RewardStatus.HELD:
            raise RewardError(not_held_text(reward))
        _figures_move(reward, to=RewardStatus.PENDING)
        post(
            entries=[
                (_held(reward.currency), -reward.price_money),
                (_user_pending(reward.user, reward.currency), reward.user_money),
                (_revenue_pending(action.merchant, reward.currency), Money(reward.margin, reward.currency)),
            ],
            kind=RELEASE_KIND,
            reason=f"{_describe(action, reward.kind)}: approved after review",
            idempotency_key=f"reward:{reward.pk}:approve",
            actor=actor,
            subject=reward,
            now=now,
        )
        reward.status, reward.reason, reward.decided_by = RewardStatus.PENDING, "", actor
        reward.save(update_fields=["status", "reason", "decided_by"])
        if action.status == ActionStatus.HELD:
            _set_action(action, ActionStatus.REWARDED, Reason.PAID, action.reason_params)
    return reward


def held_reward_reject(*, reward_id: int, reason: str, actor: User, now: datetime) -> Reward:
    """Ops reject a held reward: the merchant is refunded, in one transaction with the action's status."""
    reason = reason.strip() or REWARD_REASON_REJECTED
    with transaction.atomic(durable=True):
        reward, action = _lock_reward(reward_id)
        if reward.status != RewardStatus.HELD:
            raise RewardError(not_held_text(reward))
        _reverse(reward, action, reason=reason, actor=actor, now=now)
        if reward.kind != RewardKind.ACTION and action.status == ActionStatus.HELD:
            _set_action(action, ActionStatus.INELIGIBLE, Reason.REJECTED_AFTER_REVIEW)
    return reward


def user_ban(*, user: User, reason: str, actor: User, now: datetime) -> Ban:
    """Ban a person: every held or pending reward of theirs is reversed; they earn nothing more."""
    if not reason.strip():
        raise RewardError("Say why the person is banned.")
    with transaction.atomic(durable=True):
        ban, created = Ban.objects.get_or_create(
            user=user, defaults={"reason": reason.strip()[:300], "banned_by": actor, "banned_at": now}
        )
        if created:
            BanEvent.objects.create(
                user=user, kind=BanEventKind.BANNED, reason=ban.reason, actor=actor, created_at=now
            )
    # The ban is committed first (it already stops new rewards and confirmations); then each
    # reward is reversed in a transaction of its own, taking the engine's locks in its order.
    for reward_id in Reward.objects.filter(
        user=user, status__in=[RewardStatus.PENDING, RewardStatus.HELD]
    ).values_list("pk", flat=True):
        try:
            _ban_reverse(reward_id=reward_id, reason=banned_reason(reason), actor=actor, now=now)
        except Exception:  # one reward that can't be reversed must not leave the others paid
            logger.exception("reward %s of banned user %s could not be reversed", reward_id, user.pk)
    return ban


@retry_on_conflict
def _ban_reverse(*, reward_id: int, reason: str, actor: User, now: datetime) -> None:
    with transaction.atomic(durable=True):
        reward, action = _lock_reward(reward_id)
        if reward.status in (RewardStatus.PENDING, RewardStatus.HELD):
            _reverse(reward, action, reason=reason, actor=actor, now=now)


def rewards_reverse_for_person(*, user: User, reason: str, actor: User, now: datetime) -> int:
    """Reverse every pending or held reward of a person (their account is being deleted).

    Each reward goes back to its merchant through the engine's reversal, in a transaction
    of its own taking the engine's locks in order (as ``user_ban`` does); an error is
    raised, not swallowed: the caller must not erase a person whose rewards still hold money.
    Returns how many rewards were reversed.

    Rewards made available early (JoyFast) are reversed too, like every reward still in its
    hold: the merchant gets its whole price back, and the person's share, which TikJoy advanced,
    becomes a debt (``_reverse``) that the deletion repays from the available balance and writes
    off for the rest, before it erases anything (``privacy.services.account_delete``). Left
    pending, such a reward would be reversed at the end of its hold anyway (the erased person's
    posts are no longer followed) and leave the debt on an erased account.
    """
    if not reason.strip():
        raise RewardError("Say why the rewards are reversed: the merchants see the reason.")
    reversed_count = 0
    for reward_id in (
        Reward.objects.filter(user=user, status__in=[RewardStatus.PENDING, RewardStatus.HELD])
        .order_by("pk")
        .values_list("pk", flat=True)
    ):
        if _person_reverse(reward_id=reward_id, reason=reason.strip(), actor=actor, now=now):
            reversed_count += 1
    return reversed_count


@retry_on_conflict
def _person_reverse(*, reward_id: int, reason: str, actor: User, now: datetime) -> bool:
    with transaction.atomic(durable=True):
        reward, action = _lock_reward(reward_id)
        if reward.status not in (RewardStatus.PENDING, RewardStatus.HELD):
            return False  # settled or reversed (e.g. with its action) meanwhile
        _reverse(reward, action, reason=reason, actor=actor, now=now)
    return True


def person_actions_close(*, user: User) -> int:
    """The account deletion's first step in its last transaction (privacy's, after the person's row):
    lock the person's actions in the engine's order (actions first, by primary key), so a top-up
    paying one of them (``unfunded_actions_retry``) either committed before, and the deletion sees its
    reward, or waits for the deletion and finds it decided; and close those still waiting for money
    (UNFUNDED): a top-up within the retry window would otherwise pay a deleted account, the brand's
    money then held for nobody. Runs inside the caller's transaction; returns how many were closed."""
    locked = SocialAction.objects.filter(user=user).order_by("pk").select_for_update()
    closed = 0
    for action in locked:
        if action.status == ActionStatus.UNFUNDED:
            _set_action(action, ActionStatus.INELIGIBLE, Reason.ACCOUNT_DELETED)
            closed += 1
    return closed


def social_actions_erase(*, user: User) -> int:
    """Forget the device and network of a deleted person's actions (the actions stay: rewards point at them).

    Runs inside the caller's transaction; returns how many actions were changed.
    """
    return SocialAction.objects.filter(user=user).update(device_id="", ip_address=None, risk_signals=[])


def _sign_ins_key_share(*, user: User) -> None:
    """Lock ``user``'s sign-in actions against the engine deciding them (``FOR KEY SHARE``, by primary
    key: the first rows of the engine's order, which it locks ``FOR UPDATE``; the weakest row lock,
    shared by two disconnects and blocking no other write): a reversal holding one is waited for, so
    the rewards read next say how it ended; one coming later waits for this transaction, and then
    deletes the digest kept here. (A foreign key's own lock is taken at the commit only: Django's are
    deferred.) Elsewhere than PostgreSQL (SQLite, ``make run``: one writer at a time) there is nothing to
    lock against."""
    if connection.vendor != "postgresql":
        return
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT id FROM {SocialAction._meta.db_table} WHERE user_id = %s "  # noqa: S608 - the model's name
            "AND action_type = ANY(%s::varchar[]) ORDER BY id FOR KEY SHARE",
            [user.pk, sorted(LOGIN_ACTIONS)],
        )


_REWARDED_SIGN_INS_KEEP_SQL = (
    # One row per (brand, identity). Kept already for another sign-in (another account's, or the
    # deletion's: none), it now stands for both, so no single reversal may delete it: it records none
    # and stays until the retention. Atomic against a reversal deleting it meanwhile (then it is inserted).
    f"INSERT INTO {RewardedSignIn._meta.db_table} (merchant_id, digest, action_id, created_at) "  # noqa: S608
    "SELECT m, d, a, %s FROM unnest(%s::bigint[], %s::varchar[], %s::bigint[]) AS v(m, d, a) "
    "ON CONFLICT (merchant_id, digest) DO UPDATE SET action_id = NULL "
    f"WHERE {RewardedSignIn._meta.db_table}.action_id IS NOT NULL "
    f"AND {RewardedSignIn._meta.db_table}.action_id IS DISTINCT FROM EXCLUDED.action_id"
)


def sign_in_rewards_remember(
    *, user: User, now: datetime, leaving_tiktok_uids: Sequence[str] | None = None
) -> int:
    """Keep, for each brand that paid ``user`` its sign-in reward, the keyed digests of the sign-in
    identities that leave the account (``social.identity_digests``), so a new account signing in there
    with the same TikTok account or number is not paid it again (``_evaluate``, reason
    ``REWARDED_BEFORE``). The one rule for every way an identity leaves an account:

    - the account deletion (``leaving_tiktok_uids`` None): all of the person's identities (their TikTok
      account, also one they disconnected, and verified number), for the brands whose reward they kept
      (``CONFIRMED``): the deletion reverses a pending or held one, given back to the brand, which pays
      the identity again like anyone new;
    - a TikTok account leaving a living account (``leaving_tiktok_uids``: disconnected, or replaced on
      the TikTok profile by another; ``tikjoy.sign_in_identities``): those accounts, for the brands
      whose reward was not reversed (pending and held ones too: the reward stays with the account and
      is paid to it as the brand's rules say, so the identity has been paid), and for the brands whose
      sign-in still waits for money (UNFUNDED within the retry window: a top-up pays it to this
      account, ``unfunded_actions_retry``).

    At a disconnect, each row records the sign-in it stands for (``RewardedSignIn.action``; none at
    the deletion, which also unlinks the person's rows kept before): the reversal of that
    sign-in's reward (``_reverse``, every reversal's one path) deletes it, as it deletes the reward's
    money, since the brand never paid the identity after all; a reward that confirms keeps it until the
    retention. Against a reversal (or a top-up's payment) deciding meanwhile, the person's sign-in
    actions are key-share locked before their rewards are read (``_sign_ins_key_share``).

    Runs inside the caller's transaction (the change that takes the identity away); returns how many
    (brand, identity) pairs are kept (one kept already stays, with its own date; kept for another
    sign-in, or the deletion's, it stops recording one: it stands for both, and no single reversal
    deletes it, ``_REWARDED_SIGN_INS_KEEP_SQL``)."""
    leaving = leaving_tiktok_uids is not None
    if leaving and not any(leaving_tiktok_uids):
        return 0
    if not leaving:
        # The deletion keeps confirmed rewards only, never reversed: its rows stand for no sign-in, and
        # those kept at a disconnect stop saying whose sign-in they were, so a deleted person's rows at
        # two brands can't be linked to each other (docs/privacy.md).
        RewardedSignIn.objects.filter(action__user=user).update(action=None)
    else:
        _sign_ins_key_share(user=user)
    paid = Reward.objects.filter(user=user, action_type__in=LOGIN_ACTIONS, kind=RewardKind.ACTION)
    paid = (
        paid.exclude(status=RewardStatus.REVERSED) if leaving else paid.filter(status=RewardStatus.CONFIRMED)
    )
    action_at = dict(paid.order_by("-action_id").values_list("merchant_id", "action_id"))
    if leaving:
        waiting = _unfunded_retryable(now=now).filter(user=user, action_type__in=LOGIN_ACTIONS)
        for merchant_id, action_id in waiting.order_by("-pk").values_list("merchant_id", "pk"):
            action_at.setdefault(merchant_id, action_id)
    merchant_ids = sorted(action_at)
    if not merchant_ids:
        return 0
    pairs = (
        sign_in_digests_at(merchant_ids=merchant_ids, tiktok_uids=leaving_tiktok_uids)
        if leaving
        else person_deleted_sign_in_digests(user=user, merchant_ids=merchant_ids)
    )
    pairs = sorted(set(pairs))  # once each, in one order (rows kept already are locked in it)
    if not pairs:
        return 0
    merchants, digests = zip(*pairs, strict=True)
    actions = [action_at[m] if leaving else None for m in merchants]
    if connection.vendor != "postgresql":  # SQLite (``make run``, one writer at a time): the same rule
        for merchant_id, digest, action_id in zip(merchants, digests, actions, strict=True):
            kept, created = RewardedSignIn.objects.get_or_create(
                merchant_id=merchant_id, digest=digest, defaults={"action_id": action_id, "created_at": now}
            )
            if not created and kept.action_id is not None and kept.action_id != action_id:
                RewardedSignIn.objects.filter(pk=kept.pk).update(action=None)
        return len(pairs)
    with connection.cursor() as cursor:
        cursor.execute(_REWARDED_SIGN_INS_KEEP_SQL, [now, list(merchants), list(digests), actions])
    return len(pairs)


def rewarded_sign_ins_purge(*, before: datetime) -> int:
    """Retention: forget the sign-in identities kept before ``before`` (``REWARDED_SIGN_IN_RETENTION_DAYS``),
    by an account deletion or when a TikTok account left an account: a phone number given up is
    reassigned by the carrier, and its new holder is paid the brand's sign-in reward like anyone;
    returns how many rows went."""
    return RewardedSignIn.objects.filter(created_at__lt=before).delete()[0]


def social_actions_network_purge(*, before: datetime) -> int:
    """Retention: forget device ids and IP addresses of actions older than ``before``; returns how many."""
    return (
        SocialAction.objects.filter(occurred_at__lt=before)
        .filter(~Q(device_id="") | Q(ip_address__isnull=False))
        .update(device_id="", ip_address=None)
    )


def user_unban(*, user: User, reason: str, actor: User, now: datetime) -> BanEvent:
    """Lift a ban: the person earns again from now on.

    What the ban reversed stays reversed (that money went back to the brands); the
    lift is recorded in the ban's audit trail with its reason.
    """
    reason = reason.strip()
    if not reason:
        raise RewardError("Say why the ban is lifted.")
    with transaction.atomic(durable=True):
        ban = Ban.objects.select_for_update().filter(user=user).first()
        if ban is None:
            raise RewardError(f"{user} is not banned (the ban may have been lifted already).")
        ban.delete()
        return BanEvent.objects.create(
            user=user, kind=BanEventKind.LIFTED, reason=reason[:300], actor=actor, created_at=now
        )


def user_is_banned(user: User) -> bool:
    return Ban.objects.filter(user=user).exists()


# ---------------------------------------------------------------------------
# Joining a brand


def brand_join_complete(
    *,
    user: User,
    merchant: Merchant,
    touchpoint_key: str | None,
    device_id: str,
    ip_address: str | None,
    channel: str | None,
    now: datetime,
    tiktok_uids: Sequence[str] | None = None,
) -> str:
    """A signed-in consumer who consented joins ``merchant`` (the hook for the login reward); returns
    what to tell them about it, in their language ("" for nothing to say: paid, or said by the page).

    Called on every arrival at ``/b/<slug>/join/`` once the consent is in place,
    so what is plugged in here must be idempotent per user, merchant and channel.
    ``channel`` is how the person signs in (``social.selectors.login_channel_for``), which the
    page read already to tell an e-mail sign-in it earns nothing, and ``tiktok_uids`` the person's
    TikTok accounts it read with it (None: read by the engine when it needs them).
    """
    paid = False
    if channel is not None:  # e-mail and password only: nothing social to reward
        touchpoint = (
            Touchpoint.objects.filter(merchant=merchant, public_key=touchpoint_key).first()
            if touchpoint_key
            else None
        )
        action, new, _paid = _action_record(
            user=user,
            merchant=merchant,
            action_type=channel,
            touchpoint=touchpoint,
            device_id=device_id,
            ip_address=ip_address,
            now=now,
            tiktok_uids=tiktok_uids,
        )
        paid = new and action.status in (ActionStatus.REWARDED, ActionStatus.HELD)
        if new and action.reason == Reason.REWARDED_BEFORE:
            # Not paid because an account they deleted was: say so, or joining seems to have failed.
            return action_explain(action, reader=Reader.CONSUMER).text
    # Paid now: a live campaign paid it (no need to ask). Else the brand page promised to tell them
    # when its first campaign starts.
    if not paid and not Campaign.objects.live(now=now).filter(merchant=merchant).exists():
        LaunchWatch.objects.bulk_create(
            [LaunchWatch(user=user, merchant=merchant, created_at=now)], ignore_conflicts=True
        )
    return ""


def launch_watchers_notify(*, campaign_id: int, now: datetime) -> int:
    """Tell the people who joined the brand while it had no live campaign that one started, once each
    (a conditional UPDATE claims each watch, so two runs tell nobody twice). Returns how many."""
    campaign = Campaign.objects.select_related("merchant").get(pk=campaign_id)
    if campaign.status != CampaignStatus.ACTIVE:
        return 0
    merchant = campaign.merchant
    told = 0
    for watch_id, user_id in (
        LaunchWatch.objects.filter(merchant=merchant, notified_at__isnull=True)
        .order_by("pk")
        .values_list("pk", "user_id")
    ):
        if consent_active_get(user=User(pk=user_id), merchant=merchant) is None:
            continue  # they stopped sharing their data with the brand since: not told
        with transaction.atomic(durable=True):
            if not LaunchWatch.objects.filter(pk=watch_id, notified_at__isnull=True).update(notified_at=now):
                continue
            notice_queue(
                user_id=user_id,
                kind=NoticeKind.CAMPAIGN_LIVE,
                key=f"campaign-live:{merchant.pk}:{user_id}",
                params={
                    "brand": merchant.brand_name,
                    "campaign_id": campaign.pk,
                    "url": f"{settings.SITE_URL}/b/{merchant.slug}/",
                },
            )
            told += 1
    return told


# ---------------------------------------------------------------------------
# The posts' engagement per campaign and day (PostEngagementDay)


def post_engagement_days_add(*, gains: list[EngagementGain]) -> None:
    """Count what snapshots gained in the days of their posts' shares (``PostEngagementDay``: the
    share's campaign, or its merchant when it has none, on the snapshot's day in the merchant's time
    zone: ``merchants.days.merchant_day``, the zone read with the shares), in the transaction that
    wrote the snapshots (social's ``engagement_gained``, sent with the posts' rows locked) or
    recorded the share. Rows are written in (merchant, campaign, day) order;
    a post without a share counts nowhere (yet: its share counts it when recorded)."""
    if not gains:
        return
    shares: dict[int, list[tuple[int, int | None]]] = defaultdict(list)
    merchants: dict[int, Merchant] = {}
    for post_id, merchant_id, campaign_id, zone in SocialAction.objects.filter(
        action_type=ActionType.SHARE_VIDEO, tracked_post_id__in={g.post_id for g in gains}
    ).values_list("tracked_post_id", "merchant_id", "campaign_id", "merchant__time_zone"):
        shares[post_id].append((merchant_id, campaign_id))
        merchants.setdefault(merchant_id, Merchant(pk=merchant_id, time_zone=zone))
    sums: dict[tuple[int, int, date], list[int]] = defaultdict(lambda: [0, 0, 0, 0])
    for gain in gains:
        for merchant_id, campaign_id in shares.get(gain.post_id, ()):
            row = sums[(merchant_id, campaign_id or 0, merchant_day(merchants[merchant_id], gain.taken_at))]
            for n, value in enumerate((gain.views, gain.likes, gain.comments, gain.shares)):
                row[n] += value
    for (merchant_id, campaign_id, day), (views, likes, comments, shares_) in sorted(sums.items()):
        if not (views or likes or comments or shares_):
            continue
        figures = {
            "views": F("views") + views,
            "likes": F("likes") + likes,
            "comments": F("comments") + comments,
            "shares": F("shares") + shares_,
        }
        rows = PostEngagementDay.objects.filter(day_date=day)
        rows = (
            rows.filter(campaign_id=campaign_id)
            if campaign_id
            else rows.filter(merchant_id=merchant_id, campaign__isnull=True)
        )
        if rows.update(**figures):
            continue
        try:
            with transaction.atomic():
                PostEngagementDay.objects.create(
                    merchant_id=merchant_id,
                    campaign_id=campaign_id or None,
                    day_date=day,
                    views=views,
                    likes=likes,
                    comments=comments,
                    shares=shares_,
                )
        except IntegrityError:
            rows.update(**figures)


def _share_engagement_count(action: SocialAction) -> None:
    """A share just recorded (and decided: its campaign is known) counts what its post's snapshots
    taken before it gained. The post's row is locked first, so a snapshot written at the same time
    is counted either here or by its own transaction (which then sees the share), never twice."""
    if action.action_type != ActionType.SHARE_VIDEO or not action.tracked_post_id:
        return
    post_engagement_days_add(gains=engagement_gains_of_post(post_id=action.tracked_post_id))


# ---------------------------------------------------------------------------
# A merchant's days counted again (its time zone changed)


def merchant_days_rebuild(*, merchant_id: int) -> None:
    """Count the merchant's day rollups again in its time zone as it is now (``rewards.rollups``):
    its campaigns' days, its days of engagement and its people's days in its campaigns.

    Queued by ``merchants.services.merchant_update`` when the time zone changes, to run after that
    change commits: every payment whose statements start later reads the new zone. It takes the
    engine's locks in the engine's order (the merchant's shared posts, the tallies of its campaigns,
    its campaigns, each by primary key), so a payment or a snapshot of the merchant waits for it,
    and one that wrote before it is counted in what it reads (docs/rewards.md, "Days")."""
    with transaction.atomic(durable=True):
        shared = SocialAction.objects.filter(
            merchant_id=merchant_id, action_type=ActionType.SHARE_VIDEO, tracked_post__isnull=False
        ).values("tracked_post_id")
        list(TrackedPost.objects.select_for_update().filter(pk__in=shared).order_by("pk").values_list("pk"))
        list(
            UserCampaignTally.objects.select_for_update()
            .filter(campaign__merchant_id=merchant_id)
            .order_by("pk")
            .values_list("pk")
        )
        list(
            Campaign.objects.select_for_update()
            .filter(merchant_id=merchant_id)
            .order_by("pk")
            .values_list("pk")
        )
        days_rebuild(merchant_ids=[merchant_id])
