"""Promote in German on a phone (Playwright): the coins page and an order's page must not be wider
than the screen. Screenshots in ``test-artifacts/`` (or ``$TIKJOY_TEST_ARTIFACTS``)."""

from __future__ import annotations

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from promote import services
from promote.tests.conftest import order_request
from tikjoy.tests.artefacts import ARTEFACTS
from tikjoy.tests.browser import overflowing, phone_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_the_promote_pages_fit_a_phone_in_german(chromium, live_server, promoter):
    ana, post = promoter()
    order = services.order_place(
        holder=ana, request=order_request(post, budget_coins=400), actor=ana, now=timezone.now()
    )
    context = phone_in(chromium, live_server, ana, "de-DE")
    page = context.new_page()

    page.goto("/promote/")

    expect(page.get_by_role("heading", name="Deine Coins")).to_be_visible()
    expect(page.get_by_role("button", name="Mit meinem JoyBack kaufen")).to_be_visible()
    expect(page.get_by_test_id(f"order-status-{order.pk}")).to_have_text("In Prüfung")
    page.screenshot(path=str(ARTEFACTS / "promote-home-de-360.png"), full_page=True)
    assert overflowing(page) == []

    page.goto(f"/promote/orders/{order.pk}/")
    expect(page.get_by_role("heading", name=f"Promotion Nr. {order.pk}")).to_be_visible()
    page.screenshot(path=str(ARTEFACTS / "promote-order-de-360.png"), full_page=True)
    assert overflowing(page) == []
    context.close()
