"""Days are the merchant's (issue #23): a reward, a day of engagement and a person's daily cap count
on the date in the merchant's time zone, not the site's (UTC). Two merchants far from UTC, one in
Los Angeles (UTC-8 in November) and one in Tokyo (UTC+9), each see a share at 23:30 and one at 00:30
local time: two days for each, although for both the two moments are on one UTC day."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from decimal import Decimal
from importlib import import_module
from zoneinfo import ZoneInfo

import pytest
from django.apps import apps
from django.core.management import call_command
from django.core.management.base import CommandError

from campaigns.models import ActionType, Campaign
from merchants.days import merchant_day
from merchants.models import Merchant
from merchants.services import MerchantError, merchant_update
from rewards import reports
from rewards.models import ActionStatus, CampaignDay, PostEngagementDay, Reward, UserCampaignTally
from rewards.reconciliation import rewards_report
from rewards.services import action_record, merchant_days_rebuild, reward_reverse
from rewards.tests.conftest import books_are_clean, owner_of, share_rule, snapshot, tracked_post
from rewards.tests.test_lock_order import Interleaving
from tikjoy.tests.factories import response_text, sheet_dicts

SHARE_ONLY = [share_rule(amount=Decimal("1.00"), per_1000_views=0, per_like=0, per_comment=0, per_share=0)]
EVENING, NEXT_DAY = date(2026, 11, 23), date(2026, 11, 24)


def _local(zone: str, day: date, hour: int, minute: int) -> datetime:
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=ZoneInfo(zone))


def _share(person, campaign, *, at: datetime):
    post = tracked_post(person, campaign)
    action = action_record(
        user=person,
        merchant=campaign.merchant,
        action_type=ActionType.SHARE_VIDEO,
        tracked_post=post,
        campaign=campaign,
        now=at,
    )
    return action, post


def _clean() -> None:
    report = rewards_report()
    assert report.clean, report.violations
    call_command("ledger_check")
    call_command("rewards_check")


def _days(campaign) -> dict[date, tuple[int, Decimal]]:
    return {
        d.day_date: (d.rewards, d.rewards_paid)
        for d in CampaignDay.objects.filter(campaign=campaign).exclude(rewards=0)
    }


@pytest.fixture
def shops(make_merchant, make_campaign, make_consumer):
    """A campaign in Los Angeles and one in Tokyo, each paying 1.00 a share, at most 1.00 a person a
    day; Ana shares at 23:30 and at 00:30 local time, each time a new post that TikTok measures
    then."""
    made = {}
    for slug, zone in (("westside", "America/Los_Angeles"), ("shibuya", "Asia/Tokyo")):
        merchant = make_merchant(slug, time_zone=zone)
        campaign = make_campaign(merchant, rules=SHARE_ONLY, user_daily_cap=Decimal("1.00"))
        ana = make_consumer(f"Ana {slug}")
        late, early = _local(zone, EVENING, 23, 30), _local(zone, NEXT_DAY, 0, 30)
        assert late.astimezone(ZoneInfo("UTC")).date() == early.astimezone(ZoneInfo("UTC")).date()
        for at, views in ((late, 1_000), (early, 400)):
            _, post = _share(ana, campaign, at=at)
            snapshot(post, views=views, at=at + timedelta(minutes=5))
        made[slug] = (merchant, campaign, ana)
    return made


@pytest.mark.django_db
@pytest.mark.parametrize("slug", ["westside", "shibuya"])
def test_a_share_at_2330_and_one_at_0030_count_on_two_local_days(shops, slug):
    merchant, campaign, ana = shops[slug]

    assert _days(campaign) == {EVENING: (1, Decimal("1.00")), NEXT_DAY: (1, Decimal("1.00"))}
    engagement = {d.day_date: d.views for d in PostEngagementDay.objects.filter(merchant=merchant)}
    assert engagement == {EVENING: 1_000, NEXT_DAY: 400}
    # The daily cap (1.00) was not reached by the second share: it is another day for the merchant.
    tally = UserCampaignTally.objects.get(user=ana, campaign=campaign)
    assert (tally.day_date, tally.day_total, tally.total) == (NEXT_DAY, Decimal("1.00"), Decimal("2.00"))
    days = reports.merchant_daily(
        merchant=merchant,
        window=reports.Window.ending(
            now=_local(merchant.time_zone, NEXT_DAY, 9, 0), days=7, merchant=merchant
        ),
    )
    by_day = {d.day: (d.rewards, d.rewards_paid, d.views) for d in days}
    assert by_day[EVENING] == (1, Decimal("1.00"), 1_000)
    assert by_day[NEXT_DAY] == (1, Decimal("1.00"), 400)
    assert days[-1].day == NEXT_DAY  # the merchant's today, not UTC's
    _clean()


@pytest.mark.django_db
@pytest.mark.parametrize("slug", ["westside", "shibuya"])
def test_the_daily_cap_stops_a_second_share_on_the_same_local_day(shops, slug):
    merchant, campaign, ana = shops[slug]

    action, _ = _share(ana, campaign, at=_local(merchant.time_zone, NEXT_DAY, 1, 0))

    assert action.status != ActionStatus.REWARDED and not action.rewards.exists()
    assert _days(campaign)[NEXT_DAY] == (1, Decimal("1.00"))
    _clean()


@pytest.mark.django_db(transaction=True)
def test_a_reversal_after_a_zone_change_before_its_recount_is_not_refused_and_the_recount_mends_the_days(
    shops, ops
):
    """Review: the owner moved Los Angeles to Tokyo; until the recount runs, the days are still Los
    Angeles'. Both shares fall on 24 November in Tokyo, so taking both back from that day would make it
    negative, which the database refuses (the reversal with it). The reversal goes through; the day it
    can't take back from is left to the recount, queued again, and the days end as the rewards say."""
    merchant, campaign, _ana = shops["westside"]
    Merchant.objects.filter(pk=merchant.pk).update(time_zone="Asia/Tokyo")  # the recount not run yet
    evening, next_day = Reward.objects.filter(campaign=campaign).order_by("created_at")
    later = _local("Asia/Tokyo", NEXT_DAY, 20, 0)

    reward_reverse(reward_id=evening.pk, reason="Not our product", actor=ops, now=later)
    reward_reverse(reward_id=next_day.pk, reason="Not our product", actor=ops, now=later)

    assert set(Reward.objects.filter(campaign=campaign).values_list("status", flat=True)) == {"REVERSED"}
    assert _days(campaign) == {}
    _clean()


@pytest.mark.django_db
@pytest.mark.parametrize("slug", ["westside", "shibuya"])
def test_a_reversal_takes_back_from_the_local_day_it_counted_on(shops, slug, ops):
    merchant, campaign, ana = shops[slug]
    evening, next_day = Reward.objects.filter(campaign=campaign).order_by("created_at")
    later = _local(merchant.time_zone, NEXT_DAY, 10, 0)

    reward_reverse(reward_id=evening.pk, reason="Not our product", actor=ops, now=later)

    assert _days(campaign) == {NEXT_DAY: (1, Decimal("1.00"))}
    tally = UserCampaignTally.objects.get(user=ana, campaign=campaign)
    assert (tally.day_date, tally.day_total, tally.total) == (NEXT_DAY, Decimal("1.00"), Decimal("1.00"))
    _clean()

    reward_reverse(reward_id=next_day.pk, reason="Not our product", actor=ops, now=later)

    tally.refresh_from_db()
    assert (tally.day_date, tally.day_total, tally.total) == (NEXT_DAY, Decimal("0.00"), Decimal("0.00"))
    # The cap is free again that day: a new share is paid.
    action, _ = _share(ana, campaign, at=later + timedelta(minutes=1))
    assert action.status == ActionStatus.REWARDED
    _clean()


@pytest.mark.django_db
def test_the_console_report_and_its_csv_give_the_merchants_days(client, shops):
    merchant, campaign, _ = shops["shibuya"]
    client.force_login(owner_of(merchant))

    response = client.get(f"/console/campaigns/campaign/{campaign.pk}/report.csv?days=90")

    rows = {r["Day"]: r for r in sheet_dicts(response, ",")}
    assert (rows[EVENING.isoformat()]["Rewards"], rows[NEXT_DAY.isoformat()]["Rewards"]) == ("1", "1")
    assert Decimal(rows[EVENING.isoformat()]["Rewards paid"]) == Decimal("1.00")
    assert "by day in your time zone: Tokyo (Japan Time)." in response_text(client.get("/console/?days=30"))


@pytest.mark.django_db
def test_a_time_zone_change_counts_the_past_days_again_in_the_new_zone(
    shops, make_consumer, django_capture_on_commit_callbacks
):
    merchant, campaign, ana = shops["shibuya"]

    with django_capture_on_commit_callbacks(execute=True):
        merchant_update(merchant=merchant, actor=owner_of(merchant), changes={"time_zone": "Europe/London"})

    # In London (UTC in November) 23:30 and 00:30 in Tokyo are 14:30 and 15:30 on the 23rd.
    assert _days(campaign) == {EVENING: (2, Decimal("2.00"))}
    assert {d.day_date: d.views for d in PostEngagementDay.objects.filter(merchant=merchant)} == {
        EVENING: 1_400
    }
    tally = UserCampaignTally.objects.get(user=ana, campaign=campaign)
    assert (tally.day_date, tally.day_total) == (EVENING, Decimal("2.00"))
    _clean()
    # The engine counts in the new zone from now on, and the figures stay clean.
    merchant.refresh_from_db()
    assert merchant_day(merchant, _local("Asia/Tokyo", NEXT_DAY, 8, 0)) == EVENING
    _share(make_consumer("Ben shibuya"), campaign, at=_local("Europe/London", NEXT_DAY, 0, 30))
    assert _days(campaign)[NEXT_DAY] == (1, Decimal("1.00"))
    _clean()


@pytest.mark.django_db
def test_a_time_zone_that_does_not_exist_is_refused(shops):
    merchant, campaign, _ = shops["westside"]
    before = _days(campaign)

    with pytest.raises(MerchantError):
        merchant_update(merchant=merchant, actor=owner_of(merchant), changes={"time_zone": "Mars/Olympus"})

    merchant.refresh_from_db()
    assert merchant.time_zone == "America/Los_Angeles" and _days(campaign) == before


@pytest.mark.django_db
def test_the_migration_recounts_days_kept_in_the_sites_time_zone(shops):
    """Rows as the engine kept them before (UTC days) are counted again on the merchants' days."""
    kept = {slug: _days(c) for slug, (_, c, _) in shops.items()}
    CampaignDay.objects.all().delete()
    PostEngagementDay.objects.all().delete()
    for tally in UserCampaignTally.objects.all():  # UTC: both shares on one day, 2.00
        tally.day_total = tally.total
        tally.day_date = Reward.objects.filter(user=tally.user).latest("created_at").created_at.date()
        tally.save()
    assert not rewards_report().clean

    import_module("rewards.migrations.0018_days_in_merchant_time_zone").days_in_merchant_time_zone(apps, None)

    assert {slug: _days(c) for slug, (_, c, _) in shops.items()} == kept
    _clean()


@pytest.mark.django_db
def test_an_owner_changes_the_time_zone_in_the_console_and_the_days_follow(
    client, shops, django_capture_on_commit_callbacks
):
    merchant, campaign, _ = shops["westside"]
    client.force_login(owner_of(merchant))
    page = client.get(f"/console/merchants/merchant/{merchant.pk}/change/").content.decode()
    assert '<option value="America/Los_Angeles" selected>Los Angeles (Pacific Time)</option>' in page
    details = {
        "brand_name": merchant.brand_name,
        "contact_email": merchant.contact_email,
        "legal_name": merchant.legal_name,
        "country": merchant.country,
        "currency": merchant.currency,
        "vat_number": "",
        "billing_address": merchant.billing_address,
        "billing_postcode": merchant.billing_postcode,
        "billing_city": merchant.billing_city,
        "edit_version": merchant.version,
    }

    unchanged = client.post(f"/console/merchants/merchant/{merchant.pk}/change/", details)
    assert unchanged.status_code == 302
    merchant.refresh_from_db()
    assert merchant.time_zone == "America/Los_Angeles"

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            f"/console/merchants/merchant/{merchant.pk}/change/",
            {**details, "edit_version": merchant.version, "time_zone": "Asia/Tokyo"},
        )

    assert response.status_code == 302
    merchant.refresh_from_db()
    assert merchant.time_zone == "Asia/Tokyo"
    # 23:30 and 00:30 in Los Angeles are 16:30 and 17:30 on the 24th in Tokyo.
    assert _days(campaign) == {NEXT_DAY: (2, Decimal("2.00"))}
    _clean()


@pytest.mark.django_db
def test_the_consumers_csv_gives_times_in_the_merchants_time_zone(client, shops):
    merchant, _, _ = shops["shibuya"]
    client.force_login(owner_of(merchant))

    rows = sheet_dicts(client.get("/console/rewards/reward/consumers/export.csv"), ",")

    assert [(r["First action"], r["Last action"]) for r in rows] == [
        ("2026-11-23 23:30:00+09:00", "2026-11-24 00:30:00+09:00")
    ]


@pytest.mark.django_db(transaction=True)
def test_the_recount_waits_for_a_payment_in_progress_and_counts_it(
    monkeypatch, make_merchant, make_campaign, make_consumer, capsys
):
    """A share being paid (its campaign locked) when the recount after a change of zone starts: the
    recount waits, then counts it; no deadlock, both checks clean."""
    merchant = make_merchant("shibuya", time_zone="Asia/Tokyo")
    campaign = make_campaign(merchant, rules=SHARE_ONLY)
    _share(make_consumer("Ana"), campaign, at=_local("Asia/Tokyo", EVENING, 23, 30))
    Merchant.objects.filter(pk=merchant.pk).update(time_zone="America/Los_Angeles")  # the change committed
    ben = make_consumer("Ben")
    race = Interleaving(monkeypatch, lambda kwargs: bool(kwargs.get("campaign_ids")))

    waited = race.run(
        lambda: _share(
            ben,
            Campaign.objects.select_related("merchant").get(pk=campaign.pk),
            at=_local("Asia/Tokyo", NEXT_DAY, 0, 30),
        ),
        lambda: merchant_days_rebuild(merchant_id=merchant.pk),
    )

    assert waited, "the recount did not wait for the payment's locks: the race did not happen"
    assert not race.errors
    # In Los Angeles both shares (06:30 and 07:30 on the 23rd there) are on one day.
    assert _days(campaign) == {EVENING: (2, Decimal("2.00"))}
    books_are_clean(capsys)


@pytest.mark.django_db
def test_the_rebuild_command_mends_days_counted_in_utc(shops, capsys):
    """What the previous code wrote during the release (UTC days) is counted again by the command."""
    merchant, campaign, _ = shops["shibuya"]
    kept = _days(campaign)
    CampaignDay.objects.filter(campaign=campaign).delete()
    CampaignDay.objects.create(campaign=campaign, day_date=EVENING, rewards=2, rewards_paid=Decimal("2.00"))
    assert not rewards_report().clean

    call_command("rewards_days_rebuild", "--merchant", merchant.slug)

    assert _days(campaign) == kept
    assert "1 merchant(s)" in capsys.readouterr().out
    _clean()
    with pytest.raises(CommandError, match="nowhere"):
        call_command("rewards_days_rebuild", "--merchant", "nowhere")
