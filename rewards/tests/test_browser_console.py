"""The console dashboard in a real browser, on a phone (390 px) and a desktop (1280 px).

Two weeks of a merchant's activity go through the engine; the dashboard is opened at both widths,
its figures are checked against the selectors and screenshots are kept as test artefacts in
``test-artifacts/`` (git-ignored; or ``$TIKJOY_TEST_ARTIFACTS``) for a person to look at.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from campaigns.models import ActionType
from rewards import reports
from rewards.services import action_record, snapshot_process
from rewards.tests.conftest import login_rule, share_rule, snapshot, tracked_post
from tikjoy.tests.artefacts import ARTEFACTS
from tikjoy.tests.browser import assert_fits, sign_in
from tikjoy.tests.factories import owner_of
from wallets.formats import money_text

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _two_weeks(merchant, campaign, make_consumer, now):
    """Every day a few people log in; every other day someone shares and the post gains views."""
    for day in range(14):
        at = now - timedelta(days=13 - day, hours=2)
        for n in range(1 + day % 4):
            person = make_consumer(f"Fan {day}-{n}")
            action_record(user=person, merchant=merchant, action_type=ActionType.TIKTOK_LOGIN, now=at)
            if (day + n) % 2 == 0:
                post = tracked_post(person, campaign)
                action_record(
                    user=person,
                    merchant=merchant,
                    action_type=ActionType.SHARE_VIDEO,
                    tracked_post=post,
                    campaign=campaign,
                    now=at,
                )
                views = 800 + 350 * day + 120 * n
                snapshot_process(
                    snapshot_id=snapshot(post, views=views, likes=views // 25, at=at + timedelta(hours=1)).pk,
                    now=at + timedelta(hours=1),
                )


def test_the_dashboard_looks_like_a_product_on_a_phone_and_a_desktop(
    page, live_server, make_merchant, make_campaign, make_consumer
):
    now = timezone.now()
    merchant = make_merchant("joy", funds="500.00", brand_name="Joy Coffee", country="FR")
    campaign = make_campaign(
        merchant,
        rules=[login_rule(), share_rule()],
        starts_at=now - timedelta(days=40),
        ends_at=now + timedelta(days=40),
    )
    # Yesterday afternoon as the last day: each day's share and its views fall on the same calendar
    # day whatever the hour the test runs (just after midnight, "2 hours ago" is yesterday evening
    # and its views would land today: a 15th bar).
    _two_weeks(
        merchant,
        campaign,
        make_consumer,
        timezone.localtime(now).replace(hour=14, minute=0) - timedelta(days=1),
    )
    ARTEFACTS.mkdir(parents=True, exist_ok=True)
    sign_in(page, owner_of(merchant), live_server.url)
    days = reports.merchant_daily(
        merchant=merchant, window=reports.Window.ending(now=timezone.now(), days=30, merchant=merchant)
    )
    totals = reports.totals_of(days, "EUR")

    for width, height in ((390, 844), (1280, 900)):
        page.set_viewport_size({"width": width, "height": height})
        page.goto("/console/")
        expect(page.get_by_role("heading", name="Joy Coffee", exact=True)).to_be_visible()
        expect(page.locator('[data-total="rewards"]')).to_have_text(
            money_text(totals.rewards_paid, language="en")
        )
        expect(page.locator('[data-total="consumers"]')).to_have_text(str(totals.new_consumers))
        expect(page.locator('[data-chart="rewards"] rect.bar:not([height="0.0"])')).to_have_count(14)
        expect(page.locator('[data-step="poster"]')).to_be_visible()  # the checklist: no poster scan yet
        # Nothing is wider than the screen (a phone scrolls down, never sideways).
        assert_fits(page, "the dashboard")
        page.screenshot(path=str(ARTEFACTS / f"console-dashboard-{width}.png"), full_page=True)

    page.goto(f"/console/campaigns/campaign/{campaign.pk}/report/")
    expect(page.locator('[data-figure="consumers"]')).to_have_text(str(totals.new_consumers))
    page.screenshot(path=str(ARTEFACTS / "console-campaign-report-1280.png"), full_page=True)
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto("/console/wallet/")
    expect(page.get_by_text("Reward paid to a consumer").first).to_be_visible()
    page.screenshot(path=str(ARTEFACTS / "console-wallet-390.png"), full_page=True)
    page.goto("/console/rewards/reward/?status__exact=PENDING")
    expect(page.get_by_role("link", name="Export these rows (CSV)")).to_have_attribute(
        "href", "/console/rewards/reward/export.csv?status__exact=PENDING"
    )
    page.screenshot(path=str(ARTEFACTS / "console-rewards-list-390.png"), full_page=False)
