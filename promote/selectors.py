"""Reads of Promote: a holder's coins and orders, an order's analytics (by hour, by day, chart, CSV)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, tzinfo
from decimal import Decimal

from django.db.models import CharField, Count, OuterRef, QuerySet, Subquery, Sum, Value
from django.db.models.functions import Cast, Coalesce, TruncDate
from django.utils.formats import date_format
from django.utils.translation import gettext, gettext_lazy, ngettext
from moneyed import Money

from campaigns.models import ActionType
from core.db import subquery_count
from core.i18n import collation_key, country_choices, country_name, time_zone_label
from core.spreadsheets import sheet_text
from promote.delivery import GOAL_FIELD, estimate, possible_results
from promote.models import (
    RELEASED_STATUSES,
    CoinPrice,
    CoinPurchase,
    CoinWallet,
    Coupon,
    CouponStatus,
    DeliveryTick,
    Goal,
    Kind,
    KindGoal,
    LaunchedCountry,
    OrderStatus,
    PromoteOrder,
    ShareAuthorization,
)
from promote.services import coin_balance, paid_coins_value
from rewards.models import SocialAction
from social.models import TrackedPost
from wallets.formats import money_text, percent_text
from wallets.models import PLATFORM, Account, Entry, Purpose, Transaction
from wallets.money import COIN
from wallets.selectors import accounts_of
from wallets.services import account_for, balance

METRICS = ("spent_coins", "impressions", "views", "clicks", "follows", "product_clicks", "live_viewers")
METRIC_LABELS = {
    "spent_coins": gettext_lazy("Coins spent"),
    "impressions": gettext_lazy("Impressions"),
    "views": gettext_lazy("Video views"),
    "clicks": gettext_lazy("Website visits"),
    "follows": gettext_lazy("Follows"),
    "product_clicks": gettext_lazy("Product clicks"),
    "live_viewers": gettext_lazy("Live viewers"),
}


def coin_wallet_get(*, holder) -> CoinWallet | None:
    field = "merchant" if holder._meta.label_lower == "merchants.merchant" else "user"
    return CoinWallet.objects.filter(**{field: holder}).first()


def coin_prices_text(*, currency: str | None = None) -> str:
    """What coins cost, in the reader's language ("100 Coins = 0,99 €, 100 Coins = 0,99 $"): in
    ``currency`` when it is sold in it, else in every currency they are sold in."""
    prices = list(CoinPrice.objects.order_by("currency"))
    mine = [price for price in prices if price.currency == currency]
    return ", ".join(str(price) for price in (mine or prices))


def coin_currencies(*, holder) -> list[str]:
    """The currencies the holder can buy coins in: those coins are sold in, and of them only the
    coin wallet's own once a purchase settled it (a holder pays in one currency), or for a merchant
    its currency (its prepaid funds)."""
    priced = list(CoinPrice.objects.order_by("currency").values_list("currency", flat=True))
    wallet = coin_wallet_get(holder=holder)
    if wallet is not None and wallet.currency_is_chosen():
        only = wallet.currency
    elif holder._meta.label_lower == "merchants.merchant":
        only = holder.currency
    else:
        return priced
    return [currency for currency in priced if currency == only]


def cancelled_text(order: PromoteOrder) -> str:
    """Where a cancelled order's budget went, as ``order_cancel`` moved it: the holder's share back to
    their coins, the coupon's back on the coupon."""
    paid = money_text(order.paid_coins, COIN)
    if not order.coupon_coins:
        return gettext("Cancelled. Back on your coin balance: %(paid)s.") % {"paid": paid}
    return gettext(
        "Cancelled. Back on your coin balance: %(paid)s; back on coupon %(code)s, which you can use again: "
        "%(coupon)s."
    ) % {"paid": paid, "coupon": money_text(order.coupon_coins, COIN), "code": order.coupon.code}


def released_text(order: PromoteOrder) -> str:
    """Where a cancelled or rejected order's budget went, on its page (the consumer's and the
    console's alike, so said to no one in particular); "" for any other order."""
    if order.status not in RELEASED_STATUSES:
        return ""
    paid = money_text(order.paid_coins, COIN)
    if not order.coupon_coins:
        return gettext("The budget came back: %(paid)s on the coin balance.") % {"paid": paid}
    return gettext("The budget came back: %(paid)s on the coin balance, %(coupon)s on coupon %(code)s.") % {
        "paid": paid,
        "coupon": money_text(order.coupon_coins, COIN),
        "code": order.coupon.code,
    }


def coins_held(*, wallet: CoinWallet | None) -> int:
    return coin_balance(wallet=wallet) if wallet else 0


@dataclass(frozen=True)
class CoinHoldings:
    """Where a holder's coins are and what the free ones are worth, as ``coins_withdraw`` pays it."""

    free: int  # on the coin balance: what a withdrawal takes
    free_value: Money  # what withdrawing them all gives back now (``paid_coins_value``)
    in_orders: int  # in the escrow of the holder's open orders (in review or running)
    orders: int
    in_coupons: int  # set aside for the holder's coupons (a merchant's) not used up yet
    coupons: int


def coin_holdings_get(*, holder) -> CoinHoldings | None:
    """The holder's coins by where they are (None without a coin wallet)."""
    wallet = coin_wallet_get(holder=holder)
    if wallet is None:
        return None
    accounts = {
        (a.purpose, a.currency): a.balance
        for a in accounts_of(holder).filter(purpose__in=[Purpose.PROMOTE_COINS, Purpose.PROMOTE_COIN_FUNDS])
    }
    free = int(accounts.get((Purpose.PROMOTE_COINS, COIN), 0))
    funds = Money(accounts.get((Purpose.PROMOTE_COIN_FUNDS, wallet.currency), 0), wallet.currency)
    open_orders = wallet.orders.filter(status__in=[OrderStatus.IN_REVIEW, OrderStatus.ACTIVE])
    orders = open_orders.aggregate(n=Count("pk"), paid=Sum("budget_coins") - Sum("coupon_coins"))
    coupons = (
        Coupon.objects.filter(
            issued_by_merchant=holder, status__in=[CouponStatus.AVAILABLE, CouponStatus.APPLIED]
        )
        if wallet.merchant_id
        else Coupon.objects.none()
    ).aggregate(n=Count("pk"), coins=Sum("coins"))
    return CoinHoldings(
        free=free,
        free_value=paid_coins_value(wallet=wallet, coins_count=free, funds=funds),
        in_orders=int(orders["paid"] or 0),
        orders=orders["n"],
        in_coupons=int(coupons["coins"] or 0),
        coupons=coupons["n"],
    )


def merchant_panel_expressions(*, merchant) -> dict:
    """The console dashboard's Promote figures as scalar subqueries (read with the other panels'
    in one query): the coins the merchant holds (``coins_held``: its coin account's balance, 0
    before it has one) and its orders running."""
    coins = Account.objects.owned_by(merchant).filter(purpose=Purpose.PROMOTE_COINS, currency=COIN)
    return {
        "coins": Coalesce(Subquery(coins.values("balance")[:1]), Value(Decimal(0))),
        "running": subquery_count(PromoteOrder.objects.filter(wallet__merchant=merchant, status="ACTIVE")),
    }


def orders_of(*, wallet: CoinWallet | None) -> QuerySet[PromoteOrder]:
    if wallet is None:
        return PromoteOrder.objects.none()
    return wallet.orders.select_related("video").prefetch_related("video__texts").order_by("-pk")


def purchases_of(*, wallet: CoinWallet | None, limit: int = 50) -> list[CoinPurchase]:
    """A holder's coin purchases, newest first, each with ``transaction_id``: its ledger transaction
    (the invoice of a purchase is billing's, found by that transaction)."""
    if wallet is None:
        return []
    txn = Transaction.objects.filter(
        kind="PROMOTE_COIN_PURCHASE",
        subject_type=CoinPurchase._meta.label_lower,
        subject_id=Cast(OuterRef("pk"), CharField()),
    ).values("pk")[:1]
    return list(wallet.purchases.annotate(transaction_id=Subquery(txn)).order_by("-pk")[:limit])


def coupons_usable(*, user, now: datetime) -> list[Coupon]:
    """The coupons given to this person that they can use now (ops' or a brand's)."""
    return list(
        Coupon.objects.filter(
            user=user, status=CouponStatus.AVAILABLE, valid_from__lte=now, valid_until__gt=now
        )
        .select_related("issued_by_merchant")
        .order_by("valid_until", "pk")
    )


@dataclass(frozen=True)
class CouponUse:
    coupon: Coupon
    order: PromoteOrder | None
    coupon_spent: int | None  # of the coupon's coins, once the order settled
    returned: int | None  # the coupon's unused coins back to the brand


def coupons_of_merchant(*, merchant, limit: int = 200, before: int | None = None) -> list[CouponUse]:
    """A merchant's coupons, newest first (those before the coupon id ``before``: the next page),
    with the order that used each (its latest)."""
    coupons = Coupon.objects.filter(issued_by_merchant=merchant)
    if before is not None:
        coupons = coupons.filter(pk__lt=before)
    coupons = list(coupons.select_related("user").order_by("-pk")[:limit])
    latest: dict[int, PromoteOrder] = {}
    for order in PromoteOrder.objects.filter(coupon__in=coupons).order_by("pk"):
        latest[order.coupon_id] = order
    out = []
    for coupon in coupons:
        order = latest.get(coupon.pk)
        settled = order is not None and order.status == OrderStatus.SETTLED
        spent = min(order.consumed_coins, order.coupon_coins) if settled else None
        out.append(
            CouponUse(
                coupon=coupon,
                order=order,
                coupon_spent=spent,
                returned=order.forfeited_coupon_coins if settled else None,
            )
        )
    return out


def matrix() -> dict[str, dict[str, list[str]]]:
    """Kind -> {"goals": [...], "countries": [...]}, from the editable data, in words a person reads."""
    out: dict[str, dict[str, list[str]]] = {}
    for kind, goal in KindGoal.objects.order_by("kind", "pk").values_list("kind", "goal"):
        out.setdefault(str(Kind(kind).label), {"goals": [], "countries": []})["goals"].append(
            str(Goal(goal).label)
        )
    for kind, country in LaunchedCountry.objects.order_by("kind", "country").values_list("kind", "country"):
        out.setdefault(str(Kind(kind).label), {"goals": [], "countries": []})["countries"].append(
            country_name(country)
        )
    for row in out.values():
        row["countries"].sort(key=collation_key)
    return out


def launched_country_choices() -> list[tuple[str, str]]:
    """Every country some kind of promotion is launched in, for the order form's select: by its name
    in the reader's language, in that language's order ("Deutschland" before "Frankreich")."""
    codes = set(LaunchedCountry.objects.values_list("country", flat=True))
    return country_choices(codes)


def launched_kinds() -> dict[str, set[str]]:
    """Country (ISO code) -> the kinds of promotion launched there."""
    out: dict[str, set[str]] = {}
    for kind, country in LaunchedCountry.objects.values_list("kind", "country"):
        out.setdefault(country, set()).add(kind)
    return out


def goal_kinds() -> dict[str, set[str]]:
    """Goal -> the kinds of promotion it is offered for (``KindGoal``, the seed's matrix)."""
    out: dict[str, set[str]] = {}
    for kind, goal in KindGoal.objects.values_list("kind", "goal"):
        out.setdefault(goal, set()).add(kind)
    return out


def audience_text(order: PromoteOrder) -> str:
    """Who an order is shown to, as its page says it: "Audience: automatic", or "Audience: Germany,
    ages 18 to 65" (the country by its name, never its code)."""
    if order.audience_automatic or not order.country:
        return gettext("Audience: automatic")
    return gettext("Audience: %(country)s, ages %(youngest)s to %(oldest)s") % {
        "country": country_name(order.country),
        "youngest": order.age_min,
        "oldest": order.age_max,
    }


def estimate_for(*, budget_coins: int, goal: str) -> tuple[int, int]:
    return estimate(budget_coins=budget_coins, goal=goal)


@dataclass(frozen=True)
class Row:
    at: datetime | date
    values: dict[str, int]


def order_metrics(order: PromoteOrder) -> tuple[str, ...]:
    """The figures an order's tables show: coins, impressions and only the results its kind and
    goal can have (an old record's live viewers of a video are not shown)."""
    possible = possible_results(kind=order.kind, goal=order.goal)
    return tuple(m for m in METRICS if m in ("spent_coins", "impressions") or m in possible)


def by_hour(*, order: PromoteOrder, zone: tzinfo) -> list[Row]:
    """The order's delivery hours, their times in ``zone`` (the viewer's)."""
    metrics = order_metrics(order)
    return [
        Row(at=t["hour"].astimezone(zone), values={m: t[m] for m in metrics})
        for t in DeliveryTick.objects.filter(order=order).order_by("hour").values("hour", *metrics)
    ]


def by_day(*, order: PromoteOrder, zone: tzinfo) -> list[Row]:
    """The order's delivery summed by the viewer's days (``zone``)."""
    metrics = order_metrics(order)
    rows = (
        DeliveryTick.objects.filter(order=order)
        .annotate(day=TruncDate("hour", tzinfo=zone))
        .values("day")
        .annotate(**{m: Sum(m) for m in metrics})
        .order_by("day")
    )
    return [Row(at=r["day"], values={m: r[m] for m in metrics}) for r in rows]


def ledger_consumed(*, order: PromoteOrder) -> int:
    """The coins the ledger moved from the order's escrow to delivered (0 until settlement)."""
    delivered = account_for(owner=PLATFORM, purpose=Purpose.PROMOTE_DELIVERED, currency=COIN)
    total = Entry.objects.filter(
        account=delivered,
        transaction__subject_type="promote.promoteorder",
        transaction__subject_id=str(order.pk),
    ).aggregate(total=Sum("amount"))["total"]
    return int(total or 0)


def escrow_held(*, order: PromoteOrder) -> int:
    account = account_for(owner=PLATFORM, purpose=Purpose.PROMOTE_ESCROW, currency=COIN, partition=order)
    return int(balance(account).amount)


def result_label(order: PromoteOrder) -> str:
    return METRIC_LABELS[GOAL_FIELD[order.goal]]


def chart(*, order: PromoteOrder, zone: tzinfo, width: int = 600, height: int = 160) -> dict:
    """Bars of coins spent per day (the viewer's, ``zone``), scaled to integers for an inline SVG
    (no script, no style)."""
    days = by_day(order=order, zone=zone)
    peak = max((r.values["spent_coins"] for r in days), default=0)
    if not days:
        return {"bars": [], "width": width, "height": height}
    step = width // max(len(days), 1)
    bars = []
    for n, row in enumerate(days):
        spent = row.values["spent_coins"]
        h = (spent * (height - 20) // peak) if peak else 0
        bars.append(
            {
                "x": n * step + 2,
                "y": height - h,
                "w": max(step - 4, 1),
                "h": h,
                "label": ngettext("%(day)s: %(coins)s coin", "%(day)s: %(coins)s coins", spent)
                % {"day": date_format(row.at, "SHORT_DATE_FORMAT"), "coins": spent},
            }
        )
    return {"bars": bars, "width": width, "height": height}


def csv_text(*, order: PromoteOrder, zone: tzinfo) -> str:
    """Every hour of the order, in ``zone`` (the viewer's), which the first column names in words as the
    page's table does ("Hour, Auckland (New Zealand Time)", ``time_zone_label``), for a spreadsheet in
    the viewer's language (``core.spreadsheets``)."""
    metrics = order_metrics(order)
    header = [
        gettext("Hour, %(zone)s") % {"zone": time_zone_label(str(zone))},
        *[str(METRIC_LABELS[m]) for m in metrics],
    ]
    rows = (
        [row.at.strftime("%Y-%m-%d %H:00"), *[row.values[m] for m in metrics]]
        for row in by_hour(order=order, zone=zone)
    )
    return sheet_text(header, rows)


def order_analytics(*, order: PromoteOrder, zone: tzinfo) -> dict:
    """Everything an order's page shows: figures, the returned share, by day, by hour, the chart;
    days and hours in ``zone``, the viewer's (a merchant's in the console, the person's on theirs)."""
    return {
        "order": order,
        "audience": audience_text(order),
        "by_day": by_day(order=order, zone=zone),
        "by_hour": by_hour(order=order, zone=zone)[-48:],
        "chart": chart(order=order, zone=zone),
        "zone": zone,
        "zone_name": time_zone_label(str(zone)),  # "Berlin (Mitteleuropäische Zeit)"
        "result_label": result_label(order),
        "result_field": GOAL_FIELD[order.goal],
        "metric_labels": {m: METRIC_LABELS[m] for m in order_metrics(order)},
        "ledger_consumed": ledger_consumed(order=order),
        "refunded_percent": percent_text(order.refunded_coins * 100 // order.budget_coins),
        "is_settled": order.status == OrderStatus.SETTLED,
        "released_text": released_text(order),
    }


def authorizations_for(*, user) -> QuerySet[ShareAuthorization]:
    return (
        ShareAuthorization.objects.filter(tracked_post__user=user)
        .select_related("merchant", "tracked_post")
        .order_by("-pk")
    )


def orders_on_posts_of(*, user) -> QuerySet[PromoteOrder]:
    """Brands' promotions of the person's own posts. The posts' ids first: joined in one query,
    PostgreSQL walked every order of the brand (4,000 at ``bench_scale --apps``: 14 ms; at a
    brand's hundred thousand, far more) to find the few on this person's posts (0.2 ms by the
    posts' index)."""
    posts = list(TrackedPost.objects.filter(user=user).values_list("pk", flat=True))
    return (
        PromoteOrder.objects.filter(tracked_post_id__in=posts, wallet__merchant__isnull=False)
        .select_related("wallet__merchant")
        .order_by("-pk")
    )


def shares_latest(*, merchant, limit: int = 200) -> list[TrackedPost]:
    """The consumers' latest verified shares of the merchant's videos still public (those
    ``services.shares_promotable`` accepts), newest first: the share actions read newest first on
    the index ``(merchant, -occurred_at)`` (a share is recorded when the post is found), then their
    posts; joined and made distinct in one query, PostgreSQL sorted every share of the merchant
    (155 ms at 30,000 shares)."""
    ids = list(
        SocialAction.objects.filter(
            merchant=merchant,
            action_type=ActionType.SHARE_VIDEO,
            tracked_post__status=TrackedPost.Status.ACTIVE,
        )
        .order_by("-occurred_at", "-pk")
        .values_list("tracked_post_id", flat=True)[: limit * 2]
    )
    latest = list(dict.fromkeys(ids))[:limit]  # a post shared for two campaigns counts once
    return list(TrackedPost.objects.filter(pk__in=latest).order_by("-posted_at", "-pk"))
