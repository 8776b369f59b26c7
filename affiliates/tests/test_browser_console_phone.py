"""The console's affiliate pages and its consumers list on a 390 px phone (Playwright, #23): a tester
found them 700 to 1,240 px wide. Their tables scroll inside their own box, as the console's lists do;
the page itself is never wider than the screen. Screenshots in ``test-artifacts/``."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from affiliates import services
from affiliates.tests.conftest import convert
from campaigns.models import ActionType
from rewards.services import action_record
from rewards.tests.conftest import login_rule
from tikjoy.tests.artefacts import ARTEFACTS
from tikjoy.tests.browser import sign_in
from tikjoy.tests.factories import affiliate_click_make, affiliate_make, affiliate_program_make, owner_of

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PAGES = ("/console/affiliates/", "/console/affiliates/report/", "/console/rewards/reward/consumers/")


def _joy(make_merchant, make_campaign, make_consumer):
    """Joy Coffee with consumers, an affiliate, two commissions (one locked) and an open inquiry."""
    now = timezone.now()
    merchant = make_merchant("joy", funds="500.00", brand_name="Joy Coffee", country="DE")
    make_campaign(merchant, rules=[login_rule()], now=now - timedelta(days=1))
    for n in range(3):
        action_record(
            user=make_consumer(f"Fan {n}"),
            merchant=merchant,
            action_type=ActionType.TIKTOK_LOGIN,
            now=now - timedelta(hours=n + 1),
        )
    program = affiliate_program_make(merchant, now=now - timedelta(days=40))
    affiliate = affiliate_make(
        program, email="pia.with.a.long.address@creator.example", now=now - timedelta(days=40)
    )
    at = now - timedelta(days=20)
    locked = convert(program, affiliate_click_make(affiliate, at=at), "JOY-1001", at=at).commission
    services.commission_lock(commission_id=locked.pk, now=now)
    convert(
        program,
        affiliate_click_make(affiliate, visitor="v2"),
        "JOY-1006",
        at=now,
        customer_email="someone@mailinator.com",
    )
    services.inquiry_open(
        affiliate=affiliate,
        order_id="JOY-0999",
        order_date=timezone.localdate(now) - timedelta(days=2),
        amount=Decimal("31.50"),
        message="A follower ordered with my code at the counter; it is not in my list.",
        now=now,
    )
    return merchant


def test_the_console_tables_scroll_in_their_box_on_a_phone(
    page, live_server, make_merchant, make_campaign, make_consumer
):
    merchant = _joy(make_merchant, make_campaign, make_consumer)
    ARTEFACTS.mkdir(parents=True, exist_ok=True)
    sign_in(page, owner_of(merchant), live_server.url)
    page.set_viewport_size({"width": 390, "height": 844})

    for path in PAGES:
        page.goto(f"{live_server.url}{path}")
        page.screenshot(
            path=str(ARTEFACTS / f"console{path.replace('/', '-').rstrip('-')}-390.png"), full_page=True
        )
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= 390, f"{path} is {width}px wide on a 390px screen"
        # The tables are all there, scrolling inside their box (not cut off, not hidden).
        assert page.locator("table").count() >= 1
        assert page.evaluate(
            "[...document.querySelectorAll('table')].every(t => "
            "t.closest('.console-table-wrap, .table-wrap, .results') !== null)"
        ), path


def test_the_programs_tables_have_compact_rows_and_show_there_is_more_to_the_right_in_italian(
    page, live_server, make_merchant, make_campaign, make_consumer
):
    merchant = _joy(make_merchant, make_campaign, make_consumer)
    owner = owner_of(merchant)
    owner.language = "it"
    owner.save(update_fields=["language"])
    ARTEFACTS.mkdir(parents=True, exist_ok=True)
    sign_in(page, owner, live_server.url)
    page.set_viewport_size({"width": 390, "height": 844})

    page.goto(f"{live_server.url}/console/affiliates/")

    page.screenshot(path=str(ARTEFACTS / "console-affiliates-it-390.png"), full_page=True)
    for heading, last_column in (("Affiliati", "Decida"), ("Commissioni", "Azione")):
        box = page.locator(f"h2:text-is('{heading}') + .console-table-wrap")
        table = box.locator("table")
        # Wider than the screen, so it scrolls in its box, and the box's right edge is shaded (the hint).
        assert box.evaluate("b => b.scrollWidth > b.clientWidth"), heading
        assert "radial-gradient" in box.evaluate("b => getComputedStyle(b).backgroundImage"), heading
        # Compact: no row is taller than two lines of a form (the tester saw rows of empty space).
        heights = table.locator("tbody tr").evaluate_all(
            "rows => rows.map(r => r.getBoundingClientRect().height)"
        )
        assert heights and max(heights) <= 90, (heading, heights)
        # Scrolled to its end, the last column is on the screen.
        box.evaluate("b => { b.scrollLeft = b.scrollWidth; }")
        header = table.get_by_role("columnheader", name=last_column, exact=True)
        right = header.evaluate("h => h.getBoundingClientRect().right")
        assert 0 < right <= 390, (heading, right)
    page.screenshot(path=str(ARTEFACTS / "console-affiliates-it-390-scrolled.png"), full_page=True)


def test_the_reports_totals_read_as_large_as_its_rows_in_bold_on_a_desktop(
    page, live_server, make_merchant, make_campaign, make_consumer
):
    """Walk finding: in the console, Django's admin styles drew the totals row as small grey captions."""
    merchant = _joy(make_merchant, make_campaign, make_consumer)
    sign_in(page, owner_of(merchant), live_server.url)
    page.set_viewport_size({"width": 1280, "height": 900})

    page.goto(f"{live_server.url}/console/affiliates/report/")

    style = "c => { const s = getComputedStyle(c); return [s.fontSize, s.fontWeight, s.color, s.padding]; }"
    row = page.locator("[data-testid=performance] tbody td").first.evaluate(style)
    total = page.locator("[data-testid=totals] td").first.evaluate(style)
    # as large, as dark and as placed as a row's figures (under them), in bold
    assert total[0] == row[0] and int(total[1]) >= 600 and total[2:] == row[2:], (row, total)


@pytest.mark.parametrize("group", ["day", "link"])
def test_the_german_report_fits_a_1280_px_console_without_scrolling_sideways(
    page, live_server, make_merchant, make_campaign, make_consumer, group
):
    """Walk finding: the report's fourteen columns, headed in German ("Festgeschrieben", "Eindeutige
    Klicks"), were 1,340 px wide in the console's 1,163 at 1,280 px: the last ones were cut off, behind
    a scroll bar."""
    merchant = _joy(make_merchant, make_campaign, make_consumer)
    sign_in(page, owner_of(merchant), live_server.url)
    page.set_viewport_size({"width": 1280, "height": 900})
    page.set_extra_http_headers({"Accept-Language": "de"})

    page.goto(f"{live_server.url}/console/affiliates/report/?group={group}")

    wrap = page.locator(".table-wrap:has([data-testid=performance])")
    assert wrap.evaluate("w => w.scrollWidth <= w.clientWidth"), wrap.evaluate(
        "w => [w.scrollWidth, w.clientWidth]"
    )
    expect(page.get_by_role("columnheader", name="Freigegeben")).to_be_in_viewport()
    page.screenshot(path=str(ARTEFACTS / f"affiliates-report-de-1280-{group}.png"))


def test_a_long_inquiry_message_wraps_in_its_cell_on_a_desktop(
    page, live_server, make_merchant, make_campaign, make_consumer
):
    """Walk finding: an inquiry's message with a long address in it widened the inquiries' table past
    the console's width, the answer box out of sight."""
    merchant = _joy(make_merchant, make_campaign, make_consumer)
    affiliate = merchant.affiliate_program.affiliates.get()
    services.inquiry_open(
        affiliate=affiliate,
        order_id="JOY-0998",
        order_date=timezone.localdate() - timedelta(days=1),
        amount=Decimal("12.00"),
        message="Ordered through https://shop.example/"
        + "a-very-long-product-page-name-" * 8
        + " yesterday.",
        now=timezone.now(),
    )
    sign_in(page, owner_of(merchant), live_server.url)
    page.set_viewport_size({"width": 1280, "height": 900})

    page.goto(f"{live_server.url}/console/affiliates/")

    wrap = page.locator('.console-table-wrap:has(td.console-text):has-text("JOY-0998")')
    page.screenshot(path=str(ARTEFACTS / "affiliates-console-long-inquiry-1280.png"), full_page=True)
    assert wrap.evaluate("w => w.scrollWidth <= w.clientWidth"), wrap.evaluate(
        "w => [w.scrollWidth, w.clientWidth]"
    )
    button = wrap.get_by_role("button", name="Answer").last
    assert button.evaluate("b => b.getBoundingClientRect().right") <= wrap.evaluate(
        "w => w.getBoundingClientRect().right"
    )
