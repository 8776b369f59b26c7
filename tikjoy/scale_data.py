"""The data of ``manage.py bench_scale``: one merchant at a million rewards, built set-based in SQL.

The merchant, its owner, its campaigns and rules and its top-up go through the services (as a
merchant would make them); the volume (consumers, consents, posts, snapshots, actions, rewards, the
reward tallies and counters, and the ledger's transactions and entries for every reward) is written
with ``INSERT ... SELECT generate_series`` into the real tables, with ids reserved in advance so no
row is looked up again. The proportions are the issue's: for ``rewards`` N, N/5 consumers, 0.71 N
actions (a login each, 0.15 N shares each with its post, likes and comments), two snapshots a post
(0.30 N engagement rewards), a fifth of the consumers sharing their name with the brand, and one consumer
with N/100 rewards (a heavy user's wallet).

Every reward's ledger is what the engine posts (``rewards.services``): its credit (merchant funds to
the person's pending account and the platform's pending margin), then, once its hold is over, its
confirmation (95 %) or its reversal (5 %); rewards still in their hold are pending. Campaign and rule
``spent``, rule counts, per-person tallies, each person's figures per merchant and each campaign's days
are set from the rewards and actions, the posts' engagement figures (each snapshot's gain, each post's
latest counts, each campaign's days) from the snapshots, and account balances from the entries, so
``ledger_check`` and ``rewards_check`` hold afterwards (the command runs them).

The row-by-row triggers (each ledger entry re-summing its transaction at commit, and the foreign-key
checks) are switched off for the load (``session_replication_role = replica``, superuser only, this
transaction only; without superuser they stay on and the load is slower): the ledger's invariants are
checked over the whole ledger by ``ledger_check`` right after, and every id written is one reserved
from rows written in the same transaction.
"""

from __future__ import annotations

import time
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal

from django.conf import settings
from django.db import connection, transaction
from django.db.models import Count, Model
from moneyed import Money

from accounts.models import User
from accounts.services import user_ensure_with_email
from campaigns import services as campaign_services
from campaigns.models import ActionType, Campaign, RewardRule
from merchants import services as merchant_services
from merchants.models import Consent, Merchant
from merchants.wallet import merchant_top_up_confirm, merchant_top_up_record
from rewards.models import (
    FIGURE_COLUMNS,
    CampaignDay,
    MerchantConsumer,
    PersonRewardFigures,
    PostEngagementDay,
    Reward,
    SocialAction,
    UserCampaignTally,
)
from social.models import EngagementSnapshot, TrackedPost
from wallets.models import PLATFORM, Account, Entry, Purpose, Transaction
from wallets.services import account_for

CAMPAIGNS = 12
DAYS = 180  # actions spread over the last half year
HOLD_DAYS = 14
# merchant price, the person's share (the rest is the platform's margin)
PRICES = {
    ActionType.TIKTOK_LOGIN: ("0.50", "0.40"),
    ActionType.SHARE_VIDEO: ("1.00", "0.80"),
    ActionType.LIKE: ("0.10", "0.08"),
    ActionType.COMMENT: ("0.20", "0.16"),
}
ENGAGEMENT_PRICE = ("0.25", "0.20")


@dataclass
class ScaleData:
    merchant: Merchant
    owner: User
    heavy_user_id: int
    campaign_ids: list[int]
    rewards: int
    consumers: int
    actions: int
    snapshots: int
    posts: int
    seconds: dict[str, float]


def _max_id(model: type[Model]) -> int:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT COALESCE(MAX(id), 0) FROM {model._meta.db_table}")  # noqa: S608 - table name
        return cursor.fetchone()[0]


def _columns(model: type[Model], given: dict[str, str]) -> tuple[str, str, list]:
    """Column list and SELECT list for ``model``: ``given`` (column -> SQL expression), the other
    concrete columns from their field's default (so a column another app adds later still gets one)."""
    names, exprs, params = [], [], []
    for field in model._meta.concrete_fields:
        column = field.column
        names.append(column)
        if column in given:
            exprs.append(given[column])
            continue
        if field.primary_key:
            raise ValueError(f"{model.__name__}: the id is reserved, pass it")
        default = field.get_default()
        exprs.append("%s")
        params.append(field.get_db_prep_save(default, connection))
    return ", ".join(names), ", ".join(exprs), params


def _insert(model: type[Model], given: dict[str, str], source: str, params: list | None = None) -> int:
    """``INSERT INTO model (...) SELECT ... <source>``: returns the rows written."""
    names, exprs, defaults = _columns(model, given)
    sql = f"INSERT INTO {model._meta.db_table} ({names}) SELECT {exprs} {source}"
    # The defaults' placeholders come first in the SELECT list, then the source's.
    with connection.cursor() as cursor:
        cursor.execute(sql, [*defaults, *(params or [])])
        return cursor.rowcount


def _txn_time(txn: str) -> str:
    """The time of the ledger transaction ``txn`` (an SQL expression of its id), for an entry: the
    entry's BEFORE INSERT trigger would copy it, but the builders load with the row triggers off."""
    return f"(SELECT t.created_at FROM wallets_transaction t WHERE t.id = {txn})"  # noqa: S608 - built here


def _quote(text: str) -> str:
    """A text as an SQL string literal (for text the builder itself writes)."""
    return "'" + text.replace("'", "''").replace("%", "%%") + "'"


def zone(alias: str) -> str:
    """The time zone of the merchant row ``alias`` in SQL (its days: ``merchants.days.MerchantDay``)."""
    return f"COALESCE(NULLIF({alias}.time_zone, ''), {_quote(settings.TIME_ZONE)})"


def _sql(sql: str, params: list | None = None) -> int:
    with connection.cursor() as cursor:
        cursor.execute(sql, params or [])
        return cursor.rowcount


def _setval(*models: type[Model]) -> None:
    for model in models:
        table = model._meta.db_table
        _sql(
            f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT MAX(id) FROM {table}))"  # noqa: S608
        )


def _setup(run: str, now: datetime) -> tuple[Merchant, User, list[Campaign]]:
    """What a merchant does by hand: sign up, top up, create campaigns (through the services)."""
    ops, _ = user_ensure_with_email(
        email=f"scale-ops-{run}@bench.invalid", password=uuid.uuid4().hex, is_staff=True
    )
    ops2, _ = user_ensure_with_email(
        email=f"scale-ops2-{run}@bench.invalid", password=uuid.uuid4().hex, is_staff=True
    )
    owner, _ = user_ensure_with_email(email=f"scale-owner-{run}@bench.invalid", password=uuid.uuid4().hex)
    merchant = merchant_services.merchant_create(
        actor=owner,
        slug=f"scale-{run}",
        brand_name="Scale Brand",
        country="DE",
        legal_name="Scale GmbH",
        billing_address="Skalenstrasse 1, Berlin",
        contact_email=f"scale-{run}@bench.invalid",
    )
    record, _ = merchant_top_up_record(
        merchant=merchant,
        amount=Money(Decimal("9000000.00"), merchant.currency),
        bank_reference=f"SCALE-{run}",
        value_date=(now - timedelta(days=DAYS + 1)).date(),
        actor=ops,
        now=now - timedelta(days=DAYS + 1),
    )
    if record.ledger_transaction_id is None:
        merchant_top_up_confirm(record_id=record.pk, actor=ops2, now=now - timedelta(days=DAYS + 1))
    campaigns = []
    for n in range(CAMPAIGNS):
        rules = [
            {
                "action": action,
                "is_enabled": True,
                "amount": Decimal(price),
                "per_1000_views": Decimal("0.25") if action == ActionType.SHARE_VIDEO else Decimal("0"),
            }
            for action, (price, _) in PRICES.items()
        ]
        campaign = campaign_services.campaign_create(
            merchant=merchant,
            actor=owner,
            values={
                "name": f"Scale campaign {n + 1:02d} {['spring', 'summer', 'autumn', 'winter'][n % 4]}",
                "starts_at": now - timedelta(days=DAYS + 2),
                "hashtag": f"scale{n + 1}",
                "mention": "",
            },
            rules=rules,
        )
        campaigns.append(campaign_services.campaign_activate(campaign=campaign, actor=owner, now=now))
    return merchant, owner, campaigns


def build(*, rewards: int, now: datetime, log=print) -> ScaleData:
    run = uuid.uuid4().hex[:8]
    seconds: dict[str, float] = {}
    step_started = time.perf_counter()

    def step(name: str) -> None:
        nonlocal step_started
        seconds[name] = time.perf_counter() - step_started
        log(f"  {name}: {seconds[name]:.1f} s")
        step_started = time.perf_counter()

    merchant, owner, campaigns = _setup(run, now)
    sql_now = f"'{now.isoformat()}'::timestamptz"  # an SQL literal
    currency = merchant.currency
    step("merchant, campaigns, top-up (services)")

    consumers = max(rewards // 5, 10)
    posts = max(rewards * 15 // 100, 10)
    snapshots = 2 * posts
    likes = min(consumers, rewards * 18 // 100)
    comments = min(consumers, rewards * 18 // 100)
    heavy_posts = max(rewards // 300, 1)  # the heavy user's posts: a share and two engagement rewards each
    n_camp = len(campaigns)
    camp_ids = [c.pk for c in campaigns]
    # rule id of (campaign index, action)
    rules = {(c.pk, r.action): r.pk for c in campaigns for r in RewardRule.objects.filter(campaign=c)}

    u0, p0, s0, a0, r0 = (
        _max_id(User),
        _max_id(TrackedPost),
        _max_id(EngagementSnapshot),
        _max_id(SocialAction),
        _max_id(Reward),
    )
    with connection.cursor() as cursor:
        cursor.execute("SELECT rolsuper FROM pg_roles WHERE rolname = current_user")
        superuser = cursor.fetchone()[0]
    with transaction.atomic():
        if superuser:
            _sql("SET LOCAL session_replication_role = replica")
        _sql("CREATE TEMP TABLE scale_camp (n int PRIMARY KEY, campaign_id bigint) ON COMMIT DROP")
        _sql(
            "INSERT INTO scale_camp SELECT n - 1, id FROM unnest(%s::bigint[]) WITH ORDINALITY AS t(id, n)",
            [camp_ids],
        )
        _sql("CREATE TEMP TABLE scale_rule (campaign_id bigint, action text, rule_id bigint) ON COMMIT DROP")
        for (cid, action), rid in rules.items():
            _sql("INSERT INTO scale_rule VALUES (%s, %s, %s)", [cid, action, rid])

        # --- consumers, consents ------------------------------------------------------------
        _insert(
            User,
            {
                "id": f"{u0} + g",
                "password": "'!'",
                "display_name": "'Scale consumer ' || g",
                "date_joined": f"{sql_now} - interval '{DAYS + 5} days'",
            },
            f"FROM generate_series(1, {consumers}) AS g",
        )
        heavy = u0 + 1
        _insert(
            Consent,
            {
                "id": "nextval(pg_get_serial_sequence('accounts_consent', 'id'))",
                "user_id": f"{u0} + g",
                "merchant_id": str(merchant.pk),
                "shares_display_name": "true",
                "given_at": f"{sql_now} - interval '{DAYS} days'",
                "text": "'Scale Brand may see my name.'",
            },
            f"FROM generate_series(1, {consumers}, 5) AS g",  # a fifth of the consumers
        )
        step(f"{consumers:,} consumers, {(consumers + 4) // 5:,} consents")

        # --- posts and their snapshots --------------------------------------------------------
        # Post j belongs to the heavy user for j <= heavy_posts, else to consumer 1 + j % consumers.
        # Shared at share_at(j), spread over the half year by a fixed permutation of j.
        share_at = f"({sql_now} - interval '{DAYS} days' * ((g::bigint * 7919) %% {posts})::float / {posts})"
        post_user = f"(CASE WHEN g <= {heavy_posts} THEN {heavy} ELSE {u0} + 1 + g %% {consumers} END)"
        _insert(
            TrackedPost,
            {
                "id": f"{p0} + g",
                "video_id": f"'scale-{run}-' || g",
                "user_id": post_user,
                "caption": "'#scale'",
                "posted_at": share_at,
                "criterion_key": "'scale'",
                "discovered_at": share_at,
                "track_until": f"{share_at} + interval '{HOLD_DAYS + 2} days'",
                "last_synced_at": sql_now,
                # Its latest snapshot (the second, below): the counts social keeps with the post.
                "latest_views": "2 * (500 + g %% 1500)",
                "latest_likes": "2 * (g %% 40)",
                "latest_comments": "2 * (g %% 7)",
                "latest_shares": "g %% 3",
                "latest_at": f"LEAST({share_at} + interval '3 days', {sql_now})",
            },
            f"FROM generate_series(1, {posts}) AS g",
        )
        # Snapshot k: post 1 + (k-1) % posts, one and three days after the share (never after now).
        snap_post = f"(1 + (g - 1) %% {posts})"
        snap_round = f"((g - 1) / {posts})"
        snap_share = share_at.replace("g::bigint", f"{snap_post}::bigint")
        taken = f"LEAST({snap_share} + interval '1 day' * (1 + 2 * {snap_round}), {sql_now})"
        _insert(
            EngagementSnapshot,
            {
                "id": f"{s0} + g",
                "post_id": f"{p0} + {snap_post}",
                "views": f"(1 + {snap_round}) * (500 + {snap_post} %% 1500)",
                "likes": f"(1 + {snap_round}) * ({snap_post} %% 40)",
                "comments": f"(1 + {snap_round}) * ({snap_post} %% 7)",
                "shares": f"{snap_post} %% 3",
                "taken_at": taken,
                # What each adds over the post's previous snapshot (the first: all of its counts).
                "views_added": f"500 + {snap_post} %% 1500",
                "likes_added": f"{snap_post} %% 40",
                "comments_added": f"{snap_post} %% 7",
                "shares_added": f"(CASE WHEN {snap_round} = 0 THEN {snap_post} %% 3 ELSE 0 END)",
            },
            f"FROM generate_series(1, {snapshots}) AS g",
        )
        step(f"{posts:,} posts, {snapshots:,} snapshots")

        # --- actions: a login each, a share per post, likes, comments ---------------------------
        # Action ids: logins a0+1.., shares a0+consumers+j, likes, comments after them.
        def actions(kind: str, first: int, count: int, user: str, at: str, post: str = "NULL"):
            return _insert(
                SocialAction,
                {
                    "id": f"{first} + g",
                    "key": f"'scale:{run}:{kind}:' || g",
                    "user_id": user,
                    "merchant_id": str(merchant.pk),
                    "campaign_id": f"(SELECT campaign_id FROM scale_camp WHERE n = g %% {n_camp})",  # noqa: S608
                    "action_type": f"'{kind}'",
                    "status": "'REWARDED'",
                    "tracked_post_id": post,
                    "risk_signals": "'[]'::jsonb",
                    "occurred_at": at,
                    "created_at": at,
                },
                f"FROM generate_series(1, {count}) AS g",
            )

        spread = f"({sql_now} - interval '{DAYS} days' * ((g::bigint * {{m}}) %% {{n}})::float / {{n}})"
        login_at = spread.format(m=104729, n=consumers)
        actions(ActionType.TIKTOK_LOGIN, a0, consumers, f"{u0} + g", login_at)
        a_share = a0 + consumers
        actions(ActionType.SHARE_VIDEO, a_share, posts, post_user, share_at, post=f"{p0} + g")
        a_like = a_share + posts
        actions(ActionType.LIKE, a_like, likes, f"{u0} + g", spread.format(m=15485863, n=likes))
        a_comment = a_like + likes
        actions(ActionType.COMMENT, a_comment, comments, f"{u0} + g", spread.format(m=32452843, n=comments))
        n_actions = consumers + posts + likes + comments
        step(f"{n_actions:,} actions")

        # --- rewards: one per action, one per snapshot ----------------------------------------
        status = (
            f"(CASE WHEN {{at}} + interval '{HOLD_DAYS} days' > {sql_now} THEN 'PENDING' "
            "WHEN {id} %% 20 = 0 THEN 'REVERSED' ELSE 'CONFIRMED' END)"
        )
        price_case = " ".join(f"WHEN '{a}' THEN {p}" for a, (p, _) in PRICES.items())
        user_case = " ".join(f"WHEN '{a}' THEN {u}" for a, (_, u) in PRICES.items())
        reward_status = status.format(at="a.created_at", id="a.id")
        _insert(
            Reward,
            {
                "id": f"{r0} + (a.id - {a0})",
                "action_id": "a.id",
                "kind": "'ACTION'",
                "action_type": "a.action_type",
                "user_id": "a.user_id",
                "merchant_id": "a.merchant_id",
                "campaign_id": "a.campaign_id",
                "rule_id": "r.rule_id",
                "status": reward_status,
                "currency": f"'{currency}'",
                "merchant_price": f"(CASE a.action_type {price_case} END)",
                "user_amount": f"(CASE a.action_type {user_case} END)",
                "margin": f"(CASE a.action_type {price_case} END) - (CASE a.action_type {user_case} END)",
                "calculation": "jsonb_build_object('rule', r.rule_id, 'amount', "
                f"(CASE a.action_type {price_case} END)::text)",
                "available_at": f"a.created_at + interval '{HOLD_DAYS} days'",
                "reason": f"(CASE WHEN {reward_status} = 'REVERSED' THEN 'The post was deleted before the hold "
                "period ended.' ELSE '' END)",
                "created_at": "a.created_at",
                "decided_at": f"(CASE WHEN {reward_status} = 'PENDING' THEN NULL "
                f"ELSE a.created_at + interval '{HOLD_DAYS} days' END)",
            },
            "FROM rewards_socialaction a JOIN scale_rule r ON r.campaign_id = a.campaign_id "
            f"AND r.action = a.action_type WHERE a.id > {a0} ORDER BY a.id",
        )
        r_engagement = r0 + n_actions
        price, user_amount = ENGAGEMENT_PRICE
        engagement_status = status.format(at="s.taken_at", id="s.id")
        _insert(
            Reward,
            {
                "id": f"{r_engagement} + (s.id - {s0})",
                "action_id": f"{a_share} + (s.post_id - {p0})",
                "kind": "'ENGAGEMENT'",
                "action_type": "'SHARE_VIDEO'",
                "snapshot_id": "s.id",
                "user_id": "p.user_id",
                "merchant_id": str(merchant.pk),
                "campaign_id": "a.campaign_id",
                "rule_id": "r.rule_id",
                "status": engagement_status,
                "currency": f"'{currency}'",
                "merchant_price": price,
                "user_amount": user_amount,
                "margin": str(Decimal(price) - Decimal(user_amount)),
                "calculation": "jsonb_build_object('rule', r.rule_id, 'counts', jsonb_build_object('views', "
                "s.views, 'likes', s.likes, 'comments', s.comments, 'shares', s.shares))",
                "available_at": f"s.taken_at + interval '{HOLD_DAYS} days'",
                "reason": f"(CASE WHEN {engagement_status} = 'REVERSED' THEN 'The post was deleted before "
                "the hold period ended.' ELSE '' END)",
                "created_at": "s.taken_at",
                "decided_at": f"(CASE WHEN {engagement_status} = 'PENDING' THEN NULL "
                f"ELSE s.taken_at + interval '{HOLD_DAYS} days' END)",
            },
            "FROM social_engagementsnapshot s JOIN social_trackedpost p ON p.id = s.post_id "
            f"JOIN rewards_socialaction a ON a.id = {a_share} + (s.post_id - {p0}) "
            "JOIN scale_rule r ON r.campaign_id = a.campaign_id AND r.action = 'SHARE_VIDEO' "
            f"WHERE s.id > {s0} ORDER BY s.id",
        )
        n_rewards = n_actions + snapshots
        step(f"{n_rewards:,} rewards")

        # --- the engine's counters: campaign spent, rule counts, per-person tallies -------------
        counted = f"FROM rewards_reward WHERE id > {r0} AND status <> 'REVERSED'"
        _sql(
            "UPDATE campaigns_campaign c SET spent = c.spent + t.total FROM "  # noqa: S608 - built here
            f"(SELECT campaign_id, SUM(merchant_price) AS total {counted} GROUP BY campaign_id) t "
            "WHERE c.id = t.campaign_id"
        )
        _sql(
            "UPDATE campaigns_rewardrule r SET rewards_paid = r.rewards_paid + t.n, spent = r.spent + t.total "  # noqa: S608
            f"FROM (SELECT rule_id, COUNT(*) FILTER (WHERE kind = 'ACTION') AS n, SUM(merchant_price) AS total "
            f"{counted} GROUP BY rule_id) t WHERE r.id = t.rule_id"
        )
        _insert(
            MerchantConsumer,
            {
                "id": "nextval(pg_get_serial_sequence('rewards_merchantconsumer', 'id'))",
                "merchant_id": "merchant_id",
                "user_id": "user_id",
                "actions": "COUNT(*)",
                "first_at": "MIN(occurred_at)",
                "last_at": "MAX(occurred_at)",
                "joined_at": "MIN(created_at)",
            },
            f"FROM rewards_socialaction WHERE id > {a0} GROUP BY merchant_id, user_id",
        )
        _insert(
            UserCampaignTally,
            {
                "id": "nextval(pg_get_serial_sequence('rewards_usercampaigntally', 'id'))",
                "user_id": "user_id",
                "campaign_id": "campaign_id",
                "total": "SUM(merchant_price)",
            },
            f"{counted} GROUP BY user_id, campaign_id",
        )
        _insert(
            CampaignDay,
            {
                "id": "nextval(pg_get_serial_sequence('rewards_campaignday', 'id'))",
                "campaign_id": "w.campaign_id",
                "day_date": f"(w.created_at AT TIME ZONE {zone('m')})::date",  # the merchant's day
                "rewards": "COUNT(*)",
                "rewards_paid": "SUM(w.merchant_price)",
                "share_cost": "COALESCE(SUM(w.merchant_price) FILTER (WHERE r.action = 'SHARE_VIDEO'), 0)",
            },
            "FROM rewards_reward w JOIN scale_rule r ON r.rule_id = w.rule_id "
            f"JOIN merchants_merchant m ON m.id = w.merchant_id WHERE w.id > {r0} "
            "AND w.status <> 'REVERSED' GROUP BY 2, 3",
        )
        figures = {
            "id": "nextval(pg_get_serial_sequence('rewards_personrewardfigures', 'id'))",
            "user_id": "user_id",
            "currency": "currency",
        }
        for status, column in FIGURE_COLUMNS.items():
            figures[column] = f"COUNT(*) FILTER (WHERE status = '{status}')"
            figures[f"{column}_amount"] = f"COALESCE(SUM(user_amount) FILTER (WHERE status = '{status}'), 0)"
        _insert(
            PersonRewardFigures,
            figures,
            f"FROM rewards_reward WHERE id > {r0} GROUP BY user_id, currency",
        )
        _insert(
            PostEngagementDay,
            {
                "id": "nextval(pg_get_serial_sequence('rewards_postengagementday', 'id'))",
                "merchant_id": "a.merchant_id",
                "campaign_id": "a.campaign_id",
                "day_date": f"(s.taken_at AT TIME ZONE {zone('m')})::date",  # the merchant's day
                "views": "SUM(s.views_added)",
                "likes": "SUM(s.likes_added)",
                "comments": "SUM(s.comments_added)",
                "shares": "SUM(s.shares_added)",
            },
            "FROM social_engagementsnapshot s JOIN rewards_socialaction a ON a.tracked_post_id = s.post_id "
            "AND a.action_type = 'SHARE_VIDEO' JOIN merchants_merchant m ON m.id = a.merchant_id "
            f"WHERE s.id > {s0} GROUP BY 2, 3, 4",
        )
        step("campaign, rule, tally, consumer, day, person and engagement figures")

        # --- the ledger ---------------------------------------------------------------------
        funds = account_for(owner=merchant, purpose=Purpose.MERCHANT_AVAILABLE, currency=currency)
        revenue_pending = account_for(
            owner=PLATFORM, purpose=Purpose.PLATFORM_REVENUE_PENDING, currency=currency, partition=merchant
        )
        revenue = account_for(
            owner=PLATFORM, purpose=Purpose.PLATFORM_REVENUE, currency=currency, partition=merchant
        )
        acc0 = _max_id(Account)
        # Person u (u0 + g) has pending account acc0 + 2g - 1 and available account acc0 + 2g.
        for purpose, offset in ((Purpose.USER_PENDING, 1), (Purpose.USER_AVAILABLE, 0)):
            _insert(
                Account,
                {
                    "id": f"{acc0} + 2 * g - {offset}",
                    "owner_type": "'accounts.user'",
                    "owner_id": f"{u0} + g",
                    "purpose": f"'{purpose}'",
                    "currency": f"'{currency}'",
                    "created_at": sql_now,
                },
                f"FROM generate_series(1, {consumers}) AS g",
            )
        pending_of = f"({acc0} + 2 * (w.user_id - {u0}) - 1)"
        available_of = f"({acc0} + 2 * (w.user_id - {u0}))"
        t0 = _max_id(Transaction)
        # Reward r's credit is transaction t0 + (r - r0), its confirmation or reversal t0 + n + (r - r0).
        label = " ".join(
            f"WHEN '{a.value}' THEN {_quote(f'{merchant.brand_name}: {a.label}')}" for a in PRICES
        )
        describe = (
            f"(CASE WHEN w.kind = 'ENGAGEMENT' THEN {_quote(f'{merchant.brand_name}: engagement on your shared post')} "
            f"ELSE (CASE a.action_type {label} END) END)"
        )
        source = f"FROM rewards_reward w JOIN rewards_socialaction a ON a.id = w.action_id WHERE w.id > {r0}"
        common = {
            "subject_type": "'rewards.reward'",
            "subject_id": "w.id::text",
            "fingerprint": "''",
        }
        _insert(
            Transaction,
            {
                **common,
                "id": f"{t0} + (w.id - {r0})",
                "kind": "'REWARD'",
                "reason": describe,
                "idempotency_key": "'reward:' || w.id || ':credit'",
                "created_at": "w.created_at",
            },
            source,
        )
        _insert(
            Transaction,
            {
                **common,
                "id": f"{t0} + {n_rewards} + (w.id - {r0})",
                "kind": "(CASE w.status WHEN 'CONFIRMED' THEN 'REWARD_CONFIRM' ELSE 'REWARD_REVERSAL' END)",
                "reason": f"{describe} || (CASE w.status WHEN 'CONFIRMED' THEN ': available after the hold period' "
                "ELSE ': reversed (' || w.reason || ')' END)",
                "idempotency_key": "'reward:' || w.id || (CASE w.status WHEN 'CONFIRMED' THEN ':confirm' "
                "ELSE ':reverse' END)",
                "created_at": "w.decided_at",
            },
            source + " AND w.status IN ('CONFIRMED', 'REVERSED')",
        )
        step("ledger accounts and transactions")
        credit = f"{t0} + (w.id - {r0})"
        decision = f"{t0} + {n_rewards} + (w.id - {r0})"
        # Each entry carries its transaction's time (as wallets_post copies it; the trigger that
        # would copy it is off for the load): the credit's is the reward's, the decision's its decision's.
        at = {credit: "w.created_at", decision: "w.decided_at"}
        legs = [
            # the credit: merchant funds -> person's pending + platform's pending margin
            (credit, str(funds.pk), "-w.merchant_price", ""),
            (credit, pending_of, "w.user_amount", ""),
            (credit, str(revenue_pending.pk), "w.margin", " AND w.margin <> 0"),
            # the confirmation: pending -> available, pending margin -> revenue
            (decision, pending_of, "-w.user_amount", " AND w.status = 'CONFIRMED'"),
            (decision, available_of, "w.user_amount", " AND w.status = 'CONFIRMED'"),
            (decision, str(revenue_pending.pk), "-w.margin", " AND w.status = 'CONFIRMED' AND w.margin <> 0"),
            (decision, str(revenue.pk), "w.margin", " AND w.status = 'CONFIRMED' AND w.margin <> 0"),
            # the reversal: the money goes back to the merchant
            (decision, pending_of, "-w.user_amount", " AND w.status = 'REVERSED'"),
            (decision, str(revenue_pending.pk), "-w.margin", " AND w.status = 'REVERSED' AND w.margin <> 0"),
            (decision, str(funds.pk), "w.merchant_price", " AND w.status = 'REVERSED'"),
        ]
        entries = 0
        for txn, account, amount, where in legs:
            entries += _insert(
                Entry,
                {
                    "id": "nextval(pg_get_serial_sequence('wallets_entry', 'id'))",
                    "transaction_id": txn,
                    "account_id": account,
                    "amount": amount,
                    "currency": f"'{currency}'",
                    "created_at": at[txn],
                },
                f"FROM rewards_reward w WHERE w.id > {r0} AND {amount} <> 0{where} ORDER BY w.id",
            )
        _sql(
            "UPDATE wallets_account c SET balance = c.balance + t.total FROM "  # noqa: S608 - built here
            f"(SELECT account_id, SUM(amount) AS total FROM wallets_entry WHERE transaction_id > {t0} "
            "GROUP BY account_id) t WHERE c.id = t.account_id"
        )
        step(f"{entries:,} ledger entries and balances")
        _setval(User, TrackedPost, EngagementSnapshot, SocialAction, Reward, Account, Transaction)
    # Fresh statistics and visibility maps, as autovacuum would leave them on a live database.
    with connection.cursor() as cursor:
        for model in (
            User,
            Consent,
            TrackedPost,
            EngagementSnapshot,
            SocialAction,
            Reward,
            UserCampaignTally,
            MerchantConsumer,
            CampaignDay,
            PostEngagementDay,
            Account,
            Transaction,
            Entry,
        ):
            cursor.execute(f"VACUUM ANALYZE {model._meta.db_table}")
    step("vacuum analyze")
    return ScaleData(
        merchant=merchant,
        owner=owner,
        heavy_user_id=heavy,
        campaign_ids=camp_ids,
        rewards=n_rewards,
        consumers=consumers,
        actions=n_actions,
        snapshots=snapshots,
        posts=posts,
        seconds=seconds,
    )


def existing(*, slug: str) -> ScaleData:
    """The merchant of an earlier ``build`` (to time its console again without building it again)."""
    merchant = Merchant.objects.get(slug=slug)
    owner = User.objects.get(email=f"scale-owner-{slug.removeprefix('scale-')}@bench.invalid")
    rewards = Reward.objects.filter(merchant=merchant)
    heavy = (
        rewards.values("user_id").annotate(n=Count("pk")).order_by("-n").values_list("user_id", flat=True)[0]
    )
    actions = SocialAction.objects.filter(merchant=merchant)
    return ScaleData(
        merchant=merchant,
        owner=owner,
        heavy_user_id=heavy,
        campaign_ids=list(
            Campaign.objects.filter(merchant=merchant).order_by("pk").values_list("pk", flat=True)
        ),
        rewards=rewards.count(),
        consumers=actions.values("user_id").distinct().count(),
        actions=actions.count(),
        snapshots=rewards.filter(kind="ENGAGEMENT").count(),
        posts=actions.filter(action_type=ActionType.SHARE_VIDEO).count(),
        seconds={},
    )
