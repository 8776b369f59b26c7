"""The affiliate's own pages on a 390 px phone (Playwright): a walk found their tables scrolling
sideways (links, conversions, inquiries, the performance report). On a phone each row reads as a card,
each value under its column's name, and nothing is wider than the screen. Screenshots in
``test-artifacts/``."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from affiliates import services
from affiliates.tests.conftest import convert
from tikjoy.tests.artefacts import ARTEFACTS
from tikjoy.tests.browser import sign_in
from tikjoy.tests.factories import affiliate_click_make, affiliate_make, affiliate_program_make

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# Each table's box and the page: as wide as their content needs (scrollWidth) vs what is shown.
WIDTHS = """() => [document.documentElement, ...document.querySelectorAll('.table-wrap')]
    .map(e => [e.className || 'page', e.scrollWidth, e.clientWidth])"""


def test_the_affiliates_tables_read_as_cards_on_a_phone(page, live_server, make_merchant):
    now = timezone.now()
    merchant = make_merchant("joy", funds="500.00", brand_name="Joy Coffee", country="DE")
    program = affiliate_program_make(merchant, now=now - timedelta(days=40))
    affiliate = affiliate_make(
        program, email="pia.with.a.long.address@creator.example", now=now - timedelta(days=40)
    )
    services.link_create(
        affiliate=affiliate,
        destination=f"https://{program.domains[0]}/a/rather/long/landing/page",
        sub_id="tiktok-bio",
        now=now,
    )
    at = now - timedelta(days=20)
    convert(program, affiliate_click_make(affiliate, at=at), "JOY-1001", at=at)
    services.inquiry_open(
        affiliate=affiliate,
        order_id="JOY-0999",
        order_date=timezone.localdate(now) - timedelta(days=2),
        amount=Decimal("31.50"),
        message="A follower ordered with my code at the counter; it is not in my list.",
        now=now,
    )
    ARTEFACTS.mkdir(parents=True, exist_ok=True)
    sign_in(page, affiliate.user, live_server.url)
    page.set_viewport_size({"width": 390, "height": 844})

    for path, name in (
        (f"/affiliates/{program.pk}/", "portal"),
        (f"/affiliates/{program.pk}/report/", "report"),
        (f"/affiliates/{program.pk}/report/?group=month", "report-month"),
    ):
        page.goto(f"{live_server.url}{path}")
        page.screenshot(path=str(ARTEFACTS / f"affiliate-{name}-390.png"), full_page=True)
        for box, needed, shown in page.evaluate(WIDTHS):
            assert needed <= shown, f"{path}: {box} needs {needed}px on a {shown}px screen"
        if name.startswith("report"):
            # The report: its totals, then a line a row that opens on its figures, not the table's cards.
            assert page.locator('[data-testid="performance-compact"]').is_visible()
            assert not page.locator('[data-testid="performance"]').is_visible()
            continue
        # Every value is named: the column's name shows above it.
        cell = page.locator("table.table-stack td[data-label]").first
        label = page.evaluate("c => getComputedStyle(c, '::before').content", cell.element_handle())
        assert label not in ("none", "normal", '""')
