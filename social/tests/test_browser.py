"""A new consumer signs in with the sandbox TikTok and lands on their page (Playwright)."""

import pytest

from accounts.models import User
from social.models import TikTokProfile

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_new_consumer_signs_in_with_sandbox_tiktok_and_lands_on_their_page(page, sandbox):
    page.goto("/accounts/login/")
    page.get_by_role("link", name="TikTok").click()
    page.get_by_role("button", name="Continue").click()

    page.get_by_label("Display name").fill("Nia Newcomer")
    page.get_by_role("button", name="Authorize as a new user").click()

    page.wait_for_url("**/wallet/")  # CONSUMER_HOME_URL
    assert page.get_by_test_id("wallet-name").inner_text() == "Nia Newcomer"
    assert page.get_by_role("heading", name="Connected accounts").is_visible()
    assert page.get_by_role("button", name="Sign out").is_visible()
    user = User.objects.get()
    assert TikTokProfile.objects.get(user=user).display_name == "Nia Newcomer"


def test_a_consumer_signs_in_with_whatsapp_using_the_code_from_the_sandbox_inbox(page, sandbox, chromium):
    page.goto("/accounts/login/")
    page.get_by_role("link", name="Sign in with WhatsApp").click()
    page.get_by_label("Mobile number on WhatsApp").fill("+49 170 1234567")
    page.get_by_role("button", name="Send me a code").click()
    page.wait_for_url("**/accounts/login/code/confirm/")

    inbox = page.context.new_page()
    inbox.goto("/sandbox/whatsapp/inbox/")
    code = inbox.get_by_test_id("code").first.inner_text()
    inbox.close()
    page.get_by_label("Code").fill(code)
    page.get_by_role("button", name="Confirm").click()

    page.wait_for_url("**/wallet/")  # CONSUMER_HOME_URL
    assert page.get_by_test_id("wallet-name").inner_text() == "+49 170 1234567"  # grouped (accounts.phones)
    assert page.get_by_text("+49 170 1234567 verified").is_visible()


def test_the_whatsapp_code_page_reached_again_after_signing_in_leads_to_the_wallet_and_says_so(
    page, sandbox, chromium
):
    page.goto("/accounts/whatsapp/")
    page.get_by_label("Mobile number on WhatsApp").fill("+49 170 1234567")
    page.get_by_role("button", name="Send me a code").click()
    page.wait_for_url("**/accounts/login/code/confirm/")
    inbox = page.context.new_page()
    inbox.goto("/sandbox/whatsapp/inbox/")
    code = inbox.get_by_test_id("code").first.inner_text()
    inbox.close()
    page.get_by_label("Code").fill(code)
    page.get_by_role("button", name="Confirm").click()
    page.wait_for_url("**/wallet/")

    page.go_back()  # the code page again (never cached): the sign-in it was for is complete

    page.wait_for_url("**/wallet/")
    assert page.get_by_text("This sign-in is already complete: you are signed in.").is_visible()
    assert page.get_by_label("Password").count() == 0


def test_a_whatsapp_code_sent_after_it_expired_leads_to_the_number_step(page, sandbox, chromium, settings):
    page.goto("/accounts/whatsapp/")
    page.get_by_label("Mobile number on WhatsApp").fill("+49 170 1234567")
    page.get_by_role("button", name="Send me a code").click()
    page.wait_for_url("**/accounts/login/code/confirm/")
    settings.ACCOUNT_LOGIN_BY_CODE_TIMEOUT = -1  # the five minutes have passed (the live server reads it)

    page.get_by_label("Code").fill("123456")
    page.get_by_role("button", name="Confirm").click()

    page.wait_for_url("**/accounts/whatsapp/")
    assert page.get_by_text(
        "This code is no longer valid: it expired or was already used. Ask for a new code below."
    ).is_visible()
    assert page.get_by_label("Mobile number on WhatsApp").is_visible()
    assert page.get_by_label("Password").count() == 0
