"""The affiliate's portal in German on a phone (Playwright): long German words must not push the page
wider than the screen. Screenshots in ``test-artifacts/`` (or ``$TIKJOY_TEST_ARTIFACTS``)."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from affiliates.tests.conftest import convert
from tikjoy.tests.artefacts import ARTEFACTS
from tikjoy.tests.browser import overflowing, phone_in
from tikjoy.tests.factories import affiliate_click_make, affiliate_make, affiliate_program_make

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_the_affiliate_portal_fits_a_phone_in_german(chromium, live_server, make_merchant, ops):
    merchant = make_merchant("joy", funds="500.00", ops=ops)
    program = affiliate_program_make(merchant)
    affiliate = affiliate_make(program, email="pia@creator.example")
    convert(program, affiliate_click_make(affiliate))
    context = phone_in(chromium, live_server, affiliate.user, "de-DE")
    page = context.new_page()

    page.goto(f"/affiliates/{program.pk}/")

    expect(page.get_by_role("heading", name="Ihre Provisionen")).to_be_visible()
    expect(page.get_by_role("button", name="Link erstellen")).to_be_visible()
    expect(page.get_by_test_id("commission")).to_contain_text("Ausstehend")
    page.screenshot(path=str(ARTEFACTS / "affiliate-portal-de-360.png"), full_page=True)
    assert overflowing(page) == []

    page.goto(f"/affiliates/{program.pk}/report/")
    expect(page.get_by_role("heading", name="Leistung")).to_be_visible()
    page.screenshot(path=str(ARTEFACTS / "affiliate-report-de-360.png"), full_page=True)
    assert overflowing(page) == []
    context.close()
