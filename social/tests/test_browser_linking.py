"""A TikTok consumer adds WhatsApp to the same account with the sandbox's WhatsApp, then signs in
with WhatsApp and finds the same wallet (Playwright, on a phone)."""

import pytest
from playwright.sync_api import expect

from accounts.models import User

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _latest_code(page) -> str:
    inbox = page.context.new_page()
    inbox.goto("/sandbox/whatsapp/inbox/")
    code = inbox.get_by_test_id("code").first.inner_text()
    inbox.close()
    return code


def test_a_tiktok_consumer_adds_whatsapp_and_then_signs_in_with_it_to_the_same_wallet(page, sandbox):
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto("/accounts/login/")
    page.get_by_role("link", name="TikTok").click()
    page.get_by_role("button", name="Continue").click()
    page.get_by_label("Display name").fill("Nia Newcomer")
    page.get_by_role("button", name="Authorize as a new user").click()
    page.wait_for_url("**/wallet/")

    page.get_by_role("link", name="My account").click()
    page.get_by_label("Mobile number on WhatsApp").fill("+49 170 7654321")
    page.get_by_role("button", name="Send me a code").click()
    page.wait_for_url("**/me/whatsapp/code/")
    page.get_by_label("Code from WhatsApp").fill(_latest_code(page))
    page.get_by_role("button", name="Connect").click()

    page.wait_for_url("**/me/")
    expect(page.get_by_text("WhatsApp +49 170 7654321 is now connected to your account")).to_be_visible()
    expect(page.get_by_text("+49 170 7654321 verified")).to_be_visible()

    page.get_by_role("button", name="Sign out").click()
    page.goto("/accounts/whatsapp/")
    page.get_by_label("Mobile number on WhatsApp").fill("+49 170 7654321")
    page.get_by_role("button", name="Send me a code").click()
    page.wait_for_url("**/accounts/login/code/confirm/")
    page.get_by_label("Code").fill(_latest_code(page))
    page.get_by_role("button", name="Confirm").click()

    page.wait_for_url("**/wallet/")
    assert page.get_by_test_id("wallet-name").inner_text() == "Nia Newcomer"
    assert User.objects.count() == 1
