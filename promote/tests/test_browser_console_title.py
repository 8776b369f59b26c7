"""The console's order page names what is promoted (Playwright): its title stayed "Promote a video"
with a LIVE room chosen (UX walk). The heading and the window's title follow the kind chosen."""

from __future__ import annotations

import pytest

from promote.tests.test_console import video_of
from tikjoy.tests.browser import sign_in
from tikjoy.tests.factories import owner_of

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_the_order_pages_title_follows_the_kind_a_live_or_a_video(page, live_server, make_merchant):
    merchant = make_merchant("joy", funds="50.00", brand_name="Joy Coffee", country="DE")
    video_of(merchant, tiktok_url="https://www.tiktok.com/@joycoffee/video/7")
    sign_in(page, owner_of(merchant), live_server.url)
    page.set_extra_http_headers({"Accept-Language": "fr"})
    page.goto(f"{live_server.url}/console/promote/new/")
    heading = page.locator("#content h1")
    assert heading.inner_text() == "Promouvoir une vidéo"

    page.select_option("#id_kind", "LIVE")

    assert heading.inner_text() == "Promouvoir un LIVE"
    assert page.title().startswith("Promouvoir un LIVE |")
    assert page.locator("#id_content").input_value() == "live:joycoffee"

    page.select_option("#id_kind", "VIDEO")

    assert heading.inner_text() == "Promouvoir une vidéo"
    assert page.title().startswith("Promouvoir une vidéo |")
