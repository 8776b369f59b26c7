"""Issue 19's journey as the person sees it (Playwright): a consumer buys coins with their JoyBack,
promotes their share of a Joy Coffee video (the estimate first), ops approve, the simulator delivers
on the demo clock, the order completes and the unspent coins come back, with the order's chart
and the invoice of the coins."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from django.core.management import call_command
from django.utils import timezone
from playwright.sync_api import Page, expect

from accounts.services import user_ensure_with_email
from billing.services import coin_invoices_issue_due
from billing.tests.conftest import pdf_text
from promote import services
from promote.models import PromoteOrder
from promote.tests.conftest import assert_books_clean, fund, own_post

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "a-long-pass-phrase-42"


def test_buy_promote_approve_deliver_settle(page: Page, ops):
    zoe, _ = user_ensure_with_email(email="zoe@example.com", password=PASSWORD)
    fund(zoe, "5.00")
    post = own_post(zoe, video_id="7300000000000000042")

    page.goto("/accounts/login/")
    page.get_by_label("Email").fill("zoe@example.com")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign In").click()
    page.goto("/promote/")
    page.get_by_role("spinbutton", name="Coins:").fill("300")
    page.get_by_label("Pay in").select_option("EUR")
    page.get_by_label("Your birth date").fill("1994-03-08")  # asked before the first sale
    page.get_by_test_id("buy-wallet").click()
    expect(page.get_by_text("300 coins bought for €2.97.")).to_be_visible()

    page.get_by_test_id("promote-new").click()
    page.get_by_label("What to promote").select_option(str(post.pk))
    page.get_by_label("Goal").select_option("VIEWS")
    page.get_by_label("Budget (coins)").fill("300")
    page.get_by_label("Duration (days)").fill("1")
    page.get_by_label(re.compile("commercial music")).check()
    page.get_by_test_id("estimate-button").click()
    expect(page.get_by_test_id("estimate")).to_contain_text("Estimated result: 712 to 1,944")
    page.get_by_test_id("pay").click()
    expect(page.get_by_text("is paid and waiting for review")).to_be_visible()
    expect(page.get_by_test_id("status")).to_have_text("In review")

    order = PromoteOrder.objects.get()
    services.order_approve(order_id=order.pk, actor=ops, now=timezone.now())  # /ops/ action: test_ops.py
    call_command("promote_clock", advance_hours=25)

    page.reload()
    expect(page.get_by_test_id("status")).to_have_text("Settled")
    order.refresh_from_db()
    expect(page.get_by_test_id("returned")).to_contain_text(f"{order.refunded_coins} coins")
    expect(page.get_by_test_id("chart")).to_be_visible()
    expect(page.get_by_test_id("csv")).to_be_visible()
    coin_invoices_issue_due(now=timezone.now())  # the invoice schedule (every minute)
    page.get_by_test_id("invoices-link").click()
    expect(page.get_by_test_id("invoice-number")).to_have_text(re.compile(r"^INV-\d{4}-\d{6}$"))
    with page.expect_download() as download:
        page.get_by_role("link", name="PDF").click()
    receipt = " ".join(pdf_text(Path(download.value.path()).read_bytes()).split())
    assert "Receipt for your Promote coins" in receipt and "TikJoy Promote coins: 300 coins" in receipt
    assert "Paid from your TikJoy wallet (JoyBack balance) 2.97 EUR" in receipt
    page.goto("/promote/")
    expect(page.get_by_test_id("order-status-" + str(order.pk))).to_have_text("Settled")
    expect(page.locator("[data-figure=coins]")).to_have_text(f"{order.refunded_coins} coins")
    with page.expect_download() as again:  # the purchase's own link: the same invoice
        page.get_by_test_id("purchase-invoice").click()
    assert Path(again.value.path()).read_bytes() == Path(download.value.path()).read_bytes()
    # The simulator fills 55 to 100 % of the budget by the order's id (its sequence runs on across
    # transactional tests): some coins come back, or none when it fills it all.
    assert 0 < order.consumed_coins <= 300 and order.refunded_coins == 300 - order.consumed_coins
    assert_books_clean()
