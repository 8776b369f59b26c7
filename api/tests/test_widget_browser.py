"""The widget on a shop's page, in Chromium: the offer, the sign-in, and refusal elsewhere (Playwright).

The shop is the demo shop of ``make run`` at http://127.0.0.1:<port>, another site than TikJoy's
http://localhost:<port>, holding the one script tag a merchant pastes.
"""

from __future__ import annotations

import re
from decimal import Decimal
from importlib import import_module
from urllib.parse import urlencode

import pytest
from django.apps import apps
from django.utils import timezone
from playwright.sync_api import expect

from api.demo import demo_shop_origin, demo_widget_seed
from api.models import WidgetPass
from api.selectors import demo_publishable_key
from campaigns.models import ActionType
from merchants.models import TouchpointKind
from rewards.models import SocialAction
from tikjoy.tests.artefacts import ARTEFACTS
from tikjoy.tests.factories import PASSWORD, MerchantFactory, UserFactory, campaign_make, owner_of

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PERSONA = "Ana Dances"


@pytest.fixture
def joy_coffee(sandbox):
    """Joy Coffee with a live campaign and the demo's widget (a publishable key; the demo shop's
    origin as a website touchpoint)."""
    import_module("campaigns.migrations.0002_platform_defaults").create_defaults(apps, None)
    now = timezone.now()
    merchant = MerchantFactory(
        slug="joycoffee",
        brand_name="Joy Coffee",
        funds="100.00",
        ops=UserFactory(email="ops@tikjoy.example", is_staff=True),
    )
    campaign_make(
        merchant,
        now=now,
        name="Morning JoyBack",
        rules=[{"action": ActionType.TIKTOK_LOGIN, "is_enabled": True, "amount": Decimal("1.00")}],
    )
    demo_widget_seed(merchant=merchant, owner=owner_of(merchant), now=now)
    return {
        "merchant": merchant,
        "shop": demo_shop_origin() + "/embed/demo-shop/",
        "key": demo_publishable_key(),
    }


def test_a_shopper_opens_the_widget_sees_the_offer_and_signs_in_with_tiktok(page, joy_coffee):
    page.goto(joy_coffee["shop"])

    page.get_by_role("button", name="JoyBack").click()

    frame = page.frame_locator('iframe[title="TikJoy"]')
    expect(frame.get_by_role("heading", name="Morning JoyBack")).to_be_visible()
    # What the shopper earns (the 1.00 EUR price less TikJoy's margin), as the brand page says it.
    expect(frame.locator('[data-action="TIKTOK_LOGIN"]')).to_contain_text("€0.80")
    # The frame said "ready" by postMessage, and the script took it (origin and source checked).
    expect(page.locator('iframe[data-tikjoy="frame"]')).to_have_attribute("data-state", "ready")

    with page.context.expect_page() as opened:
        frame.get_by_role("link", name="Continue with TikTok").click()
    brand = opened.value
    brand.get_by_role("button", name="Continue with TikTok").click()
    brand.get_by_role("button", name=f"Authorize as {PERSONA}").click()
    brand.wait_for_url("**/b/joycoffee/join/")
    brand.get_by_role("button", name="Agree and continue").click()
    brand.wait_for_url("**/wallet/")
    expect(brand.get_by_text("You joined Joy Coffee.")).to_be_visible()
    action = SocialAction.objects.get()
    assert action.touchpoint.name == "Demo shop"  # the join counts as from the website

    # Back in the shop: the frame (another site's frame) can't see TikJoy's session, so it asks.
    brand.close()
    expect(frame.get_by_text("Sign in on Joy Coffee")).to_be_visible()
    with page.context.expect_page() as opened:
        frame.get_by_role("button", name="Already earning? Show my balance here").click()
    connect = opened.value
    expect(connect.get_by_role("heading", name="Show your balance on")).to_contain_text(
        joy_coffee["shop"].split("/embed")[0]
    )
    connect.get_by_role("button", name="Show it").click()
    expect(connect.get_by_text("now shows in the widget")).to_be_visible()
    connect.close()
    # The frame polled, got its own (partitioned) cookie and shows the balance: 0.80 EUR for the join.
    expect(frame.locator('[data-figure="balance"]')).to_have_text(re.compile(r"€\s?0\.80"), timeout=15_000)
    page.screenshot(path=str(ARTEFACTS / "widget-balance-in-the-shop.png"))

    # The close button in the frame asks the host page, by message, to close it. The click is
    # dispatched rather than driven: the host removes the frame while Playwright still waits on the
    # frame for the click to settle, which can hang until its timeout under load.
    close = frame.get_by_role("button", name="Close")
    expect(close).to_be_visible()
    close.dispatch_event("click")
    expect(page.locator('iframe[data-tikjoy="frame"]')).to_have_count(0)


def test_the_frame_refuses_to_load_on_a_site_that_is_not_the_brands(page, sandbox, joy_coffee):
    joy_coffee["merchant"].touchpoints.filter(kind=TouchpointKind.WEBSITE).update(
        url="https://joycoffee.example"
    )
    refusals = []
    page.on(
        "console",
        lambda message: refusals.append(message.text) if "frame-ancestors" in message.text else None,
    )

    # The demo shop is no longer one of the brand's sites: the widget's frame is refused.
    page.goto(joy_coffee["shop"])
    page.get_by_role("button", name="JoyBack").click()
    expect(page.locator('iframe[data-tikjoy="frame"]')).to_have_count(1)
    # And a frame that pretends the page is the brand's site is refused by the browser itself.
    forged = f"{sandbox.url}/embed/v1/frame?key={joy_coffee['key']}&origin=https%3A%2F%2Fjoycoffee.example"
    page.evaluate(
        "src => { const f = document.createElement('iframe'); f.title = 'forged'; f.src = src;"
        " document.body.appendChild(f); }",
        forged,
    )
    page.wait_for_timeout(1500)

    for frame in page.frames[1:]:
        assert "Morning JoyBack" not in frame.content()
    assert len(refusals) >= 2, refusals  # both frames refused by the browser (frame-ancestors)
    expect(page.locator('iframe[data-tikjoy="frame"]')).to_have_attribute("data-state", "loading")


def test_a_connect_link_sent_through_the_sign_in_page_cant_grant(page, joy_coffee):
    """Someone picks a nonce and sends a person TikJoy's own sign-in link, with the connect page as
    where to go next. Back from signing in, the browser says "same-origin" (the whole redirect chain
    is TikJoy's), yet the page wasn't opened by the widget's frame: it must not offer to grant."""
    fan = UserFactory(email="fan@example.com")
    fan.phone = "+4915112345678"  # a consumer (WhatsApp) who also signs in with e-mail and password
    fan.save(update_fields=["phone"])
    nonce = "a" * 32  # the sender's pick
    shop_origin = joy_coffee["shop"].split("/embed")[0]
    connect = "/embed/v1/connect?" + urlencode({"key": joy_coffee["key"], "origin": shop_origin, "n": nonce})

    page.goto("/accounts/login/?" + urlencode({"next": connect}))
    page.locator("input[name=login]").fill(fan.email)
    page.locator("input[name=password]").fill(PASSWORD)
    page.locator("input[name=password]").press("Enter")
    page.wait_for_url("**/embed/v1/connect?**")

    expect(page.get_by_text("this page didn't come from it")).to_be_visible()
    expect(page.get_by_role("button", name="Show it")).to_have_count(0)
    assert not WidgetPass.objects.exists()
