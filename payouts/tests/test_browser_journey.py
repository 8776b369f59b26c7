"""Issue 14's journey as the person sees it (Playwright): bank details by code, a payout returned by the
payee's bank with its reason, the IBAN fixed, and paid. Ops steps and the sandbox bank run the same services
as /ops/ (their pages are covered in test_ops.py); the 48-hour hold is waited out with the demo clock."""

from __future__ import annotations

import re
from decimal import Decimal

import pytest
from django.core import mail
from django.core.management import call_command
from django.utils import timezone
from playwright.sync_api import Page, expect

from accounts.services import user_ensure_with_email
from payouts import sandbox_bank, services
from payouts.models import Payout
from payouts.tests.conftest import assert_ledger_clean, available, eur, fund, verify_identity

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "a-long-pass-phrase-42"


def _code() -> str:
    return re.search(r"Your code is (\d{6})", mail.outbox[-1].body).group(1)


def _enter_bank_details(page: Page, iban: str) -> None:
    page.get_by_label("Account holder").fill("Zoë O'Brien")
    page.get_by_label("IBAN").fill(iban)
    page.get_by_label("Street").fill("Hauptstraße")
    page.get_by_label("Number").fill("5")
    page.get_by_label("Postcode").fill("10115")
    page.get_by_label("Town").fill("Berlin")
    page.get_by_role("button", name="Send me a code").click()
    expect(page.get_by_role("heading", name="Enter your code")).to_be_visible()
    page.get_by_label("Code").fill(_code())
    page.get_by_role("button", name="Confirm").click()
    expect(page.get_by_text("Bank details saved")).to_be_visible()


def _ops_send(ops, ops2, *, give_back: dict[str, str] | None = None) -> None:
    now = timezone.now()
    for payout in Payout.objects.filter(state="REQUESTED"):
        services.payout_approve(payout_id=payout.pk, actor=ops, now=now)
    batch = services.batch_build(actor=ops, now=now)
    services.batch_release(batch_id=batch.pk, actor=ops2, now=now)
    sandbox_bank.answer_and_import(
        batch=batch, answer=sandbox_bank.BankAnswer(give_back=give_back or {}), actor=ops2, now=now
    )


def _wait_out_the_hold() -> None:
    """48 hours later, on the demo clock (``manage.py payouts_clock``)."""
    call_command("payouts_clock", advance_hours=48)


def test_returned_then_fixed_then_paid(page: Page, ops, ops2):
    zoe, _ = user_ensure_with_email(email="zoe@example.com", password=PASSWORD)
    fund(zoe, "60.00")
    verify_identity(zoe, ops)

    page.goto("/accounts/login/")
    page.get_by_label("Email").fill("zoe@example.com")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign In").click()
    page.goto("/wallet/")
    page.get_by_test_id("payouts-link").click()
    expect(page.get_by_role("heading", name="Payouts to your bank")).to_be_visible()

    page.get_by_role("link", name="Add your bank details").click()
    _enter_bank_details(page, "FR14 2004 1010 0505 0001 3M02 606")
    expect(page.get_by_test_id("bank-hold")).to_be_visible()
    page.get_by_label(re.compile("Amount")).fill("40.00")
    page.get_by_role("button", name="Pay out this amount").click()
    expect(page.get_by_text("Your new bank details can be used from")).to_be_visible()

    _wait_out_the_hold()
    page.goto("/wallet/payouts/")
    page.get_by_label(re.compile("Amount")).fill("40.00")
    page.get_by_role("button", name="Pay out this amount").click()
    expect(page.get_by_text("is requested")).to_be_visible()
    row = page.locator(".wallet-history__item").first
    expect(row.locator(".badge")).to_have_text("Requested")
    expect(row.get_by_test_id("creditor-name")).to_have_text("Zoe O'Brien")
    expect(row).to_contain_text("business days after we send it")

    payout = Payout.objects.get()
    _ops_send(ops, ops2, give_back={payout.end_to_end_id: "AC04"})
    page.goto("/wallet/payouts/")
    row = page.locator(".wallet-history__item").first
    expect(row.locator(".badge")).to_have_text("Returned")
    expect(row.get_by_test_id("payout-reason")).to_contain_text("Your bank says this account is closed.")
    expect(page.get_by_test_id("bank-blocked")).to_be_visible()
    shown = page.locator('[data-figure="payout-available"]').inner_text()
    assert Decimal(re.sub(r"[^\d.]", "", shown)) == Decimal("60.00")

    page.get_by_role("link", name="Change").click()
    _enter_bank_details(page, "DE89 3704 0044 0532 0130 00")
    _wait_out_the_hold()
    page.goto("/wallet/payouts/")
    page.get_by_role("button", name=re.compile("Pay out everything")).click()
    expect(page.get_by_text("is requested")).to_be_visible()

    _ops_send(ops, ops2)
    page.goto("/wallet/payouts/")
    rows = page.locator(".wallet-history__item")
    expect(rows.first.locator(".badge")).to_have_text("Paid")
    expect(rows.nth(1).locator(".badge")).to_have_text("Returned")
    assert available(zoe) == eur("0.00")
    assert_ledger_clean()
