"""The engine's day rollups counted again from what they sum up, in each merchant's time zone.

The engine keeps, as it grants and reverses, a campaign's days (``CampaignDay``), the posts' days of
engagement (``PostEngagementDay``) and each person's day in a campaign (``UserCampaignTally.day_date``
and ``day_total``, the daily cap), each on the merchant's day (``merchants.days``). When the rule
that picks the day changes for a merchant (its time zone changed; or, for every merchant, the
migration that moved the days from the site's time zone to the merchant's), the rows are counted
again here, set-based, from the rewards and the snapshots:

- ``CampaignDay``: the rewards not reversed, per campaign and merchant day of their creation;
- ``PostEngagementDay``: the gains of the snapshots of the shares' posts, per campaign (or merchant,
  for a share without a campaign) and merchant day of the snapshot;
- a tally's day: the merchant day of the person's latest reward in the campaign (the day the engine
  last moved it to), and its total that day: the rewards not reversed made on it.

The same SQL rule (``merchants.days.MerchantDay``) is what ``rewards_check`` compares with, so a
rebuild leaves it clean. ``apps``: the model registry (a migration passes its historical one).
The caller holds the locks (``rewards.services.merchant_days_rebuild``) or runs alone (a migration).
"""

from __future__ import annotations

from decimal import Decimal

from django.apps import apps as global_apps
from django.db.models import Count, DecimalField, Exists, OuterRef, Q, Subquery, Sum, Value
from django.db.models.functions import Coalesce

from merchants.days import MerchantDay

NOT_REVERSED_STATUSES = ("PENDING", "CONFIRMED", "HELD")
SHARE_VIDEO = "SHARE_VIDEO"
BATCH = 1000


def days_rebuild(*, merchant_ids: list[int] | None = None, apps=global_apps) -> None:
    """Count the day rollups of ``merchant_ids`` (all merchants: ``None``) again (see the module)."""
    _campaign_days_rebuild(merchant_ids, apps)
    _engagement_days_rebuild(merchant_ids, apps)
    _tallies_rebuild(merchant_ids, apps)


def _scoped(queryset, merchant_ids, path: str):
    return queryset if merchant_ids is None else queryset.filter(**{f"{path}__in": merchant_ids})


def _bulk(model, rows) -> None:
    batch = []
    for row in rows:
        batch.append(row)
        if len(batch) == BATCH:
            model.objects.bulk_create(batch)
            batch = []
    model.objects.bulk_create(batch)


def _campaign_days_rebuild(merchant_ids, apps) -> None:
    CampaignDay = apps.get_model("rewards", "CampaignDay")
    Reward = apps.get_model("rewards", "Reward")
    _scoped(CampaignDay.objects.all(), merchant_ids, "campaign__merchant_id").delete()
    rows = (
        _scoped(Reward.objects.filter(status__in=NOT_REVERSED_STATUSES), merchant_ids, "merchant_id")
        .annotate(day=MerchantDay("created_at", "merchant"))
        .values("campaign_id", "day")
        .annotate(
            n=Count("pk"),
            paid=Sum("merchant_price"),
            share=Sum("merchant_price", filter=Q(rule__action=SHARE_VIDEO)),
        )
        .order_by("campaign_id", "day")
    )
    _bulk(
        CampaignDay,
        (
            CampaignDay(
                campaign_id=row["campaign_id"],
                day_date=row["day"],
                rewards=row["n"],
                rewards_paid=row["paid"],
                share_cost=row["share"] or Decimal("0.00"),
            )
            for row in rows.iterator()
        ),
    )


def _engagement_days_rebuild(merchant_ids, apps) -> None:
    PostEngagementDay = apps.get_model("rewards", "PostEngagementDay")
    SocialAction = apps.get_model("rewards", "SocialAction")
    _scoped(PostEngagementDay.objects.all(), merchant_ids, "merchant_id").delete()
    snapshots = "tracked_post__snapshots__"
    rows = (
        _scoped(
            SocialAction.objects.filter(action_type=SHARE_VIDEO, tracked_post__snapshots__isnull=False),
            merchant_ids,
            "merchant_id",
        )
        .annotate(day=MerchantDay(f"{snapshots}taken_at", "merchant"))
        .values("merchant_id", "campaign_id", "day")
        .annotate(
            views=Sum(f"{snapshots}views_added"),
            likes=Sum(f"{snapshots}likes_added"),
            comments=Sum(f"{snapshots}comments_added"),
            shares=Sum(f"{snapshots}shares_added"),
        )
        .order_by("merchant_id", "campaign_id", "day")
    )
    _bulk(
        PostEngagementDay,
        (
            PostEngagementDay(
                merchant_id=row["merchant_id"],
                campaign_id=row["campaign_id"],
                day_date=row["day"],
                views=row["views"],
                likes=row["likes"],
                comments=row["comments"],
                shares=row["shares"],
            )
            for row in rows.iterator()
            if row["views"] or row["likes"] or row["comments"] or row["shares"]
        ),
    )


def _tallies_rebuild(merchant_ids, apps) -> None:
    UserCampaignTally = apps.get_model("rewards", "UserCampaignTally")
    Reward = apps.get_model("rewards", "Reward")
    theirs = Reward.objects.filter(user_id=OuterRef("user_id"), campaign_id=OuterRef("campaign_id"))
    tallies = _scoped(
        UserCampaignTally.objects.filter(day_date__isnull=False), merchant_ids, "campaign__merchant_id"
    ).filter(Exists(theirs))
    latest_day = (
        theirs.annotate(day=MerchantDay("created_at", "merchant"))
        .order_by("-created_at", "-pk")
        .values("day")[:1]
    )
    tallies.update(day_date=Subquery(latest_day))
    that_day = (
        Reward.objects.filter(
            user_id=OuterRef("user_id"), campaign_id=OuterRef("campaign_id"), status__in=NOT_REVERSED_STATUSES
        )
        .annotate(day=MerchantDay("created_at", "merchant"))
        .filter(day=OuterRef("day_date"))
        .values("user_id")
        .annotate(total=Sum("merchant_price"))
        .values("total")
    )
    money = DecimalField(max_digits=14, decimal_places=2)
    tallies.update(
        day_total=Coalesce(Subquery(that_day, output_field=money), Value(Decimal("0.00"), output_field=money))
    )
