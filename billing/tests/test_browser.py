"""An owner opens Statements in the console and downloads last month's PDF."""

import pytest
from playwright.sync_api import expect

from billing.months import Month
from billing.services import billing_run
from billing.tests.conftest import PASSWORD, margin_confirmed, merchant_new, pdf_text, top_up, utc

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_an_owner_opens_statements_and_downloads_last_months_pdf(page):
    merchant = merchant_new("joy", country="FR")
    top_up(merchant, "100.00", at=utc(2026, 10, 2), ref="JOY-1")
    margin_confirmed(merchant, "6.00", at=utc(2026, 10, 9), key="joy:m")
    billing_run(month=Month(2026, 10), now=utc(2026, 11, 1, 3))

    page.goto("/accounts/login/")
    page.get_by_label("Email").fill("owner@joy.example")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign In").click()
    page.wait_for_load_state()
    page.goto("/console/")
    page.get_by_role("link", name="Statements", exact=True).click()
    row = page.get_by_role("row").filter(has_text="October 2026")
    expect(row).to_contain_text("94.00")  # 100.00 topped up, 6.00 paid as reward
    with page.expect_download() as download:
        row.get_by_role("link", name="PDF").click()

    text = pdf_text(open(download.value.path(), "rb").read())  # noqa: SIM115
    assert "Monthly statement · October 2026" in text
    assert "Closing balance on 31 October 2026 94.00 EUR" in text

    page.goto("/console/")
    page.get_by_role("link", name="Invoices", exact=True).click()
    expect(page.get_by_role("row").filter(has_text="INV-2026-000001")).to_contain_text("6.00")
