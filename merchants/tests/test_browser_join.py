"""A new consumer joins a brand from its page with the sandbox TikTok and agrees to share (Playwright)."""

import pytest
from playwright.sync_api import expect

from accounts.services import user_ensure_with_email
from merchants.models import Consent
from merchants.services import merchant_create
from social.models import TikTokProfile

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_new_consumer_joins_a_brand_with_tiktok_and_agrees_to_share(page, sandbox):
    owner, _ = user_ensure_with_email(email="owner@joycoffee.example", password="a-long-pass-phrase-42")
    merchant = merchant_create(
        actor=owner,
        brand_name="Joy Coffee",
        slug="joycoffee",
        country="DE",
        legal_name="Joy Coffee GmbH",
        billing_address="Hauptstrasse 1, 10115 Berlin",
        contact_email="hello@joycoffee.example",
    )

    page.goto("/b/joycoffee/")
    page.get_by_role("button", name="Continue with TikTok").click()
    page.get_by_label("Display name").fill("Nia Newcomer")
    page.get_by_role("button", name="Authorize as a new user").click()

    page.wait_for_url("**/b/joycoffee/join/")
    handle = "@" + TikTokProfile.objects.get().username
    expect(page.get_by_role("heading", name="Joy Coffee will receive")).to_be_visible()
    expect(page.get_by_test_id("consent-display_name")).to_have_text("Nia Newcomer")
    expect(page.get_by_test_id("consent-tiktok_handle")).to_have_text(handle)
    page.get_by_role("button", name="Agree and continue").click()

    page.wait_for_url("**/wallet/")
    expect(page.get_by_text("You joined Joy Coffee.")).to_be_visible()
    expect(page.get_by_test_id("consents")).to_contain_text("Joy Coffee")
    expect(page.get_by_test_id("consents")).to_contain_text("Name, TikTok handle")
    consent = Consent.objects.get()
    assert (consent.merchant, consent.user.display_name) == (merchant, "Nia Newcomer")
    assert consent.fields == ["DISPLAY_NAME", "TIKTOK_HANDLE"]
    assert any(cookie["name"] == "tj_device" for cookie in page.context.cookies())
