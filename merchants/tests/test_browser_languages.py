"""The console in German in a real browser (long words), on a phone (390 px) and a desktop (1280 px).

Nothing may be wider than the screen; screenshots are kept in ``test-artifacts/`` (git-ignored) to
look at, with the statement and invoice PDFs printed in German beside them.
"""

from __future__ import annotations

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from merchants.models import BankTransfer
from tikjoy.tests.artefacts import ARTEFACTS
from tikjoy.tests.browser import assert_fits, sign_in
from tikjoy.tests.factories import owner_of

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_the_german_console_fits_a_phone_and_a_desktop(page, live_server, make_merchant):
    merchant = make_merchant(
        "joy", funds="500.00", brand_name="Joy Kaffeerösterei", country="DE", language="de"
    )
    sign_in(page, owner_of(merchant), live_server.url)
    page.set_extra_http_headers({"Accept-Language": "de-DE,de;q=0.9"})
    transfer = BankTransfer.objects.filter(merchant=merchant).first()
    pages = {
        "dashboard": ("/console/", "Guthaben aufladen"),
        "wallet": ("/console/wallet/", "Verlauf exportieren (CSV)"),
        "add-funds": ("/console/wallet/add-funds/", "Verwendungszweck"),
        "brand-and-billing": (
            reverse("console:merchants_merchant_change", args=[merchant.pk]),
            "Warnung bei niedrigem Guthaben",
        ),
        "team": ("/console/merchants/membership/", "Teammitglied"),
    }
    if transfer is not None and transfer.ledger_transaction_id:
        pages["top-up-receipt"] = (
            reverse("console:merchants_banktransfer_receipt", kwargs={"object_id": transfer.pk}),
            "Guthaben nach dieser Aufladung",
        )
    for width, height in ((390, 844), (1280, 900)):
        page.set_viewport_size({"width": width, "height": height})
        for name, (url, german) in pages.items():
            page.goto(url)
            expect(page.get_by_text(german).first).to_be_visible()
            assert_fits(page, f"{name} in German")
            page.screenshot(path=str(ARTEFACTS / f"console-de-{name}-{width}.png"), full_page=True)


def test_the_console_has_the_language_switcher_and_it_changes_the_language(page, live_server, make_merchant):
    merchant = make_merchant(
        "joy", funds="500.00", brand_name="Joy Kaffeerösterei", country="DE", language="de"
    )
    sign_in(page, owner_of(merchant), live_server.url)
    page.set_extra_http_headers({"Accept-Language": "de-DE,de;q=0.9"})
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto("/console/")

    switcher = page.get_by_test_id("language-switcher")
    expect(switcher).to_be_visible()
    switcher.get_by_role("button", name="Français").click()

    expect(page.get_by_test_id("language-switcher").get_by_text("Langue")).to_be_visible()
    assert page.url.endswith("/console/")
    assert_fits(page, "the console in French with its switcher")
