"""Issue 18's journey as the people see it (Playwright): an affiliate applies, is approved, copies a link;
a visitor clicks it and the shop's server reports the sale to the API; the affiliate sees the commission
pending, then (demo clock) locked and approved, and asks for a payout of it."""

from __future__ import annotations

import json
import re
import urllib.request
from datetime import timedelta
from urllib.parse import parse_qs, urlsplit

import pytest
from django.core.management import call_command
from django.utils import timezone
from django.utils.formats import date_format
from playwright.sync_api import Page, expect

from accounts.services import user_ensure_with_email
from affiliates import services
from affiliates.models import Affiliate
from api.models import KeyKind, Scope
from api.services import api_key_create
from payouts.tests.conftest import add_bank_account, assert_ledger_clean, verify_identity
from tikjoy.tests.factories import affiliate_program_make, owner_of

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "a-long-pass-phrase-42"
PHONE = "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0 Mobile Safari/537.36"


def _shop_reports_the_sale(base_url: str, key: str, click_id: str) -> dict:
    """What the shop's server sends after the order (the documented wire format)."""
    body = {
        "order_id": "SHOP-5001",
        "event_type": "sale",
        "amount": "64.00",
        "currency": "EUR",
        "occurred_at": timezone.now().isoformat(),
        "click_id": click_id,
    }
    request = urllib.request.Request(  # noqa: S310 - the live test server
        f"{base_url}/api/v1/conversions",
        data=json.dumps(body).encode(),
        headers={
            "Authorization": f"Bearer {key}",
            "Content-Type": "application/json",
            "Idempotency-Key": "o-5001",
        },
        method="POST",
    )
    with urllib.request.urlopen(request) as response:  # noqa: S310
        assert response.status == 201
        return json.load(response)


def test_apply_link_click_sale_pending_locked_approved_payout(
    page: Page, live_server, make_merchant, ops, settings
):
    # Behind the proxy the visitor's address is another than Pia's (else: a self-referral, held).
    settings.TRUST_X_FORWARDED_FOR = True
    merchant = make_merchant("joy", funds="500.00", ops=ops)
    shop_host = urlsplit(live_server.url).hostname
    program = affiliate_program_make(merchant, domains=[shop_host])
    _, key = api_key_create(
        merchant=merchant,
        name="shop",
        kind=KeyKind.SECRET,
        scope=Scope.WRITE,
        expires_at=None,
        actor=owner_of(merchant),
        now=timezone.now(),
    )
    pia, _ = user_ensure_with_email(email="pia@creator.example", password=PASSWORD)

    # Pia applies.
    page.goto("/accounts/login/")
    page.get_by_label("Email").fill("pia@creator.example")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign In").click()
    page.goto(f"/affiliates/{program.pk}/")
    page.get_by_label("Your website or social profile").fill("https://www.tiktok.com/@pia")
    page.get_by_label("How will you promote the program?").fill("Coffee reviews on TikTok")
    page.get_by_role("button", name="Send my application").click()
    expect(page.get_by_test_id("affiliate-status")).to_contain_text("Applied, waiting for a decision")

    # The merchant approves her (its console page is tested in test_pages.py).
    services.affiliate_decide(
        affiliate_id=Affiliate.objects.get(user=pia).pk,
        status="APPROVED",
        reason="",
        actor=owner_of(merchant),
        now=timezone.now(),
    )
    page.reload()
    expect(page.get_by_test_id("affiliate-status")).to_contain_text("Approved")
    page.get_by_label("Page to link to").fill(f"{live_server.url}/affiliates/?utm=tiktok")
    page.get_by_label("Sub-id (optional)").fill("bio")
    page.get_by_role("button", name="Create a link").click()
    expect(page.get_by_text("Your link is ready")).to_be_visible()
    link = page.get_by_test_id("link").first.inner_text()
    assert re.fullmatch(r"https?://.+/r/[A-Za-z0-9]+", link)

    # A visitor clicks it (another browser) and lands on the shop with a click id.
    # (a phone's browser: headless Chromium's own user agent says "HeadlessChrome", which counts as a bot)
    visitor = page.context.browser.new_context(
        base_url=live_server.url, user_agent=PHONE, extra_http_headers={"X-Forwarded-For": "203.0.113.7"}
    )
    shop = visitor.new_page()
    shop.goto(live_server.url + urlsplit(link).path)
    click_id = parse_qs(urlsplit(shop.url).query)["tj_click"][0]
    visitor.close()
    answer = _shop_reports_the_sale(live_server.url, key, click_id)
    assert (answer["status"], answer["reject_reason"]) == ("accepted", "")
    assert answer["commission"]["state"] == "pending"

    page.reload()
    expect(page.locator('[data-figure="pending"]')).to_have_text("€40.00")
    lock_date = date_format(timezone.localdate() + timedelta(days=15), "SHORT_DATE_FORMAT")
    expect(page.get_by_test_id("commission")).to_contain_text(lock_date)

    call_command("affiliates_clock", advance_days=15)
    page.reload()
    expect(page.locator('[data-figure="locked"]')).to_have_text("€40.00")
    call_command("affiliates_clock", advance_days=15)
    page.reload()
    expect(page.locator('[data-figure="approved"]')).to_have_text("€40.00")

    # The approved money is in her wallet: she asks for a payout of it.
    verify_identity(pia, ops)
    add_bank_account(pia, now=timezone.now() - timedelta(days=3))
    page.goto("/wallet/payouts/")
    page.get_by_label(re.compile("Amount")).fill("40.00")
    page.get_by_role("button", name="Pay out this amount").click()
    expect(page.get_by_text("Your payout of")).to_be_visible()
    assert_ledger_clean()
