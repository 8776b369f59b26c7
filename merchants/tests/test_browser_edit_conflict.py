"""A stale tab in a real browser: the refused save keeps what was typed, says why, shows the current values,
and a second save (once the person checked) goes through. Screenshot in ``test-artifacts/``."""

from __future__ import annotations

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from merchants.models import Merchant
from tikjoy.tests.artefacts import ARTEFACTS
from tikjoy.tests.browser import sign_in
from tikjoy.tests.factories import owner_of

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_stale_tab_keeps_what_was_typed_and_shows_the_current_values(page, live_server, make_merchant):
    merchant = make_merchant("joy", brand_name="Joy Coffee")
    sign_in(page, owner_of(merchant), live_server.url)
    url = live_server.url + reverse("console:merchants_merchant_change", args=[merchant.pk])
    page.set_viewport_size({"width": 1280, "height": 900})
    other_tab = page.context.new_page()

    page.goto(url)  # the first tab is opened ...
    other_tab.goto(url)  # ... then a second one renames the brand and saves
    other_tab.fill("#id_brand_name", "Joy Roasters")
    other_tab.get_by_role("button", name="Save", exact=True).click()
    expect(other_tab.locator(".messagelist")).to_be_visible()
    page.fill("#id_contact_email", "orders@joy.example")  # the first tab changes the contact address
    page.get_by_role("button", name="Save", exact=True).click()

    # Refused: nothing saved, the typed address kept, the conflict said, the current brand name shown.
    expect(page.get_by_text("was changed since you opened the form")).to_be_visible()
    expect(page.locator("#id_contact_email")).to_have_value("orders@joy.example")
    expect(page.get_by_text("Saved now: Joy Roasters")).to_be_visible()
    ARTEFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTEFACTS / "console-edit-conflict-1280.png"), full_page=True)
    merchant.refresh_from_db()
    assert (merchant.brand_name, merchant.contact_email) == ("Joy Roasters", "hello@joy.example")

    # The person keeps the other tab's brand name and saves their address again: it goes through.
    page.fill("#id_brand_name", "Joy Roasters")
    page.get_by_role("button", name="Save", exact=True).click()
    expect(page.locator(".messagelist")).to_be_visible()
    merchant = Merchant.objects.get(pk=merchant.pk)
    assert (merchant.brand_name, merchant.contact_email) == ("Joy Roasters", "orders@joy.example")
