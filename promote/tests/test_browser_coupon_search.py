"""The console coupon form's consumer search as the merchant sees it (Playwright): typing finds
the brand's consumers by what they shared, the list follows, and the coupon goes to the one
chosen."""

from __future__ import annotations

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from accounts.models import User
from merchants.consumer_ids import consumer_ref
from merchants.models import ConsentField
from merchants.services import consent_give
from promote import services
from promote.models import Coupon
from social.models import TikTokProfile
from tikjoy.tests.factories import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_merchant_finds_a_consumer_as_they_type_and_gives_them_a_coupon(page: Page, make_merchant):
    merchant = make_merchant("joycoffee", funds="100.00")
    owner = merchant.memberships.get().user
    now = timezone.now()
    services.coins_buy_from_wallet(holder=merchant, coins_count=2000, currency="EUR", actor=owner, now=now)
    bea = User.objects.create_user(email=None, display_name="Bea Secret")
    TikTokProfile.objects.create(user=bea, open_id="open-bea", username="beatrix")
    consent_give(user=bea, merchant=merchant, fields=[ConsentField.TIKTOK_HANDLE], now=now)
    for n in range(3):
        fan = User.objects.create_user(email=None, display_name=f"Ana Fan {n}")
        consent_give(user=fan, merchant=merchant, fields=[ConsentField.DISPLAY_NAME], now=now)

    page.goto("/accounts/login/")
    page.get_by_label("Email").fill(owner.email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign In").click()
    page.wait_for_load_state()
    page.goto("/console/promote/coupons/")
    consumer = page.locator("#id_consumer")  # labelled "For:"
    expect(consumer.locator("option")).to_have_count(5)  # "Choose the consumer" and the four

    page.get_by_label("Find the consumer").press_sequentially("@beat")
    expect(consumer.locator("option")).to_have_count(2)
    expect(consumer).to_have_value(
        consumer_ref(merchant_id=merchant.pk, user_id=bea.pk)
    )  # the only one found is chosen
    page.get_by_label("Find the consumer").fill("Bea Secret")  # her name, which she did not share
    page.get_by_label("Find the consumer").press("End")  # an input event (fill alone sends one too)
    expect(page.get_by_test_id("consumer-search-status")).to_have_text(
        "Nobody who shares with your brand matches this."
    )
    page.get_by_label("Find the consumer").fill("ana fan")
    expect(consumer.locator("option")).to_have_count(4)
    page.get_by_label("Find the consumer").fill("beatr")
    expect(consumer).to_have_value(consumer_ref(merchant_id=merchant.pk, user_id=bea.pk))
    page.get_by_label("Worth (coins)").fill("150")
    page.get_by_label("Code").fill("BEA150")
    page.get_by_role("button", name="Give the coupon").click()

    expect(page.get_by_text("Coupon BEA150 (150 coins) given to @beatrix")).to_be_visible()
    assert Coupon.objects.get().user == bea
