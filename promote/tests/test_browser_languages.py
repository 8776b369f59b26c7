"""Promote in German on a phone (Playwright): the coins page and an order's page must not be wider
than the screen. Screenshots in ``test-artifacts/`` (or ``$TIKJOY_TEST_ARTIFACTS``)."""

from __future__ import annotations

import pytest
from django.conf import settings as django_settings
from django.test import Client
from django.utils import timezone
from playwright.sync_api import expect

from promote import services
from promote.tests.conftest import order_request
from tikjoy.tests.artefacts import ARTEFACTS

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# Elements whose text is wider than their own box, and the page's own horizontal overflow
# (tables may scroll inside their .table-wrap: that is their design, not an overflow).
OVERFLOW = """() => {
  const out = [];
  if (document.documentElement.scrollWidth > window.innerWidth + 1)
    out.push("page " + document.documentElement.scrollWidth + " > " + window.innerWidth);
  for (const el of document.querySelectorAll("h1, h2, h3, p, dt, dd, label, button, a.button, li")) {
    if (el.closest(".table-wrap")) continue;
    const box = el.getBoundingClientRect();
    if (box.width && (box.right > window.innerWidth + 1 || el.scrollWidth > el.clientWidth + 1))
      out.push(el.tagName + ": " + el.textContent.trim().slice(0, 60));
  }
  return out;
}"""


def phone_in(chromium, live_server, user, language: str):
    context = chromium.new_context(
        base_url=live_server.url,
        viewport={"width": 360, "height": 780},
        locale=language,  # the browser's Accept-Language
        device_scale_factor=2,
        is_mobile=True,
    )
    client = Client()
    client.force_login(user)
    cookie = client.cookies[django_settings.SESSION_COOKIE_NAME]
    context.add_cookies([{"name": cookie.key, "value": cookie.value, "url": live_server.url}])
    return context


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
    expect(page.get_by_test_id(f"order-status-{order.pk}")).to_have_text("in Prüfung")
    page.screenshot(path=str(ARTEFACTS / "promote-home-de-360.png"), full_page=True)
    assert page.evaluate(OVERFLOW) == []

    page.goto(f"/promote/orders/{order.pk}/")
    expect(page.get_by_role("heading", name=f"Promotion Nr. {order.pk}")).to_be_visible()
    page.screenshot(path=str(ARTEFACTS / "promote-order-de-360.png"), full_page=True)
    assert page.evaluate(OVERFLOW) == []
    context.close()
