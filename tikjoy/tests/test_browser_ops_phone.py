"""/ops/diagnostics/ on a 390 px phone (Playwright, #23): the schedules' table, with its function names,
made the page 726 px wide; the tables scroll inside their own box now and the page fits. Screenshot in
``test-artifacts/``."""

from __future__ import annotations

import pytest
from django_q.models import Schedule
from playwright.sync_api import expect

from tikjoy.tests.artefacts import ARTEFACTS
from tikjoy.tests.browser import assert_fits, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_the_ops_diagnostics_page_fits_a_phone(page, live_server, ops):
    ops.is_superuser = True
    ops.language = "es"  # Spanish was the widest
    ops.save(update_fields=["is_superuser", "language"])
    Schedule.objects.get_or_create(  # migrations seed it; an earlier transactional test may have flushed it
        func="privacy.tasks.merchant_closures_finish_daily",
        defaults={"name": "privacy: final statements of closed merchants", "schedule_type": Schedule.DAILY},
    )
    ARTEFACTS.mkdir(parents=True, exist_ok=True)
    sign_in(page, ops, live_server.url)
    page.set_viewport_size({"width": 390, "height": 844})

    page.goto("/ops/diagnostics/")
    page.screenshot(path=str(ARTEFACTS / "ops-diagnostics-390.png"), full_page=True)

    expect(
        page.locator("#queue code", has_text="privacy.tasks.merchant_closures_finish_daily").first
    ).to_be_visible()
    assert_fits(page, "the ops diagnostics page")
