"""What the merchant console shows over time: the dashboard's daily figures, a campaign's report and
the first-run checklist. Read-only selectors (no writes).

Every figure is computed in the database, set-based, over the window asked for (never over the
whole history when a window will do), in the merchant's currency and in the merchant's time zone
(its days: ``merchants.days``, as the engine counts ``CampaignDay`` and ``PostEngagementDay``):

- **rewards paid** on a day: the merchant price of the rewards granted that day and not reversed
  (held ones count: their money has left the merchant's funds until review decides), as on the
  dashboard's "this month" figure (``rewards.selectors.merchant_rewards_paid``); read from the
  campaigns' days (``CampaignDay``), which the engine keeps as it grants and reverses;
- **views** on a day: the views the tracked posts of the merchant's shares gained that day, i.e.
  for each snapshot TikTok gave that day, its views minus the post's previous snapshot's views;
  the sum over a window is the views gained in the window; read from the campaigns' days of
  engagement (``PostEngagementDay``), which the engine keeps as snapshots are written;
- **new consumers** on a day: people whose first action for the merchant (or the campaign) was
  recorded that day;
- **cost per 1,000 views**: the merchant price of the share and engagement rewards of the day (not
  reversed) per 1,000 views gained that day, rounded half up to the cent; none on a day without views.
"""

from __future__ import annotations

import zoneinfo
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import ROUND_HALF_UP, Decimal

from django.db.models import Count, DecimalField, Exists, OuterRef, Q, QuerySet, Sum, Value
from django.db.models.functions import TruncDate
from django.utils.translation import gettext
from moneyed import Money

from campaigns.models import Campaign, CampaignStatus, Video
from merchants.days import merchant_day, merchant_zone
from merchants.models import BankTransfer, Merchant
from rewards.models import (
    CampaignDay,
    MerchantConsumer,
    PostEngagementDay,
    Reward,
    RewardKind,
    RewardStatus,
    SocialAction,
)
from wallets.money import sum_at_precision

NOT_REVERSED = [RewardStatus.PENDING, RewardStatus.CONFIRMED, RewardStatus.HELD]
WINDOWS = (7, 30, 90)  # the periods a merchant can pick, in days


def window_days(value: str | None, default: int = 30) -> int:
    """The number of days asked for (``?days=``), one of ``WINDOWS``; anything else: the default."""
    try:
        days = int(value or default)
    except (TypeError, ValueError):
        return default
    return days if days in WINDOWS else default


@dataclass(frozen=True)
class Window:
    """Whole days of a merchant (in its time zone, ``zone``): ``first`` to ``last`` included."""

    first: date
    last: date
    zone: zoneinfo.ZoneInfo

    @classmethod
    def ending(cls, *, now: datetime, days: int, merchant: Merchant) -> Window:
        """The ``days`` days of ``merchant`` up to the one ``now`` counts on (its today)."""
        last = merchant_day(merchant, now)
        return cls(first=last - timedelta(days=days - 1), last=last, zone=merchant_zone(merchant))

    @property
    def start(self) -> datetime:
        return datetime.combine(self.first, time.min, tzinfo=self.zone)

    @property
    def end(self) -> datetime:
        return datetime.combine(self.last + timedelta(days=1), time.min, tzinfo=self.zone)

    def dates(self) -> list[date]:
        return [self.first + timedelta(days=n) for n in range((self.last - self.first).days + 1)]


@dataclass(frozen=True)
class Day:
    day: date
    rewards_paid: Decimal
    share_cost: Decimal  # the part of rewards_paid for shares and their engagement
    rewards: int
    views: int
    new_consumers: int
    cost_per_1000_views: Decimal | None


def _per_1000(cost: Decimal, views: int) -> Decimal | None:
    if views <= 0:
        return None
    return (cost * 1000 / Decimal(views)).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


def _rewards_by_day(days: QuerySet, window: Window, currency: str) -> dict[date, dict]:
    """The rewards paid on each day of the window, from the campaigns' days (``CampaignDay``, kept
    by the engine): a row a campaign a day, not every reward; the sums in ``currency``'s cents."""
    rows = (
        days.filter(day_date__gte=window.first, day_date__lte=window.last)
        .values("day_date")
        .annotate(paid=Sum("rewards_paid"), n=Sum("rewards"), share_cost=Sum("share_cost"))
        .order_by()
    )
    return {
        row["day_date"]: _paid_row(row["day_date"], row["paid"], row["n"], row["share_cost"], currency)
        for row in rows
    }


def _paid_row(day: date, paid, count, share_cost, currency: str) -> dict:
    """One day's rewards paid, its money sums at the currency's precision (``sum_at_precision``:
    SQLite's sums come back with float noise)."""
    return {
        "day_date": day,
        "paid": sum_at_precision(paid, currency),
        "n": int(count or 0),
        "share_cost": sum_at_precision(share_cost, currency),
    }


def _views_by_day(engagement: QuerySet, window: Window) -> dict[date, int]:
    """Views gained per day (see the module's doc), from the days the engine keeps
    (``PostEngagementDay``, a row a campaign a day), not every snapshot of the window."""
    rows = (
        engagement.filter(day_date__gte=window.first, day_date__lte=window.last)
        .values("day_date")
        .annotate(gained=Sum("views"))
        .order_by()
    )
    return {row["day_date"]: int(row["gained"] or 0) for row in rows}


def _new_consumers_by_day(actions: QuerySet, window: Window) -> dict[date, int]:
    """People whose first action among ``actions`` was recorded on each day of the window."""
    earlier = actions.filter(user_id=OuterRef("user_id")).filter(
        Q(created_at__lt=OuterRef("created_at")) | Q(created_at=OuterRef("created_at"), pk__lt=OuterRef("pk"))
    )
    rows = (
        actions.filter(created_at__gte=window.start, created_at__lt=window.end)
        .filter(~Exists(earlier))
        .annotate(day=TruncDate("created_at", tzinfo=window.zone))
        .values("day")
        .annotate(n=Count("pk"))
        .order_by()
    )
    return {row["day"]: row["n"] for row in rows}


def _merchant_figures_by_day(
    merchant: Merchant, window: Window
) -> tuple[dict[date, dict], dict[date, int], dict[date, int]]:
    """``_rewards_by_day`` and ``_views_by_day`` of the merchant, and the people whose first action
    for it was recorded on each day (one row a person, ``MerchantConsumer.joined_at``, kept by the
    engine, not every action grouped), in one query: ``UNION ALL`` of the three, each row tagged
    with its figure (one round trip and one statement on every dashboard view, not three)."""
    zero = Value(0, output_field=DecimalField())
    paid = (
        CampaignDay.objects.filter(
            campaign__merchant=merchant,
            campaign__currency=merchant.currency,
            day_date__gte=window.first,
            day_date__lte=window.last,
        )
        .values("day_date")
        .annotate(figure=Value("paid"), a=Sum("rewards_paid"), b=Sum("rewards"), c=Sum("share_cost"))
        .values_list("figure", "day_date", "a", "b", "c")
        .order_by()
    )
    views = (
        PostEngagementDay.objects.filter(
            merchant=merchant, day_date__gte=window.first, day_date__lte=window.last
        )
        .values("day_date")
        .annotate(figure=Value("views"), a=Sum("views"), b=zero, c=zero)
        .values_list("figure", "day_date", "a", "b", "c")
        .order_by()
    )
    new = (
        MerchantConsumer.objects.filter(
            merchant=merchant, joined_at__gte=window.start, joined_at__lt=window.end
        )
        .annotate(day=TruncDate("joined_at", tzinfo=window.zone))
        .values("day")
        .annotate(figure=Value("new"), a=Count("pk"), b=zero, c=zero)
        .values_list("figure", "day", "a", "b", "c")
        .order_by()
    )
    rewards: dict[date, dict] = {}
    gained: dict[date, int] = {}
    joined: dict[date, int] = {}
    for figure, day, a, b, c in paid.union(views, new, all=True):
        if figure == "paid":
            rewards[day] = _paid_row(day, a, b, c, merchant.currency)
        elif figure == "views":
            gained[day] = int(a or 0)
        else:
            joined[day] = int(a)
    return rewards, gained, joined


def _days(
    rewards: QuerySet | None,
    engagement: QuerySet | None,
    actions: QuerySet | None,
    window: Window,
    *,
    read: tuple[dict[date, dict], dict[date, int], dict[date, int]] | None = None,
    currency: str = "",
) -> list[Day]:
    """The figures of each day of ``window``: read from the three querysets, or given (``read``:
    what ``_merchant_figures_by_day`` read)."""
    if read is not None:
        paid, views, new = read
    else:
        paid = _rewards_by_day(rewards, window, currency)
        views = _views_by_day(engagement, window)
        new = _new_consumers_by_day(actions, window)
    days = []
    for day in window.dates():
        row = paid.get(day, {})
        share_cost = row.get("share_cost") or Decimal("0.00")
        days.append(
            Day(
                day=day,
                rewards_paid=row.get("paid") or Decimal("0.00"),
                share_cost=share_cost,
                rewards=row.get("n", 0),
                views=views.get(day, 0),
                new_consumers=new.get(day, 0),
                cost_per_1000_views=_per_1000(share_cost, views.get(day, 0)),
            )
        )
    return days


@dataclass(frozen=True)
class Totals:
    rewards_paid: Money
    rewards: int
    views: int
    new_consumers: int
    cost_per_1000_views: Money | None


def totals_of(days: list[Day], currency: str) -> Totals:
    views = sum(d.views for d in days)
    per_1000 = _per_1000(sum((d.share_cost for d in days), Decimal("0.00")), views)
    return Totals(
        rewards_paid=Money(sum((d.rewards_paid for d in days), Decimal("0.00")), currency),
        rewards=sum(d.rewards for d in days),
        views=views,
        new_consumers=sum(d.new_consumers for d in days),
        cost_per_1000_views=Money(per_1000, currency) if per_1000 is not None else None,
    )


def merchant_daily(*, merchant: Merchant, window: Window) -> list[Day]:
    """The dashboard's figures, one per day of ``window``, in the merchant's currency (one query)."""
    return _days(None, None, None, window, read=_merchant_figures_by_day(merchant, window))


def campaign_daily(*, campaign: Campaign, window: Window) -> list[Day]:
    """A campaign's figures by day (its own consumers: first action in this campaign)."""
    return _days(
        CampaignDay.objects.filter(campaign=campaign),
        PostEngagementDay.objects.filter(campaign=campaign),
        SocialAction.objects.filter(campaign=campaign),
        window,
        currency=campaign.currency,
    )


# --- a campaign's report: its whole life ---------------------------------------------------------


@dataclass(frozen=True)
class RewardGroup:
    kind: str
    status: str
    count: int
    amount: Money


@dataclass(frozen=True)
class CampaignSummary:
    spend: Money  # rewards not reversed (held ones count), as ``rewards_paid``
    groups: list[RewardGroup]
    actions: int
    consumers: int
    views: int
    likes: int
    comments: int
    shares: int
    cost_per_1000_views: Money | None


def campaign_summary(*, campaign: Campaign) -> CampaignSummary:
    """The campaign's figures over its whole life: its own rows only (indexed by campaign)."""
    currency = campaign.currency
    rewards = Reward.objects.filter(campaign=campaign, currency=currency)
    groups = [
        RewardGroup(
            kind=RewardKind(row["kind"]).label,
            status=RewardStatus(row["status"]).label,
            count=row["n"],
            amount=Money(sum_at_precision(row["total"], currency), currency),
        )
        for row in rewards.values("kind", "status")
        .annotate(n=Count("*"), total=Sum("merchant_price"))  # on its index alone (no id needed)
        .order_by("kind", "status")
    ]
    # Spend over the whole life: the campaign's days the engine keeps, not every reward again.
    counted = CampaignDay.objects.filter(campaign=campaign).aggregate(
        total=Sum("rewards_paid"), shares=Sum("share_cost")
    )
    actions = SocialAction.objects.filter(campaign=campaign)
    people = actions.aggregate(n=Count("pk"), people=Count("user_id", distinct=True))
    # Its posts' latest counts: the gains of the campaign's days the engine keeps, summed.
    engagement = PostEngagementDay.objects.filter(campaign=campaign).aggregate(
        views=Sum("views"), likes=Sum("likes"), comments=Sum("comments"), shares=Sum("shares")
    )
    views = int(engagement["views"] or 0)
    per_1000 = _per_1000(sum_at_precision(counted["shares"], currency), views)
    return CampaignSummary(
        spend=Money(sum_at_precision(counted["total"], currency), currency),
        groups=groups,
        actions=people["n"],
        consumers=people["people"],
        views=views,
        likes=int(engagement["likes"] or 0),
        comments=int(engagement["comments"] or 0),
        shares=int(engagement["shares"] or 0),
        cost_per_1000_views=Money(per_1000, currency) if per_1000 is not None else None,
    )


# --- the first-run checklist ---------------------------------------------------------------------


@dataclass(frozen=True)
class ChecklistItem:
    key: str
    label: str
    done: bool
    url_name: str  # a console URL name (``console:...``)
    hint: str


def merchant_checklist_expressions(*, merchant: Merchant) -> dict[str, Exists]:
    """What ticks each step of the checklist, as ``EXISTS`` read in one query (the dashboard reads
    them with the other panels' figures: ``console_site.register_panel``)."""
    campaigns = Campaign.objects.filter(merchant=merchant)
    return {
        "fund": Exists(
            BankTransfer.objects.filter(
                merchant=merchant, ledger_transaction__isnull=False, reversed_at__isnull=True
            )
        ),
        "campaign": Exists(campaigns),
        "videos": Exists(Video.objects.filter(merchant=merchant)),
        "live": Exists(campaigns.exclude(status=CampaignStatus.DRAFT)),
        "poster": Exists(SocialAction.objects.filter(merchant=merchant, touchpoint__isnull=False)),
    }


def merchant_checklist(*, merchant: Merchant) -> list[ChecklistItem]:
    """A new merchant's first steps, each ticked from what exists (one query)."""
    expressions = merchant_checklist_expressions(merchant=merchant)
    return merchant_checklist_of(Merchant.objects.filter(pk=merchant.pk).values(**expressions).get())


def merchant_checklist_of(done: dict[str, bool]) -> list[ChecklistItem]:
    """The checklist's steps, ticked from the values of ``merchant_checklist_expressions``."""
    return [
        ChecklistItem(
            "fund",
            gettext("Fund your wallet"),
            done["fund"],
            "add_funds",
            gettext("Send a bank transfer with your reference; rewards are paid from these funds."),
        ),
        ChecklistItem(
            "campaign",
            gettext("Create a campaign"),
            done["campaign"],
            "campaigns_campaign_add",
            gettext("Choose what people do for you and what each action earns."),
        ),
        ChecklistItem(
            "videos",
            gettext("Add videos people can share"),
            done["videos"],
            "campaigns_video_add",
            gettext("Up to 15 videos with their caption, hashtags and mentions."),
        ),
        ChecklistItem(
            "live",
            gettext("Put a campaign live"),
            done["live"],
            "campaigns_campaign_changelist",
            gettext("Going live needs funds for at least the campaign's smallest reward."),
        ),
        ChecklistItem(
            "poster",
            gettext("Put the poster up or the widget on your site"),
            done["poster"],
            "brand_poster",
            gettext(
                "Print your poster (or a store's, under Touchpoints), or put the widget on your site: "
                "ticks when the first person arrives through one."
            ),
        ),
    ]
