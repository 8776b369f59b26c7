"""Issue 20's journey as the person sees it (Playwright): from /me/, download their data, then delete their account."""

from __future__ import annotations

import io
import json
import zipfile

import pytest
from playwright.sync_api import Page, expect

from accounts.models import User
from accounts.services import user_ensure_with_email
from payouts.tests.conftest import assert_ledger_clean, fund

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "a-long-pass-phrase-42"


def _sign_in(page: Page, email: str) -> None:
    page.goto("/accounts/login/")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign In").click()


def test_a_consumer_downloads_their_data_then_deletes_their_account(page: Page):
    zoe, _ = user_ensure_with_email(email="zoe@example.com", password=PASSWORD, display_name="Zoë Journey")
    fund(zoe, "4.00")  # below the smallest payout: forfeited on deletion
    _sign_in(page, "zoe@example.com")

    page.goto("/me/")
    page.get_by_test_id("export-link").click()
    page.get_by_role("button", name="Prepare my data").click()
    expect(page.get_by_text("We are preparing your data.")).to_be_visible()
    page.reload()
    with page.expect_download() as download_info:
        page.get_by_test_id("export-download").click()
    archive = zipfile.ZipFile(io.BytesIO(open(download_info.value.path(), "rb").read()))  # noqa: SIM115
    data = json.loads(archive.read("data.json"))
    assert data["profile"][0]["email"] == "zoe@example.com"
    assert [row["amount"] for row in data["wallet_history"]] == ["4.00"]

    page.goto("/me/")
    page.get_by_test_id("delete-account-link").click()
    expect(page.get_by_role("heading", name="Delete your account")).to_be_visible()
    expect(page.get_by_test_id("fate-forfeit")).to_contain_text("is forfeited")
    page.get_by_role("button", name="Delete my account").click()
    expect(page.get_by_text("Tick the box to confirm")).to_be_visible()
    page.get_by_label("I understand").check()
    page.get_by_role("button", name="Delete my account").click()
    expect(page.get_by_text("Your account is deleted.")).to_be_visible()

    _sign_in(page, "zoe@example.com")
    expect(
        page.get_by_text("The email address and/or password you specified are not correct.")
    ).to_be_visible()
    zoe = User.objects.get(pk=zoe.pk)
    assert zoe.deleted_at is not None and zoe.email is None
    assert_ledger_clean()
