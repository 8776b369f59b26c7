"""The console's Promote pages on a 390 px phone (Playwright, #23): a tester found /console/promote/
695 px and its coupons page 721 px wide. Their tables scroll inside their own box, as the console's
other lists do; the page itself is never wider than the screen."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from merchants.models import ConsentField
from merchants.services import consent_give
from promote import services
from tikjoy.tests.browser import sign_in
from tikjoy.tests.factories import owner_of

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_the_promote_console_pages_fit_a_phone(page, live_server, make_merchant, make_consumer):
    now = timezone.now()
    merchant = make_merchant("joycoffee", funds="100.00", brand_name="Joy Coffee", country="DE")
    owner = owner_of(merchant)
    services.coins_buy_from_wallet(holder=merchant, coins_count=2000, currency="EUR", actor=owner, now=now)
    fan = make_consumer("Ana Fan With A Rather Long Display Name")
    consent_give(user=fan, merchant=merchant, fields=[ConsentField.DISPLAY_NAME], now=now)
    services.coupon_issue(
        code="JOYCOFFEE-THANKS-FOR-EVERYTHING",
        coins_count=150,
        valid_from=now - timedelta(hours=1),
        valid_until=now + timedelta(days=30),
        user=fan,
        merchant=merchant,
        actor=owner,
        now=now,
    )
    sign_in(page, owner, live_server.url)
    page.set_viewport_size({"width": 390, "height": 844})

    for path in ("/console/promote/", "/console/promote/coupons/"):
        page.goto(f"{live_server.url}{path}")
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= 390, f"{path} is {width}px wide on a 390px screen"
        assert page.evaluate(
            "[...document.querySelectorAll('table')].every(t => t.closest('.console-table-wrap') !== null)"
        ), path
