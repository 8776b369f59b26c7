"""The affiliate's portal in German on a phone (Playwright): long German words must not push the page
wider than the screen. Screenshots in ``test-artifacts/`` (or ``$TIKJOY_TEST_ARTIFACTS``)."""

from __future__ import annotations

import pytest
from django.conf import settings as django_settings
from django.test import Client
from playwright.sync_api import expect

from affiliates.tests.conftest import convert
from tikjoy.tests.artefacts import ARTEFACTS
from tikjoy.tests.factories import affiliate_click_make, affiliate_make, affiliate_program_make

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


def test_the_affiliate_portal_fits_a_phone_in_german(chromium, live_server, make_merchant, ops):
    merchant = make_merchant("joy", funds="500.00", ops=ops)
    program = affiliate_program_make(merchant)
    affiliate = affiliate_make(program, email="pia@creator.example")
    convert(program, affiliate_click_make(affiliate))
    context = phone_in(chromium, live_server, affiliate.user, "de-DE")
    page = context.new_page()

    page.goto(f"/affiliates/{program.pk}/")

    expect(page.get_by_role("heading", name="Deine Provisionen")).to_be_visible()
    expect(page.get_by_role("button", name="Link erstellen")).to_be_visible()
    expect(page.get_by_test_id("commission")).to_contain_text("Ausstehend")
    page.screenshot(path=str(ARTEFACTS / "affiliate-portal-de-360.png"), full_page=True)
    assert page.evaluate(OVERFLOW) == []

    page.goto(f"/affiliates/{program.pk}/report/")
    expect(page.get_by_role("heading", name="Leistung")).to_be_visible()
    page.screenshot(path=str(ARTEFACTS / "affiliate-report-de-360.png"), full_page=True)
    assert page.evaluate(OVERFLOW) == []
    context.close()
