"""Promote at its own scale for ``manage.py bench_scale --apps`` (issue #22): promotion orders with
their hourly delivery rows, the coins ledger, coupons and refunds.

Set-based like ``tikjoy.scale_data`` (``INSERT ... SELECT`` into the real tables, ids reserved in
advance, the row triggers off for the load), on the benchmark's merchant and its consumers:

- ``orders`` promotion orders over the last half year (a fifth placed by creators: consumers of the
  merchant with a TikTok post of their own, a tenth of those by the busiest creator; the rest by
  the merchant, of a library video), budgets of 1,000 to 10,500 coins over 1 to 15 days;
- each paid for just before it was placed: a coin purchase of its coins rounded up to the pack
  (the merchant from its prepaid wallet, a creator by card: its ``CardCheckout`` paid), with the
  ledger ``promote.services`` posts (money to the holder's coin funds, coins issued to its balance);
- every order in the state its age gives it: in review (the newest hours), active (delivering up
  to the last hour), settled (escrow to delivered, the unspent coins back to the holder, the money
  of the paid coins spent from the coin funds to revenue), rejected (2 %) or cancelled (2 %) with
  the whole budget released back;
- its delivery ticks, one per hour delivered (a million rows at 5,000 orders), 90 % of the budget
  spent evenly, with impressions and results as the simulated provider counts them, and the
  order's totals (consumed coins, impressions, results) from them;
- coupons: an ops coupon of 500 coins on every tenth creator order (consumed, applied, or back
  to available when the order was rejected), and merchant coupons given to its consumers
  (available, expired or withdrawn, their coins set aside and given back through the ledger).

``bench_scale`` runs ``ledger_check`` and ``rewards_check`` after.
"""

from __future__ import annotations

import time
import uuid
from dataclasses import dataclass
from datetime import datetime

from django.db import connection, transaction

from accounts.models import User
from accounts.services import user_ensure_with_email
from campaigns.models import Video
from merchants.models import Merchant
from promote.delivery import GOAL_FIELD, IMPRESSIONS_PER_100_COINS, RESULT_PER_MILLE, possible_results
from promote.models import (
    CardCheckout,
    CoinPurchase,
    CoinWallet,
    Coupon,
    DeliveryTick,
    PromoteOrder,
)
from tikjoy.scale_data import _insert, _max_id, _quote, _setval, _sql
from wallets.models import PLATFORM, Account, Entry, Purpose, Transaction
from wallets.money import COIN
from wallets.services import account_for

DAYS = 180
CURRENCY = "EUR"
COUPON_COINS = 500
GOALS = ("VIEWS", "WEBSITE_VISITS", "FOLLOWERS")


@dataclass
class PromoteData:
    orders: int
    ticks: int
    coupons: int
    purchases: int
    creator_user_id: int | None  # the busiest creator
    busiest_order_id: int | None  # the merchant's order with the most delivery rows
    creator_order_id: int | None
    seconds: dict[str, float]


def _post(
    *,
    t0: int,
    kind: str,
    reason: str,
    key: str,
    at: str,
    subject_type: str,
    subject: str,
    source: str,
    legs: list[tuple[str, str, str]],
    actor: str = "NULL",
) -> int:
    """One transaction per row of ``source`` (``... AS r`` with ``r.t`` its offset), and its legs
    (account, amount, currency); a leg of amount 0 is left out, as ``wallets.services.post`` does."""
    _insert(
        Transaction,
        {
            "id": f"{t0} + r.t",
            "kind": _quote(kind),
            "reason": reason,
            "actor_id": actor,
            "subject_type": _quote(subject_type),
            "subject_id": subject,
            "idempotency_key": key,
            "fingerprint": "''",
            "created_at": at,
        },
        f"{source} ORDER BY r.t",
    )
    entries = 0
    for account, amount, currency in legs:
        entries += _insert(
            Entry,
            {
                "id": "nextval(pg_get_serial_sequence('wallets_entry', 'id'))",
                "transaction_id": f"{t0} + r.t",
                "account_id": account,
                "amount": amount,
                "currency": _quote(currency),
                "created_at": at,  # the transaction's time, as wallets.services.post copies it
            },
            f"{source} AND ({amount}) <> 0 ORDER BY r.t"
            if " WHERE " in source
            else f"{source} WHERE ({amount}) <> 0 ORDER BY r.t",
        )
    return entries


def _possible_only(result: str, value: str) -> str:
    """SQL: ``value`` for the orders (all videos) whose goal can have ``result``, else 0."""
    goals = [goal for goal in GOALS if result in possible_results(kind="VIDEO", goal=goal)]
    if not goals:
        return "0"
    listed = ", ".join(_quote(goal) for goal in goals)
    return f"CASE WHEN o.goal IN ({listed}) THEN {value} ELSE 0 END"


def _holder_account(alias: str, purpose: str, currency: str) -> str:
    """Join the order's holder's (merchant or user) account ``purpose``."""
    return (
        f"JOIN wallets_account {alias} ON {alias}.owner_type = o.owner_type AND {alias}.owner_id = o.owner_id "
        f"AND {alias}.purpose = '{purpose}' AND {alias}.currency = '{currency}' AND {alias}.partition = ''"
    )


def build(*, merchant: Merchant, owner: User, now: datetime, orders: int, log=print) -> PromoteData:
    run = uuid.uuid4().hex[:8]
    seconds: dict[str, float] = {}
    started = time.perf_counter()

    def step(name: str) -> None:
        nonlocal started
        seconds[name] = time.perf_counter() - started
        log(f"  {name}: {seconds[name]:.1f} s")
        started = time.perf_counter()

    ops, _ = user_ensure_with_email(
        email=f"scale-promote-ops-{run}@bench.invalid", password=uuid.uuid4().hex, is_staff=True
    )
    video = Video.objects.filter(merchant=merchant).exclude(tiktok_url="").order_by("slot").first()
    if video is None:
        slot = (
            Video.objects.filter(merchant=merchant).order_by("-slot").values_list("slot", flat=True).first()
            or 0
        ) + 1
        video = Video.objects.create(
            merchant=merchant,
            slot=slot,
            title="Scale Brand autumn collection",
            tiktok_url="https://www.tiktok.com/@scalebrand/video/7300000000000000001",
        )
    accounts = {
        purpose: account_for(owner=PLATFORM, purpose=purpose, currency=COIN)
        for purpose in (Purpose.PROMOTE_COINS_ISSUED, Purpose.PROMOTE_COUPONS, Purpose.PROMOTE_DELIVERED)
    }
    bank = account_for(owner=PLATFORM, purpose=Purpose.PLATFORM_BANK, currency=CURRENCY)
    revenue = account_for(owner=PLATFORM, purpose=Purpose.PROMOTE_REVENUE, currency=CURRENCY)
    with connection.cursor() as cursor:
        cursor.execute("SELECT rolsuper FROM pg_roles WHERE rolname = current_user")
        superuser = cursor.fetchone()[0]
    sql_now = f"'{now.isoformat()}'::timestamptz"
    hour_now = f"date_trunc('hour', {sql_now})"
    with transaction.atomic():
        if superuser:
            _sql("SET LOCAL session_replication_role = replica")
        creators = max(orders // 50, 2)
        _sql(
            "CREATE TEMP TABLE pr_creator (c serial PRIMARY KEY, user_id bigint, post_id bigint) ON COMMIT DROP"
        )
        _sql(
            "INSERT INTO pr_creator (user_id, post_id) SELECT user_id, post_id FROM (SELECT DISTINCT ON "
            "(p.user_id) p.user_id, p.id AS post_id FROM social_trackedpost p JOIN rewards_merchantconsumer m "
            "ON m.user_id = p.user_id AND m.merchant_id = %s ORDER BY p.user_id, p.id) t ORDER BY user_id LIMIT %s",
            [merchant.pk, creators],
        )
        with connection.cursor() as cursor:
            cursor.execute("SELECT COUNT(*) FROM pr_creator")
            creators = cursor.fetchone()[0]
        w0, o0, p0, k0, c0 = (
            _max_id(CoinWallet), _max_id(PromoteOrder), _max_id(CoinPurchase), _max_id(CardCheckout), _max_id(Coupon)
        )  # fmt: skip
        start = f"{sql_now} - interval '{DAYS + 2} days'"
        # Wallet 0: the merchant's; wallet c: creator c's.
        _insert(
            CoinWallet,
            {"id": f"{w0} + 1", "user_id": "NULL", "merchant_id": str(merchant.pk), "currency": f"'{CURRENCY}'",
             "backed_coins": "0", "birth_date": "NULL", "created_at": start},
            "",
        )  # fmt: skip
        _insert(
            CoinWallet,
            {"id": f"{w0} + 1 + c.c", "user_id": "c.user_id", "merchant_id": "NULL", "currency": f"'{CURRENCY}'",
             "backed_coins": "0", "birth_date": "DATE '1990-01-01' + c.c", "created_at": start},
            "FROM pr_creator c ORDER BY c.c",
        )  # fmt: skip
        # The orders: n = 1..orders, placed in order over the half year (the newest last).
        creator = (
            f"(CASE WHEN g %% 5 <> 0 THEN NULL WHEN g %% 50 = 0 THEN 1 ELSE 1 + (g / 5) %% {creators} END)"
        )
        placed = f"({sql_now} - interval '{DAYS} days' * (1 - g::float / {orders + 1}))"
        _sql(
            "CREATE TEMP TABLE pr_order ON COMMIT DROP AS SELECT g AS n, "  # noqa: S608
            f"{creator} AS c, {placed} AS placed, 1000 + (g %% 20) * 500 AS budget, 1 + (g * 7) %% 15 AS days, "
            f"(CASE WHEN g %% 5 = 0 AND g %% 50 = 25 THEN {COUPON_COINS} ELSE 0 END) AS coupon, "
            f"(ARRAY{list(GOALS)!r})[1 + g %% {len(GOALS)}] AS goal "
            f"FROM generate_series(1, {orders}) AS g"
        )
        _sql(
            "ALTER TABLE pr_order ADD COLUMN wallet bigint, ADD COLUMN owner_type text, ADD COLUMN owner_id bigint, "
            "ADD COLUMN post_id bigint, ADD COLUMN status text, ADD COLUMN starts timestamptz, "
            "ADD COLUMN ends timestamptz, ADD COLUMN hours int, ADD COLUMN per_hour bigint, "
            "ADD COLUMN consumed bigint DEFAULT 0, ADD COLUMN refunded bigint DEFAULT 0, "
            "ADD COLUMN forfeited bigint DEFAULT 0, ADD COLUMN paid_consumed bigint DEFAULT 0, "
            "ADD COLUMN purchase_coins bigint"
        )
        _sql(
            "UPDATE pr_order o SET wallet = " + f"{w0} + 1 + COALESCE(o.c, 0), "  # noqa: S608
            "owner_type = CASE WHEN o.c IS NULL THEN 'merchants.merchant' ELSE 'accounts.user' END, "
            f"owner_id = COALESCE(cr.user_id, {merchant.pk}), post_id = cr.post_id, "
            "purchase_coins = ((o.budget - o.coupon + 99) / 100) * 100, "
            "status = CASE WHEN o.n %% 50 = 17 THEN 'REJECTED' WHEN o.n %% 50 = 29 THEN 'CANCELLED' "
            f"WHEN o.placed > {sql_now} - interval '6 hours' THEN 'IN_REVIEW' "
            f"WHEN date_trunc('hour', o.placed + interval '3 hours') + o.days * interval '1 day' <= {hour_now} "
            "THEN 'SETTLED' ELSE 'ACTIVE' END "
            "FROM pr_order o2 LEFT JOIN pr_creator cr ON cr.c = o2.c WHERE o2.n = o.n"
        )
        _sql(
            "UPDATE pr_order SET starts = date_trunc('hour', placed + interval '3 hours'), "
            "ends = date_trunc('hour', placed + interval '3 hours') + days * interval '1 day', "
            "per_hour = budget * 9 / 10 / (days * 24) WHERE status IN ('ACTIVE', 'SETTLED')"
        )
        _sql(
            f"UPDATE pr_order SET hours = (EXTRACT(EPOCH FROM LEAST(ends, {hour_now}) - starts) / 3600)::int "  # noqa: S608
            "WHERE status IN ('ACTIVE', 'SETTLED')"
        )
        _sql("UPDATE pr_order SET consumed = per_hour * hours WHERE status IN ('ACTIVE', 'SETTLED')")
        _sql(
            "UPDATE pr_order SET forfeited = GREATEST(0, coupon - consumed), "
            "refunded = budget - consumed - GREATEST(0, coupon - consumed), "
            "paid_consumed = consumed - LEAST(consumed, coupon) WHERE status = 'SETTLED'"
        )
        n_orders = orders
        # Coupons: the ops coupon of each creator order that has one, then the merchant's coupons.
        _sql("ALTER TABLE pr_order ADD COLUMN coupon_id bigint")
        _sql(f"UPDATE pr_order SET coupon_id = {c0} + n WHERE coupon > 0")  # noqa: S608
        _insert(
            Coupon,
            {
                "id": "o.coupon_id",
                "code": f"'OPS-{run}-' || o.n",
                "coins": str(COUPON_COINS),
                "valid_from": "o.placed - interval '10 days'",
                "valid_until": "o.placed + interval '20 days'",
                "kind": "''",
                "user_id": "cr.user_id",
                "issued_by_merchant_id": "NULL",
                "issued_by_id": str(ops.pk),
                "status": "CASE o.status WHEN 'IN_REVIEW' THEN 'APPLIED' WHEN 'REJECTED' THEN 'AVAILABLE' "
                "WHEN 'CANCELLED' THEN 'AVAILABLE' ELSE 'CONSUMED' END",
                "created_at": "o.placed - interval '10 days'",
            },
            "FROM pr_order o JOIN pr_creator cr ON cr.c = o.c WHERE o.coupon_id IS NOT NULL ORDER BY o.n",
        )
        given = max(orders // 10, 1)
        _sql(
            "CREATE TEMP TABLE pr_gift ON COMMIT DROP AS SELECT ROW_NUMBER() OVER (ORDER BY user_id) AS g, user_id "
            "FROM (SELECT DISTINCT user_id FROM accounts_consent WHERE merchant_id = %s AND withdrawn_at IS NULL "
            "ORDER BY user_id LIMIT %s) t",
            [merchant.pk, given],
        )
        gift_at = f"({sql_now} - interval '{DAYS} days' * (1 - g.g::float / {given + 1}))"
        gift_status = (
            f"(CASE WHEN g.g %% 10 = 3 THEN 'REVOKED' WHEN {gift_at} + interval '30 days' <= {sql_now} "
            "THEN 'EXPIRED' ELSE 'AVAILABLE' END)"
        )
        gifts = _insert(
            Coupon,
            {
                "id": f"{c0} + {orders} + g.g",
                "code": f"'GIFT-{run}-' || g.g",
                "coins": "200 + (g.g %% 4) * 100",
                "valid_from": gift_at,
                "valid_until": f"{gift_at} + interval '30 days'",
                "kind": "''",
                "user_id": "g.user_id",
                "issued_by_merchant_id": str(merchant.pk),
                "issued_by_id": str(owner.pk),
                "status": gift_status,
                "created_at": gift_at,
            },
            "FROM pr_gift g ORDER BY g.g",
        )
        # Purchases: one before each order (t = n), and the merchant's for its coupons (t = 0).
        gift_coins = 0
        with connection.cursor() as cursor:
            cursor.execute("SELECT COALESCE(SUM(200 + (g % 4) * 100), 0) FROM pr_gift")
            gift_coins = int(cursor.fetchone()[0])
        gift_pack = (gift_coins + 99) // 100 * 100
        _sql(
            "CREATE TEMP TABLE pr_buy ON COMMIT DROP AS SELECT n AS t, wallet, owner_type, owner_id, c, "
            "purchase_coins AS coins, placed - interval '1 hour' AS at FROM pr_order"
        )
        if gift_pack:
            _sql(
                "INSERT INTO pr_buy VALUES (0, %s, 'merchants.merchant', %s, NULL, %s, "  # noqa: S608
                f"{start} + interval '1 hour')",
                [w0 + 1, merchant.pk, gift_pack],
            )
        amount = "(r.coins * 99 / 100) / 100.0"  # 100 coins = 0.99
        purchases = _insert(
            CoinPurchase,
            {
                "id": f"{p0} + 1 + r.t",
                "wallet_id": "r.wallet",
                "coins": "r.coins",
                "amount": amount,
                "currency": f"'{CURRENCY}'",
                "source": "CASE WHEN r.c IS NULL THEN 'WALLET' ELSE 'CARD' END",
                "actor_id": f"COALESCE(CASE WHEN r.c IS NULL THEN NULL ELSE r.owner_id END, {owner.pk})",
                "created_at": "r.at",
            },
            "FROM pr_buy r ORDER BY r.t",
        )
        _insert(
            CardCheckout,
            {
                "id": f"{k0} + r.t",
                "wallet_id": "r.wallet",
                "coins": "r.coins",
                "amount": amount,
                "currency": f"'{CURRENCY}'",
                "session_id": f"'cs_scale_{run}_' || r.t",
                "status": "'PAID'",
                "purchase_id": f"{p0} + 1 + r.t",
                "actor_id": "r.owner_id",
                "created_at": "r.at - interval '2 minutes'",
                "paid_at": "r.at",
            },
            "FROM pr_buy r WHERE r.c IS NOT NULL ORDER BY r.t",
        )
        # The coin accounts of the holders, then each order's escrow and each merchant coupon's reserve.
        for purpose, currency in ((Purpose.PROMOTE_COINS, COIN), (Purpose.PROMOTE_COIN_FUNDS, CURRENCY)):
            _sql(
                "INSERT INTO wallets_account (owner_type, owner_id, purpose, currency, partition, balance, "  # noqa: S608
                f"allow_negative, created_at) SELECT DISTINCT owner_type, owner_id, %s, %s, '', 0, false, {start} "
                "FROM pr_buy ON CONFLICT DO NOTHING",
                [purpose, currency],
            )
        _sql(
            "INSERT INTO wallets_account (owner_type, owner_id, purpose, currency, partition, balance, "  # noqa: S608
            f"allow_negative, created_at) SELECT %s, %s, %s, %s, 'promote.promoteorder:' || ({o0} + n), 0, false, "
            "placed FROM pr_order UNION ALL "
            f"SELECT %s, %s, %s, %s, 'promote.coupon:' || ({c0} + {orders} + g), 0, false, {start} FROM pr_gift "
            "ON CONFLICT DO NOTHING",
            [PLATFORM.owner_type, PLATFORM.pk, Purpose.PROMOTE_ESCROW, COIN] * 2,
        )
        escrow = (
            f"JOIN wallets_account x ON x.owner_type = '{PLATFORM.owner_type}' AND x.owner_id = {PLATFORM.pk} "
            f"AND x.purpose = '{Purpose.PROMOTE_ESCROW}' AND x.currency = '{COIN}' "
            f"AND x.partition = 'promote.promoteorder:' || ({o0} + o.n)"
        )
        reserve = (
            f"JOIN wallets_account x ON x.owner_type = '{PLATFORM.owner_type}' AND x.owner_id = {PLATFORM.pk} "
            f"AND x.purpose = '{Purpose.PROMOTE_ESCROW}' AND x.currency = '{COIN}' "
            f"AND x.partition = 'promote.coupon:' || ({c0} + {orders} + r.g)"
        )
        for table in ("pr_creator", "pr_order", "pr_gift", "pr_buy"):
            _sql(f"ANALYZE {table}")
        step("promote: wallets, orders, coupons, purchases")
        _insert(
            PromoteOrder,
            {
                "id": f"{o0} + o.n",
                "wallet_id": "o.wallet",
                "created_by_id": f"COALESCE(CASE WHEN o.c IS NULL THEN NULL ELSE o.owner_id END, {owner.pk})",
                "kind": "'VIDEO'",
                "goal": "o.goal",
                "tracked_post_id": "o.post_id",
                "video_id": f"CASE WHEN o.post_id IS NULL THEN {video.pk} END",
                "content_label": " ".join(
                    [
                        "CASE WHEN o.post_id IS NULL THEN",
                        _quote(video.title),
                        "ELSE 'TikTok video ' ||",
                        "(SELECT video_id FROM social_trackedpost WHERE id = o.post_id) END",
                    ]
                ),
                "commercial_music_declared": "true",
                "audience_automatic": "(o.n %% 3 <> 0)",
                "country": "CASE WHEN o.n %% 3 <> 0 THEN '' ELSE 'DE' END",
                "age_min": "18",
                "age_max": "CASE WHEN o.n %% 3 <> 0 THEN 65 ELSE 44 END",
                "budget_coins": "o.budget",
                "duration_days": "o.days",
                "coupon_id": "o.coupon_id",
                "coupon_coins": "o.coupon",
                "status": "o.status",
                "reject_reason": "CASE o.status WHEN 'REJECTED' THEN 'LOW_QUALITY' ELSE '' END",
                "submissions": "1",
                "consumed_coins": "o.consumed",
                "refunded_coins": "o.refunded",
                "forfeited_coupon_coins": "o.forfeited",
                "impressions": "0",
                "results": "0",
                "delivered_until": "CASE WHEN o.status IN ('ACTIVE', 'SETTLED') THEN o.starts + o.hours * interval '1 hour' END",
                "spark_auth_code": "''",
                "external_ids": "jsonb_build_object('campaign', 'scale-' || o.n)",
                "created_at": "o.placed",
                "reviewed_at": "CASE WHEN o.status IN ('ACTIVE', 'SETTLED', 'REJECTED') THEN o.placed + interval '2 hours' END",
                "starts_at": "o.starts",
                "ends_at": "o.ends",
                "completed_at": "CASE WHEN o.status = 'SETTLED' THEN o.ends END",
                "settled_at": "CASE WHEN o.status = 'SETTLED' THEN o.ends + interval '5 minutes' END",
            },
            "FROM pr_order o ORDER BY o.n",
        )
        quality = "(80 + (o.n + h) %% 41)"
        impressions = f"(o.per_hour * {IMPRESSIONS_PER_100_COINS} * {quality} / 10000)"
        ticks = _insert(
            DeliveryTick,
            {
                "id": "nextval(pg_get_serial_sequence('promote_deliverytick', 'id'))",
                "order_id": f"{o0} + o.n",
                "hour": "o.starts + h * interval '1 hour'",
                "spent_coins": "o.per_hour",
                "impressions": impressions,
                # Only the results a video order of its goal can have (promote.delivery.possible_results),
                # as the simulator records them: 0 for the others.
                **{
                    name: _possible_only(name, f"({impressions} * {per_mille} / 1000)")
                    for name, per_mille in RESULT_PER_MILLE.items()
                },
            },
            "FROM pr_order o CROSS JOIN LATERAL generate_series(0, o.hours - 1) AS h "
            "WHERE o.status IN ('ACTIVE', 'SETTLED') ORDER BY o.n, h",
        )
        result = "CASE o.goal " + " ".join(f"WHEN '{g}' THEN t.{GOAL_FIELD[g]}" for g in GOALS) + " END"
        _sql(
            f"UPDATE promote_promoteorder o SET impressions = t.impressions, results = {result} "  # noqa: S608
            "FROM (SELECT order_id, SUM(impressions) AS impressions, SUM(views) AS views, SUM(clicks) AS clicks, "
            f"SUM(follows) AS follows FROM promote_deliverytick WHERE order_id > {o0} GROUP BY order_id) t "
            "WHERE o.id = t.order_id"
        )
        step(f"promote: {ticks:,} delivery ticks")
        # The ledger, as promote.services posts it.
        t_first = t0 = _max_id(Transaction)
        issued, coupons_acc, delivered = (
            accounts[Purpose.PROMOTE_COINS_ISSUED], accounts[Purpose.PROMOTE_COUPONS], accounts[Purpose.PROMOTE_DELIVERED]
        )  # fmt: skip
        merchant_money = account_for(owner=merchant, purpose=Purpose.MERCHANT_AVAILABLE, currency=CURRENCY)
        buy_source = (
            "FROM pr_buy r "
            + _holder_account("hc", Purpose.PROMOTE_COINS, COIN).replace("o.", "r.")
            + " "
            + _holder_account("hf", Purpose.PROMOTE_COIN_FUNDS, CURRENCY).replace("o.", "r.")
        )
        entries = _post(
            t0=t0 + 1, kind="PROMOTE_COIN_PURCHASE", reason="r.coins || ' Promote coins bought for ' || "
            f"to_char({amount}, 'FM999999990.00') || ' {CURRENCY}'",
            key=f"'promote:purchase:' || ({p0} + 1 + r.t)", at="r.at", subject_type="promote.coinpurchase",
            subject=f"({p0} + 1 + r.t)::text", source=buy_source,
            legs=[
                (f"CASE WHEN r.c IS NULL THEN {merchant_money.pk} ELSE {bank.pk} END", f"-{amount}", CURRENCY),
                ("hf.id", amount, CURRENCY),
                (str(issued.pk), "-r.coins", COIN),
                ("hc.id", "r.coins", COIN),
            ],
        )  # fmt: skip
        t0 += orders + 2
        order_source = " ".join(
            [
                "FROM (SELECT o.*, o.n AS t FROM pr_order o) r",
                _holder_account("hc", Purpose.PROMOTE_COINS, COIN).replace("o.", "r."),
                _holder_account("hf", Purpose.PROMOTE_COIN_FUNDS, CURRENCY).replace("o.", "r."),
                escrow.replace("o.n", "r.n"),
            ]
        )
        entries += _post(
            t0=t0, kind="PROMOTE_ORDER_PLACE",
            reason=f"'Promotion #' || ({o0} + r.n) || ': budget of ' || r.budget || ' coins into escrow'",
            key=f"'promote:order:' || ({o0} + r.n) || ':place:1'", at="r.placed", subject_type="promote.promoteorder",
            subject=f"({o0} + r.n)::text", source=order_source + " WHERE TRUE",
            legs=[("x.id", "r.budget", COIN), ("hc.id", "-(r.budget - r.coupon)", COIN),
                  (str(coupons_acc.pk), "-r.coupon", COIN)],
        )  # fmt: skip
        t0 += orders
        entries += _post(
            t0=t0, kind="PROMOTE_ORDER_RELEASE",
            reason=f"'Promotion #' || ({o0} + r.n) || ' ' || lower(r.status) || ': budget returned'",
            key=f"'promote:order:' || ({o0} + r.n) || ':release:1'", at="r.placed + interval '2 hours'",
            subject_type="promote.promoteorder", subject=f"({o0} + r.n)::text",
            source=order_source + " WHERE r.status IN ('REJECTED', 'CANCELLED')",
            legs=[("x.id", "-r.budget", COIN), ("hc.id", "r.budget - r.coupon", COIN),
                  (str(coupons_acc.pk), "r.coupon", COIN)],
        )  # fmt: skip
        t0 += orders
        value = "(FLOOR(r.paid_consumed * 99 / 100) / 100.0)"  # round_down(spent x 0.0099)
        entries += _post(
            t0=t0, kind="PROMOTE_ORDER_SETTLE",
            reason=f"'Promotion #' || ({o0} + r.n) || ' ended: ' || r.consumed || ' coins spent, ' || r.refunded "
            "|| ' returned'",
            key=f"'promote:order:' || ({o0} + r.n) || ':settle'", at="r.ends + interval '5 minutes'",
            subject_type="promote.promoteorder", subject=f"({o0} + r.n)::text",
            source=order_source + " WHERE r.status = 'SETTLED'",
            legs=[("x.id", "-r.budget", COIN), (str(delivered.pk), "r.consumed", COIN), ("hc.id", "r.refunded", COIN),
                  (str(coupons_acc.pk), "r.forfeited", COIN), ("hf.id", f"-{value}", CURRENCY),
                  (str(revenue.pk), value, CURRENCY)],
        )  # fmt: skip
        t0 += orders
        gift_source = " ".join(
            [
                "FROM (SELECT g.g, g.g AS t, 200 + (g.g %% 4) * 100 AS coins,",
                f"{gift_at} AS at, {gift_status} AS status FROM pr_gift g) r",
                reserve,
                f"JOIN wallets_account hc ON hc.owner_type = 'merchants.merchant' AND hc.owner_id = {merchant.pk}",
                f"AND hc.purpose = '{Purpose.PROMOTE_COINS}' AND hc.currency = '{COIN}' AND hc.partition = ''",
            ]
        )
        entries += _post(
            t0=t0, kind="PROMOTE_COUPON_ISSUE",
            reason=f"'Coupon GIFT-{run}-' || r.g || ' of ' || r.coins || ' coins given to a consumer: coins set aside'",
            key=f"'promote:coupon:' || ({c0} + {orders} + r.g) || ':issue'", at="r.at", subject_type="promote.coupon",
            subject=f"({c0} + {orders} + r.g)::text", source=gift_source + " WHERE TRUE",
            legs=[("hc.id", "-r.coins", COIN), ("x.id", "r.coins", COIN)], actor=str(owner.pk),
        )  # fmt: skip
        t0 += given
        entries += _post(
            t0=t0, kind="PROMOTE_COUPON_RETURN",
            reason=f"'Coupon GIFT-{run}-' || r.g || (CASE r.status WHEN 'REVOKED' THEN ' withdrawn by the brand' "
            "ELSE ' expired unused' END) || ': ' || r.coins || ' coins back'",
            key=f"'promote:coupon:' || ({c0} + {orders} + r.g) || ':return'",
            at="(CASE r.status WHEN 'REVOKED' THEN r.at + interval '1 day' ELSE r.at + interval '30 days 10 minutes' END)",
            subject_type="promote.coupon", subject=f"({c0} + {orders} + r.g)::text",
            source=gift_source + " WHERE r.status IN ('EXPIRED', 'REVOKED')",
            legs=[("x.id", "-r.coins", COIN), ("hc.id", "r.coins", COIN)],
        )  # fmt: skip
        _sql(
            "UPDATE wallets_account c SET balance = c.balance + t.total FROM "  # noqa: S608
            f"(SELECT account_id, SUM(amount) AS total FROM wallets_entry WHERE transaction_id > {t_first} "
            "GROUP BY account_id) t WHERE c.id = t.account_id"
        )
        # What each wallet's coin funds still back: bought minus the paid coins spent.
        _sql(
            "UPDATE promote_coinwallet w SET backed_coins = b.coins - COALESCE(s.spent, 0) FROM "
            "(SELECT wallet, SUM(coins) AS coins FROM pr_buy GROUP BY wallet) b LEFT JOIN "
            "(SELECT wallet, SUM(paid_consumed) AS spent FROM pr_order WHERE status = 'SETTLED' GROUP BY wallet) s "
            "ON s.wallet = b.wallet WHERE w.id = b.wallet"
        )
        _setval(CoinWallet, PromoteOrder, CoinPurchase, CardCheckout, Coupon, Transaction)
        log(
            f"  promote: {n_orders:,} orders, {ticks:,} ticks, {purchases:,} purchases, {entries:,} ledger entries"
        )
        step("promote ledger")
    with connection.cursor() as cursor:
        for model in (
            CoinWallet,
            PromoteOrder,
            DeliveryTick,
            CoinPurchase,
            CardCheckout,
            Coupon,
            Account,
            Transaction,
            Entry,
        ):
            cursor.execute(f"VACUUM ANALYZE {model._meta.db_table}")
    step("vacuum analyze")
    busiest = (
        PromoteOrder.objects.filter(pk__gt=o0, wallet__merchant=merchant, status="SETTLED")
        .order_by("-duration_days", "-pk")
        .values_list("pk", flat=True)
        .first()
    )
    creator_user = CoinWallet.objects.filter(pk=w0 + 2).values_list("user_id", flat=True).first()
    creator_order = (
        PromoteOrder.objects.filter(pk__gt=o0, wallet_id=w0 + 2, status="SETTLED")
        .order_by("-duration_days", "-pk")
        .values_list("pk", flat=True)
        .first()
    )
    return PromoteData(
        orders=n_orders,
        ticks=ticks,
        coupons=gifts + PromoteOrder.objects.filter(pk__gt=o0, coupon__isnull=False).count(),
        purchases=purchases,
        creator_user_id=creator_user,
        busiest_order_id=busiest,
        creator_order_id=creator_order,
        seconds=seconds,
    )
