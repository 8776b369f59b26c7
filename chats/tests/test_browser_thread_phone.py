"""A conversation's page on a 390 px phone (Playwright, #23): in Italian the "Modello" (template)
select, as wide as its longest template's name, made the page 459 px wide; console inputs and
selects are at most as wide as their column now. Screenshot in ``test-artifacts/``."""

from __future__ import annotations

import pytest
from django.utils import timezone

from chats.services import thread_open
from tikjoy.tests.artefacts import ARTEFACTS
from tikjoy.tests.browser import sign_in
from tikjoy.tests.factories import chat_consumer_make, owner_of

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_conversations_page_fits_a_phone_in_italian(page, live_server, make_merchant):
    merchant = make_merchant("joy", brand_name="Joy Coffee")
    hana = chat_consumer_make(merchant, name="Hana", phone="+4915112340007")
    thread = thread_open(merchant=merchant, user_id=hana.pk, now=timezone.now())
    ARTEFACTS.mkdir(parents=True, exist_ok=True)
    sign_in(page, owner_of(merchant), live_server.url)
    page.set_extra_http_headers({"Accept-Language": "it"})
    page.set_viewport_size({"width": 390, "height": 844})

    page.goto(f"{live_server.url}/console/chats/{thread.pk}/")
    page.screenshot(path=str(ARTEFACTS / "console-chat-thread-390-it.png"), full_page=True)

    template = page.get_by_label("Modello")
    assert template.count() == 1 and template.locator("option").count() > 1
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 390, f"the conversation page is {width}px wide on a 390px screen"
    box = template.bounding_box()
    assert box["x"] >= 0 and box["x"] + box["width"] <= 390
