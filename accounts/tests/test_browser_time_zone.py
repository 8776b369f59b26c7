"""The browser's time zone in a real browser (#23): its script runs under the site's CSP, the first
page view says its times are UTC, the next ones are in the browser's zone; /me/ suggests it; and
the wallet and /me/ read in Spanish on a phone (390 px). Screenshots in ``test-artifacts/``."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from playwright.sync_api import expect

from campaigns.models import ActionType
from rewards.services import action_record, rewards_settle_due
from rewards.tests.conftest import NOW, tracked_post
from social.models import TrackedPost
from support.services import Context, support_request_create
from tikjoy.tests.artefacts import ARTEFACTS
from tikjoy.tests.browser import assert_fits, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE = {"width": 390, "height": 844}
ASKED = datetime(2026, 11, 29, 14, 47, tzinfo=UTC)


def test_a_berlin_browser_reads_utc_once_then_its_own_time_and_spanish_pages_fit_a_phone(
    chromium, live_server, make_merchant, make_campaign, make_consumer
):
    acme = make_merchant("acme", funds="100.00")
    campaign = make_campaign(acme)
    ana = make_consumer("Ana")
    ana.language = "es"
    ana.save(update_fields=["language"])
    post = tracked_post(ana, campaign)
    action_record(
        user=ana,
        merchant=acme,
        action_type=ActionType.SHARE_VIDEO,
        tracked_post=post,
        campaign=campaign,
        now=NOW,
    )
    TrackedPost.objects.filter(pk=post.pk).update(
        status=TrackedPost.Status.GONE, gone_at=NOW + timedelta(days=3)
    )
    rewards_settle_due(now=NOW + timedelta(days=15))
    asked = support_request_create(
        user=ana,
        email="",
        topic="OTHER",
        subject="¿Dónde está mi recompensa?",
        body="Compartí el vídeo ayer.",
        context=Context(page="/wallet/"),
        submission_key="browser-tz",
        language="es",
        now=ASKED,
    )
    context = chromium.new_context(base_url=live_server.url, viewport=PHONE, timezone_id="Europe/Berlin")
    context.set_default_timeout(15_000)
    sign_in(context, ana, live_server.url)
    page = context.new_page()

    page.goto(f"/support/requests/{asked.pk}/")
    expect(page.get_by_text("14:47 UTC")).to_be_visible()  # the first view: the zone is not known yet
    page.reload()
    expect(page.get_by_text("15:47")).to_be_visible()
    expect(page.get_by_text("14:47")).to_have_count(0)
    assert {c["name"]: c["value"] for c in context.cookies()}["tikjoy_tz"] == "Europe/Berlin"

    page.goto("/wallet/")
    reversed_list = page.locator("section[aria-labelledby=reversed-heading]")
    expect(reversed_list).to_contain_text(
        "se eliminó o se hizo privada antes de que terminara el periodo de retención"
    )
    expect(page.get_by_text("deleted or made private")).to_have_count(0)
    assert_fits(page)
    ARTEFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTEFACTS / "wallet-390-es-reversed.png"), full_page=True)

    page.goto("/me/")
    expect(page.locator("#id_time_zone")).to_have_value("Europe/Berlin")
    expect(page.get_by_test_id("time-zone-suggested")).to_contain_text("Berlín (hora de Europa central)")
    assert_fits(page)
    page.screenshot(path=str(ARTEFACTS / "me-390-es-time-zone.png"), full_page=True)
    context.close()
