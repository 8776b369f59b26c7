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
        page.get_by_label("Their e-mail address, phone number or TikTok handle").fill("ana@example.com")
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
