"""Ops review a held reward in a real browser (Playwright): Approve on the row, Reject with a reason
from the reward's page, the message each time, then the diagnostics page says the books hold."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from campaigns.models import ActionType
from rewards.models import Reward, RewardStatus
from rewards.services import action_record
from rewards.tests.conftest import NOW
from tikjoy.tests.artefacts import ARTEFACTS
from tikjoy.tests.browser import assert_fits, sign_in
from tikjoy.tests.factories import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_ops_approve_and_reject_held_rewards_in_the_browser(
    page: Page, ops, make_merchant, make_campaign, make_consumer
):
    ops.is_superuser = True
    ops.save(update_fields=["is_superuser"])
    merchant = make_merchant()
    make_campaign(merchant)
    for name in ("Ann Phone", "Ben Phone", "Cal Phone"):  # one phone, three people
        action_record(
            user=make_consumer(name),
            merchant=merchant,
            action_type=ActionType.TIKTOK_LOGIN,
            now=NOW,
            device_id="p1",
        )
    first, second = Reward.objects.filter(status=RewardStatus.HELD).order_by("pk")

    page.goto("/ops/login/?next=/ops/rewards/heldreward/")
    page.locator("#id_username").fill(ops.email)
    page.locator("#id_password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("heading", name="Select held reward (review queue) to view")).to_be_visible()

    page.locator(f"tr:has(a[href$='/{first.pk}/change/'])").get_by_role("button", name="Approve").click()
    expect(page.get_by_text(f"Reward #{first.pk} approved:")).to_be_visible()

    page.goto(f"/ops/rewards/heldreward/{second.pk}/change/")
    expect(page.get_by_text("Who shares this person's devices")).to_be_visible()
    expect(page.get_by_role("link", name="Ann Phone")).to_be_visible()
    page.get_by_role("link", name="Reject…").click()
    page.get_by_label("Reason").fill("One phone, three people.")
    page.get_by_role("button", name="Reject held reward").click()
    expect(page.get_by_text(f"Reward #{second.pk} rejected:")).to_be_visible()

    first.refresh_from_db()
    second.refresh_from_db()
    assert (first.status, second.status) == (RewardStatus.PENDING, RewardStatus.REVERSED)

    page.goto("/ops/")
    page.get_by_role("link", name="Diagnostics").click()
    expect(page.get_by_text("All invariants hold.")).to_have_count(2)


def test_a_held_rewards_page_fits_a_phone(
    page: Page, live_server, ops, make_merchant, make_campaign, make_consumer
):
    """#23: the table of who shares the devices made the page 538 px wide on a 390 px phone; it scrolls
    inside its own box now and the page fits."""
    ops.is_superuser = True
    ops.language = "es"  # Spanish was the widest
    ops.save(update_fields=["is_superuser", "language"])
    merchant = make_merchant()
    make_campaign(merchant)
    for name in ("Annabella Longname-Phonesharer", "Ben Phone"):
        action_record(
            user=make_consumer(name),
            merchant=merchant,
            action_type=ActionType.TIKTOK_LOGIN,
            now=NOW,
            device_id="p1",
        )
    held = Reward.objects.filter(status=RewardStatus.HELD).order_by("pk").last()
    ARTEFACTS.mkdir(parents=True, exist_ok=True)
    sign_in(page, ops, live_server.url)
    page.set_viewport_size({"width": 390, "height": 844})

    page.goto(f"/ops/rewards/heldreward/{held.pk}/change/")
    page.screenshot(path=str(ARTEFACTS / "ops-held-reward-390.png"), full_page=True)

    expect(page.get_by_role("link", name="Annabella Longname-Phonesharer")).to_be_attached()
    assert_fits(page, "the held reward's page")
