"""The footer's language buttons are tap targets a thumb can hit on a phone (at least 44 by 44 px,
WCAG 2.5.5; they were 22 px tall), and on a desktop they still sit in one row under the slogan.
Screenshots in ``test-artifacts/``."""

from __future__ import annotations

import pytest

from tikjoy.tests.artefacts import ARTEFACTS
from tikjoy.tests.browser import PHONE, assert_fits

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

DESKTOP = {"width": 1280, "height": 800}


def _language_buttons(chromium, live_server, viewport: dict, name: str) -> list[dict]:
    context = chromium.new_context(base_url=live_server.url, viewport=viewport)
    context.set_default_timeout(15_000)
    page = context.new_page()
    page.goto("/accounts/login/")
    switcher = page.get_by_test_id("language-switcher")
    switcher.scroll_into_view_if_needed()
    assert_fits(page, f"the sign-in page at {viewport['width']} px")
    switcher.screenshot(path=ARTEFACTS / f"language-switcher-{name}.png")
    boxes = [button.bounding_box() for button in switcher.get_by_role("button").all()]
    context.close()
    return boxes


def test_the_footers_language_buttons_are_44_px_tap_targets_on_a_phone(chromium, live_server):
    boxes = _language_buttons(chromium, live_server, PHONE, "phone")

    assert len(boxes) == 5
    for box in boxes:
        assert box["height"] >= 44 and box["width"] >= 44, box


def test_the_footers_language_buttons_stay_in_one_row_on_a_desktop(chromium, live_server):
    boxes = _language_buttons(chromium, live_server, DESKTOP, "desktop")

    assert len({round(box["y"]) for box in boxes}) == 1
    assert all(box["height"] <= 48 for box in boxes)
