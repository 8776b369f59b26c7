"""Diagnostics in a real browser, on a phone (390 px) and a desktop (1280 px): a merchant whose campaign ran
out of funds finds the consumer who got nothing, reads "funds ran out" with the top-up that fixes it, and
the campaign's check list says the same. Screenshots go to ``test-artifacts/``."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from campaigns.models import ActionType
from merchants.models import ConsentField
from merchants.services import consent_give
from rewards.services import action_record
from tikjoy.tests.artefacts import ARTEFACTS
from tikjoy.tests.browser import assert_fits, sign_in
from tikjoy.tests.factories import login_rule, owner_of

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_merchant_out_of_funds_sees_why_and_the_top_up_that_fixes_it(
    page, live_server, make_merchant, make_campaign, make_consumer, ops
):
    now = timezone.now()
    merchant = make_merchant("joycoffee", funds="0.60", ops=ops, brand_name="Joy Coffee")
    make_campaign(
        merchant, rules=[login_rule()], name="Joy launch", starts_at=now - timedelta(days=1), now=now
    )
    action_record(user=make_consumer("Ben"), merchant=merchant, action_type=ActionType.TIKTOK_LOGIN, now=now)
    ana = make_consumer("Ana")
    ana.email = "ana@example.com"
    ana.save(update_fields=["email"])
    consent_give(user=ana, merchant=merchant, fields=[ConsentField.DISPLAY_NAME, ConsentField.EMAIL], now=now)
    action_record(user=ana, merchant=merchant, action_type=ActionType.TIKTOK_LOGIN, now=now)
    sign_in(page, owner_of(merchant), live_server.url)

    for width, height in ((390, 844), (1280, 900)):
        page.set_viewport_size({"width": width, "height": height})
        page.goto("/console/")
        page.get_by_role("link", name="Diagnostics").click()
        page.get_by_label("Their name, e-mail address, phone number or TikTok handle").fill("ana@example.com")
        page.get_by_role("button", name="Find").click()
        page.get_by_role("link", name="Ana").click()

        line = page.locator('[data-reason="FUNDS_RAN_OUT"]')
        expect(line).to_contain_text("The prepaid funds ran out")
        expect(line).to_contain_text(
            "Your prepaid funds ran out: the reward cost €0.50 and your wallet held €0.10."
        )
        expect(line).to_contain_text("Top up your wallet: you need at least €0.40 more.")
        expect(line.get_by_role("link", name="Add funds")).to_have_attribute(
            "href", "/console/wallet/add-funds/"
        )
        assert_fits(page, "the consumer's diagnosis")
        page.screenshot(path=str(ARTEFACTS / f"console-diagnostics-consumer-{width}.png"), full_page=True)

        page.goto("/console/diagnostics/")
        page.get_by_role("link", name="Joy launch").click()
        expect(page.locator('[data-check="status"]')).to_contain_text(
            "Paused by TikJoy: your prepaid funds ran out."
        )
        expect(page.locator('[data-check="funds"]')).to_contain_text("you need at least €0.40 more")
        expect(page.locator('[data-reason="FUNDS_RAN_OUT"] [data-count]')).to_have_attribute(
            "data-count", "1"
        )
        assert_fits(page, "the campaign's diagnosis")
        page.screenshot(path=str(ARTEFACTS / f"console-diagnostics-campaign-{width}.png"), full_page=True)


def test_the_german_pages_say_what_is_true_now(
    page, live_server, make_merchant, make_campaign, make_consumer, ops
):
    """Items of issue #23 in German at 1280 px: an available reward, an ended campaign, the caption rule."""
    from campaigns import services as campaign_services
    from campaigns.models import Campaign
    from rewards.services import reward_settle
    from tikjoy.tests.factories import share_rule

    now = timezone.now()
    merchant = make_merchant("joycoffee", funds="50.00", ops=ops, brand_name="Joy Coffee")
    owner = owner_of(merchant)
    ended = make_campaign(
        merchant,
        rules=[login_rule()],
        name="Joy autumn",
        starts_at=now - timedelta(days=40),
        ends_at=None,
        now=now,
    )
    ben = make_consumer("Ben Consumer")
    consent_give(user=ben, merchant=merchant, fields=[ConsentField.DISPLAY_NAME], now=now)
    reward = action_record(
        user=ben, merchant=merchant, action_type=ActionType.TIKTOK_LOGIN, now=now - timedelta(days=30)
    ).rewards.get()
    reward_settle(reward_id=reward.pk, now=reward.available_at + timedelta(hours=1))
    campaign_services.campaign_end(campaign=ended, actor=owner)
    live = make_campaign(
        merchant,
        rules=[share_rule()],
        name="Joy winter",
        hashtag="joycoffeewinter",
        mention="joycoffee.demo",
        now=now,
    )
    page.set_extra_http_headers({"Accept-Language": "de"})
    sign_in(page, owner, live_server.url)
    page.set_viewport_size({"width": 1280, "height": 900})

    page.goto("/console/diagnostics/?q=Ben+Consumer")
    page.locator('[data-list="found"] a').first.click()
    line = page.locator('[data-reason="PAID"]')
    expect(line).to_contain_text("die Prämie ist für die Person verfügbar")
    expect(line).not_to_contain_text("Wartezeit")
    page.screenshot(path=str(ARTEFACTS / "console-diagnostics-consumer-de-1280.png"), full_page=True)

    page.goto(f"/console/diagnostics/campaigns/{ended.pk}/")
    dates = page.locator('[data-check="dates"]')
    expect(dates).to_contain_text("bis sie am")
    expect(dates).not_to_contain_text("Läuft seit")
    expect(page.locator('[data-reason="PAID"]')).to_contain_text("die Prämie ist für die Person verfügbar")
    page.screenshot(path=str(ARTEFACTS / "console-diagnostics-ended-de-1280.png"), full_page=True)

    page.goto(f"/console/diagnostics/campaigns/{live.pk}/")
    expect(page.locator("#content-main")).to_contain_text("#joycoffeewinter oder @joycoffee.demo")
    assert_fits(page, "the campaign's diagnosis in German")
    page.screenshot(path=str(ARTEFACTS / "console-diagnostics-campaign-de-1280.png"), full_page=True)
    assert Campaign.objects.get(pk=ended.pk).status == "ENDED"
