"""Reports grouped by link or sub-id name each row by its code as written (Playwright): the column
headings' capitals made "/r/XlySKODE" read "/R/XLYSKODE", an address that 404s (#23, tester pass 13)."""

from __future__ import annotations

import pytest

from affiliates import services
from affiliates.models import Link
from affiliates.tests.conftest import day
from tikjoy.tests.browser import sign_in
from tikjoy.tests.factories import affiliate_click_make, affiliate_make, affiliate_program_make

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_the_report_shows_link_codes_and_sub_ids_as_they_are(page, live_server, make_merchant, ops):
    merchant = make_merchant("joy", funds="500.00", ops=ops)
    program = affiliate_program_make(merchant)
    affiliate = affiliate_make(program, email="pia@creator.example")
    link = services.link_create(
        affiliate=affiliate, destination="https://shop.example/a", sub_id="bio", now=day(0)
    )
    Link.objects.filter(pk=link.pk).update(code="XlySKODE")  # the tester's code, mixed case
    affiliate_click_make(affiliate, link=link, visitor="v1", at=day(0))
    sign_in(page, affiliate.user, live_server.url)

    page.goto(f"/affiliates/{program.pk}/report/?group=link")
    # On a phone (this page's width) the report is a line a row, named as written...
    row_name = page.locator('[data-testid="compact-row"] .performance-compact__name')
    assert row_name.inner_text() == "/r/XlySKODE"
    # ... and wider, a table whose row headers are too.
    page.set_viewport_size({"width": 1280, "height": 800})
    row_header = page.locator('[data-testid="performance"] tbody th[scope="row"]')
    assert row_header.inner_text() == "/r/XlySKODE"

    page.goto(f"/affiliates/{program.pk}/report/?group=sub_id")
    assert row_header.inner_text() == "bio"
    # The column headings keep their small capitals.
    assert page.locator('[data-testid="performance"] thead th').first.inner_text().isupper()
