"""The posts' engagement a merchant sees (issue #16): kept where the snapshots are written, not
recomputed from every snapshot. Each snapshot keeps its gain over the post's previous one, each post
its latest counts (social), each campaign its gains per day (``PostEngagementDay``, rewards); the
dashboard and a campaign's report read those few rows. The figures are checked against values
worked out by hand, with a snapshot that arrives after a later one, a duplicate, a count that drops,
a share recorded after its post's first snapshot and a share whose reward was reversed."""

from __future__ import annotations

import threading
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from decimal import Decimal
from importlib import import_module

import pytest
from django.apps import apps
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection, connections, transaction
from moneyed import Money

from campaigns.models import ActionType
from rewards import reports
from rewards.models import PostEngagementDay, Reward, RewardKind
from rewards.reconciliation import rewards_report
from rewards.selectors import merchant_reward_figures
from rewards.services import action_record, reward_reverse
from rewards.tests.conftest import NOW, owner_of, share_rule, snapshot, tracked_post
from social.models import EngagementSnapshot, TrackedPost
from social.services import EngagementCounts, engagement_snapshots_record
from tikjoy.tests.factories import response_text
from wallets.formats import money_text, number_text

DAY = NOW.date()
SHARE_ONLY = [share_rule(amount=Decimal("1.00"), per_1000_views=0, per_like=0, per_comment=0, per_share=0)]


def _share(person, merchant, campaign, post, *, now=NOW):
    return action_record(
        user=person,
        merchant=merchant,
        action_type=ActionType.SHARE_VIDEO,
        tracked_post=post,
        campaign=campaign,
        now=now,
    )


@pytest.fixture
def lumen(make_merchant, make_campaign, make_consumer, ops):
    """Lumen's campaign pays 1.00 a share (nothing for engagement), and three people shared:

    - Ana's post: 1,000 views, 10 likes, 2 comments, 1 share on day 1; 4,000 / 30 / 5 / 1 on day 3;
      then the sync that started on day 2 (2,500 / 20 / 3 / 2) finishes, after day 3's; then day 3's
      counts once more (a duplicate). Gains: day 1 (1,000, 10, 2, 1), day 2 (1,500, 10, 1, 1),
      day 3 (1,500, 10, 2, -1).
    - Ben's post: 800 / 5 / 1 / 0 on day 1, 1,200 / 4 / 1 / 0 on day 3 (someone unliked);
      ops reversed his share's reward.
    - Cleo's post was seen (300 / 3 / 0 / 0 on day 1) before her share was recorded.
    """
    merchant = make_merchant("lumen")
    campaign = make_campaign(merchant, rules=SHARE_ONLY)
    ana, ben, cleo = make_consumer("Ana"), make_consumer("Ben"), make_consumer("Cleo")
    day2, day3 = NOW + timedelta(days=1), NOW + timedelta(days=2)

    ana_post = tracked_post(ana, campaign)
    _share(ana, merchant, campaign, ana_post)
    snapshot(ana_post, views=1_000, likes=10, comments=2, shares=1, at=NOW)
    snapshot(ana_post, views=4_000, likes=30, comments=5, shares=1, at=day3)
    snapshot(ana_post, views=2_500, likes=20, comments=3, shares=2, at=day2)  # arrives late
    snapshot(ana_post, views=4_000, likes=30, comments=5, shares=1, at=day3)  # the same again

    ben_post = tracked_post(ben, campaign)
    _share(ben, merchant, campaign, ben_post)
    snapshot(ben_post, views=800, likes=5, comments=1, at=NOW)
    snapshot(ben_post, views=1_200, likes=4, comments=1, at=day3)
    bens = Reward.objects.get(action__tracked_post=ben_post, kind=RewardKind.ACTION)
    reward_reverse(reward_id=bens.pk, reason="Not our product", actor=ops, now=NOW + timedelta(hours=1))

    cleo_post = tracked_post(cleo, campaign)
    snapshot(cleo_post, views=300, likes=3, at=NOW)
    _share(cleo, merchant, campaign, cleo_post)
    return merchant


@pytest.mark.django_db
def test_each_snapshot_keeps_its_gain_and_each_post_its_latest_counts(lumen):
    post = TrackedPost.objects.get(user__display_name="Ana")
    gains = [
        (s.taken_at.date(), s.views_added, s.likes_added, s.comments_added, s.shares_added)
        for s in post.snapshots.order_by("taken_at", "pk")
    ]

    assert gains == [
        (DAY, 1_000, 10, 2, 1),
        (DAY + timedelta(days=1), 1_500, 10, 1, 1),  # the late one: over day 1's
        (DAY + timedelta(days=2), 1_500, 10, 2, -1),  # day 3's, now over day 2's
        (DAY + timedelta(days=2), 0, 0, 0, 0),  # the duplicate adds nothing
    ]
    assert (post.latest_views, post.latest_likes, post.latest_comments, post.latest_shares) == (
        4_000,
        30,
        5,
        1,
    )
    assert post.latest_at == NOW + timedelta(days=2)
    assert rewards_report().clean


@pytest.mark.django_db
def test_the_dashboard_shows_the_posts_latest_counts_and_their_cost_per_1000_views(client, lumen):
    figures = merchant_reward_figures(merchant=lumen, now=NOW + timedelta(days=2))

    # Latest counts: Ana 4,000 / 30 / 5 / 1, Ben 1,200 / 4 / 1 / 0, Cleo 300 / 3 / 0 / 0.
    assert (
        figures["post_views"],
        figures["post_likes"],
        figures["post_comments"],
        figures["post_shares"],
    ) == (5_500, 37, 6, 1)
    # What the share rule spent: Ana's and Cleo's 1.00 (Ben's was reversed), for 5,500 views:
    # 2.00 x 1,000 / 5,500 = 0.3636 -> 0.36.
    assert figures["cost_per_1000_views"] == Money("0.36", "EUR")

    client.force_login(owner_of(lumen))
    body = response_text(client.get("/console/"))
    # In the reader's language (English here), though Lumen is German like every merchant of make_merchant.
    for name, value in (("views", 5_500), ("likes", 37), ("comments", 6), ("shares", 1)):
        assert f'<dd data-figure="{name}">{number_text(value, language="en")}</dd>' in body
    assert f'<dd data-figure="cpm">{money_text(Money("0.36", "EUR"), language="en")}</dd>' in body


@pytest.mark.django_db
def test_the_views_per_day_are_what_the_snapshots_of_each_day_gained(lumen):
    window = reports.Window.ending(now=NOW + timedelta(days=2, hours=3), days=7, merchant=lumen)
    campaign = lumen.campaigns.get()

    for days in (
        reports.merchant_daily(merchant=lumen, window=window),
        reports.campaign_daily(campaign=campaign, window=window),
    ):
        by_day = {d.day: (d.views, d.cost_per_1000_views) for d in days}
        # Day 1: Ana 1,000 + Ben 800 + Cleo 300, and the two shares not reversed (2.00): 0.952 -> 0.95.
        assert by_day[DAY] == (2_100, Decimal("0.95"))
        assert by_day[DAY + timedelta(days=1)] == (1_500, Decimal("0.00"))  # Ana's late snapshot
        assert by_day[DAY + timedelta(days=2)] == (1_900, Decimal("0.00"))  # Ana 1,500 + Ben 400
        assert by_day[DAY - timedelta(days=1)] == (0, None)
        totals = reports.totals_of(days, "EUR")
        assert (totals.views, totals.cost_per_1000_views) == (5_500, Money("0.36", "EUR"))


@pytest.mark.django_db
def test_a_campaigns_report_shows_its_posts_engagement(client, lumen):
    campaign = lumen.campaigns.get()
    summary = reports.campaign_summary(campaign=campaign)

    assert (summary.views, summary.likes, summary.comments, summary.shares) == (5_500, 37, 6, 1)
    assert summary.cost_per_1000_views == Money("0.36", "EUR")

    client.force_login(owner_of(lumen))
    body = response_text(client.get(f"/console/campaigns/campaign/{campaign.pk}/report/"))
    assert '<dd data-figure="views">5,500</dd>' in body
    assert '<dd data-figure="likes">37</dd>' in body
    assert '<dd data-figure="comments">6</dd>' in body
    assert '<dd data-figure="shares">1</dd>' in body
    assert '<dd data-figure="cpm">€0.36</dd>' in body


@pytest.mark.django_db
def test_a_share_without_a_campaign_counts_for_its_merchant(make_merchant, make_campaign, make_consumer):
    merchant = make_merchant("lumen")
    campaign = make_campaign(merchant, rules=SHARE_ONLY, activate=False)  # nothing live: no campaign
    ana = make_consumer("Ana")
    post = tracked_post(ana, campaign)
    action = action_record(
        user=ana, merchant=merchant, action_type=ActionType.SHARE_VIDEO, tracked_post=post, now=NOW
    )
    snapshot(post, views=700, likes=7, comments=1, shares=1, at=NOW)

    assert action.campaign_id is None
    assert merchant_reward_figures(merchant=merchant, now=NOW)["post_views"] == 700
    assert reports.campaign_summary(campaign=campaign).views == 0
    assert rewards_report().clean


@pytest.mark.django_db
def test_rewards_check_reports_engagement_figures_that_drifted_from_the_snapshots(lumen):
    post = TrackedPost.objects.get(user__display_name="Ana")
    EngagementSnapshot.objects.filter(post=post, taken_at=NOW).update(views_added=999)
    TrackedPost.objects.filter(pk=post.pk).update(latest_likes=31)
    PostEngagementDay.objects.filter(merchant=lumen, day_date=DAY + timedelta(days=1)).update(views=1)
    PostEngagementDay.objects.filter(merchant=lumen, day_date=DAY + timedelta(days=2)).delete()

    violations = rewards_report().violations

    assert any(v.startswith("gain of snapshot") and f"of post {post.pk}:" in v for v in violations)
    assert any(v.startswith(f"latest counts of post {post.pk}:") for v in violations)
    assert any(
        v.startswith(f"engagement on {DAY + timedelta(days=1)} of merchant/campaign") for v in violations
    )
    assert any(
        v.startswith(f"engagement on {DAY + timedelta(days=2)} of merchant/campaign") and "missing" in v
        for v in violations
    )
    with pytest.raises(CommandError):
        call_command("rewards_check")


@pytest.mark.django_db
def test_the_migrations_fill_the_figures_of_the_snapshots_there_were(lumen):
    """What migrations social 0008 and rewards 0013 do to the snapshots written before them: the same
    figures as the engine keeps."""
    kept = {
        "gains": list(
            EngagementSnapshot.objects.order_by("pk").values_list("pk", "views_added", "likes_added")
        ),
        "latest": list(TrackedPost.objects.order_by("pk").values_list("pk", "latest_views", "latest_at")),
        "days": sorted(PostEngagementDay.objects.values_list("campaign_id", "day_date", "views", "shares")),
    }
    EngagementSnapshot.objects.update(views_added=0, likes_added=0, comments_added=0, shares_added=0)
    TrackedPost.objects.update(
        latest_views=0, latest_likes=0, latest_comments=0, latest_shares=0, latest_at=None
    )
    PostEngagementDay.objects.all().delete()
    assert not rewards_report().clean

    social = import_module("social.migrations.0008_engagement_figures")
    with connection.cursor() as cursor:
        cursor.execute(social.GAINS)
        cursor.execute(social.LATEST)
    import_module("rewards.migrations.0013_post_engagement_days").post_engagement_days(apps, None)

    assert (
        list(EngagementSnapshot.objects.order_by("pk").values_list("pk", "views_added", "likes_added"))
        == (kept["gains"])
    )
    assert (
        list(TrackedPost.objects.order_by("pk").values_list("pk", "latest_views", "latest_at"))
        == kept["latest"]
    )
    assert (
        sorted(PostEngagementDay.objects.values_list("campaign_id", "day_date", "views", "shares"))
        == kept["days"]
    )
    assert rewards_report().clean


@pytest.mark.django_db(transaction=True)
def test_two_syncs_of_one_post_at_once_count_its_views_once(make_merchant, make_campaign, make_consumer):
    merchant = make_merchant("lumen")
    campaign = make_campaign(merchant, rules=SHARE_ONLY)
    ana = make_consumer("Ana")
    post = tracked_post(ana, campaign)
    _share(ana, merchant, campaign, post)
    first_written = threading.Event()

    def record(n: int) -> None:
        engagement_snapshots_record(
            counts={post.pk: EngagementCounts(views=1_000 * (n + 1), likes=n, comments=0, shares=0)},
            taken_at=NOW + timedelta(hours=n),
        )

    def first() -> None:
        try:
            with transaction.atomic():
                record(0)
                first_written.set()
                _until_a_session_waits_for_a_lock()  # the second sync is at the post's row: commit
        finally:
            connection.close()

    def second() -> None:
        try:
            first_written.wait(timeout=10)
            record(1)  # while the first has written but not committed
        finally:
            connection.close()

    with ThreadPoolExecutor(max_workers=2) as pool:
        for done in [pool.submit(first), pool.submit(second)]:
            done.result()

    # The second measured its gain from the first (2,000 views in all), not from nothing (3,000).
    assert merchant_reward_figures(merchant=merchant, now=NOW)["post_views"] == 2_000
    post.refresh_from_db()
    assert (post.latest_views, post.latest_at) == (2_000, NOW + timedelta(hours=1))
    assert rewards_report().clean


def _until_a_session_waits_for_a_lock(timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with connections["default"].cursor() as cursor:
            cursor.execute(
                "SELECT 1 FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND datname = current_database()"
            )
            if cursor.fetchone():
                return
        time.sleep(0.05)
