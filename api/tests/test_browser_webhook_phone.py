"""A webhook endpoint's page on a 390 px phone (Playwright, #23): its URL, in the heading and the
breadcrumbs, made the page 494 px wide; it wraps now. Screenshot in ``test-artifacts/``."""

from __future__ import annotations

import pytest
from django.utils import timezone

from tikjoy.tests.artefacts import ARTEFACTS
from tikjoy.tests.browser import sign_in
from tikjoy.tests.factories import owner_of
from webhooks.services import endpoint_create

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_webhook_endpoints_page_fits_a_phone(page, live_server, make_merchant):
    merchant = make_merchant("joy", brand_name="Joy Coffee")
    endpoint = endpoint_create(
        merchant=merchant,
        url="http://127.0.0.1:9/hooks/joycoffee/production/tikjoy-events-receiver-v2",
        events=["reward.created"],
        actor=owner_of(merchant),
        now=timezone.now(),
    )
    ARTEFACTS.mkdir(parents=True, exist_ok=True)
    sign_in(page, owner_of(merchant), live_server.url)
    page.set_viewport_size({"width": 390, "height": 844})

    page.goto(f"{live_server.url}/console/webhooks/{endpoint.pk}/")
    page.screenshot(path=str(ARTEFACTS / "console-webhook-endpoint-390.png"), full_page=True)

    assert "tikjoy-events-receiver-v2" in page.locator("h1").inner_text()
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 390, f"the webhook page is {width}px wide on a 390px screen"
