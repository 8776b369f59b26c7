"""The thank-you-page tag in Chromium (Playwright): a visitor clicks an affiliate's link, lands on the demo
shop (another site than TikJoy's), buys; the tag on the order page reports the sale; the affiliate sees it
held until the shop's server confirms it, then pending."""

from __future__ import annotations

import json
import urllib.request

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from accounts.services import user_ensure_with_email
from affiliates import services
from affiliates.models import CommissionState, Conversion, ConversionSource
from affiliates.tests.conftest import assert_ledger_clean
from api.demo import demo_shop_origin, demo_widget_seed
from api.models import KeyKind, Scope
from api.services import api_key_create
from tikjoy.tests.factories import MerchantFactory, UserFactory, affiliate_program_make, owner_of

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "a-long-pass-phrase-42"
PHONE = "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0 Mobile Safari/537.36"


def _server_confirms(base_url: str, key: str, order_id: str) -> dict:
    """The shop's server reports the same order (the documented wire format): it confirms the tag's."""
    body = {
        "order_id": order_id,
        "amount": "24.00",
        "currency": "EUR",
        "occurred_at": timezone.now().isoformat(),
    }
    request = urllib.request.Request(  # noqa: S310 - the live test server
        f"{base_url}/api/v1/conversions",
        data=json.dumps({**body, "customer_id": "shopper-1"}).encode(),
        headers={
            "Authorization": f"Bearer {key}",
            "Content-Type": "application/json",
            "Idempotency-Key": order_id,
        },
        method="POST",
    )
    with urllib.request.urlopen(request) as response:  # noqa: S310
        assert response.status == 200
        return json.load(response)


def test_a_sale_in_the_demo_shop_is_reported_by_its_thank_you_page_and_seen_by_the_affiliate(
    page: Page, sandbox
):
    now = timezone.now()
    joy = MerchantFactory(
        slug="joycoffee",
        brand_name="Joy Coffee",
        funds="100.00",
        ops=UserFactory(email="ops@tikjoy.example", is_staff=True),
    )
    demo_widget_seed(merchant=joy, owner=owner_of(joy), now=now)  # the shop's publishable key
    shop = demo_shop_origin()
    program = affiliate_program_make(joy, domains=[shop.split("://")[1].split(":")[0]], now=now)
    pia, _ = user_ensure_with_email(email="pia@creator.example", password=PASSWORD)
    affiliate = services.affiliate_apply(
        program=program, user=pia, website="https://www.tiktok.com/@pia", promotion_plan="Reviews", now=now
    )
    affiliate = services.affiliate_decide(
        affiliate_id=affiliate.pk, status="APPROVED", reason="", actor=owner_of(joy), now=now
    )
    link = services.link_create(affiliate=affiliate, destination=f"{shop}/embed/demo-shop/", now=now)

    # A shopper on a phone clicks Pia's link, lands on the shop (the tag keeps the click id), and buys.
    visitor = page.context.browser.new_context(user_agent=PHONE)
    shopper = visitor.new_page()
    shopper.goto(f"{sandbox.url}/r/{link.code}")
    assert shopper.url.startswith(f"{shop}/embed/demo-shop/?tj_click=")
    expect(shopper.locator('script[data-tikjoy="affiliate-tag"]')).to_have_attribute(
        "data-tikjoy-status", "stored"
    )
    shopper.get_by_role("button", name="Buy now").click()
    expect(shopper.get_by_role("heading", name="Thank you for your order")).to_be_visible()
    expect(shopper.locator('script[data-tikjoy="affiliate-tag"]')).to_have_attribute(
        "data-tikjoy-status", "recorded"
    )
    order_id = shopper.url.split("order=")[1]
    shopper.reload()  # a reload reports nothing twice
    expect(shopper.locator('script[data-tikjoy="affiliate-tag"]')).to_have_attribute(
        "data-tikjoy-status", "recorded"
    )
    visitor.close()
    conversion = Conversion.objects.get()
    assert (conversion.order_id, conversion.source) == (order_id, ConversionSource.TAG)
    assert conversion.commission.state == CommissionState.HELD

    # Pia sees the sale, held until the shop confirms it.
    page.goto(f"{sandbox.url}/accounts/login/")
    page.get_by_label("Email").fill("pia@creator.example")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign In").click()
    page.goto(f"{sandbox.url}/affiliates/{program.pk}/")
    row = page.get_by_test_id("commission").filter(has_text=order_id)
    expect(row).to_contain_text("Held for review")
    expect(row).to_contain_text("goes on once the shop confirms the order")
    expect(page.locator('[data-figure="pending"]')).to_have_text("€40.00")

    # The shop's server reports the same order: confirmed, it goes on as pending.
    _, secret = api_key_create(
        merchant=joy,
        name="shop server",
        kind=KeyKind.SECRET,
        scope=Scope.WRITE,
        expires_at=None,
        actor=owner_of(joy),
        now=timezone.now(),
    )
    answer = _server_confirms(sandbox.url, secret, order_id)
    assert answer["commission"]["state"] == "pending"
    page.reload()
    expect(page.get_by_test_id("commission").filter(has_text=order_id)).to_contain_text("Pending")
    assert_ledger_clean()
