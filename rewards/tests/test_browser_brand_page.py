"""The brand page on a phone (390 px wide): the join call to action is on the first screen, above
what can be earned; after joining with the sandbox TikTok, the page says "you already joined".

Screenshots are kept in ``test-artifacts/`` (or ``$TIKJOY_TEST_ARTIFACTS``) to look at.
"""

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from tikjoy.tests.artefacts import ARTEFACTS
from tikjoy.tests.factories import campaign_make

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE = {"width": 390, "height": 844}


def _shot(page, name: str) -> None:
    ARTEFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTEFACTS / name), full_page=False)


def test_on_a_phone_the_join_buttons_are_on_the_first_screen_and_joined_people_are_told_so(
    page, sandbox, make_merchant
):
    merchant = make_merchant("joycoffee", funds="100.00", brand_name="Joy Coffee")
    campaign_make(merchant, now=timezone.now())
    page.set_viewport_size(PHONE)

    page.goto("/b/joycoffee/")

    tiktok = page.get_by_role("button", name="Continue with TikTok")
    whatsapp = page.get_by_role("link", name="Continue with WhatsApp")
    expect(page.get_by_test_id("earn-headline")).to_contain_text("when you share our video on TikTok")
    expect(tiktok).to_be_in_viewport(ratio=1)
    expect(whatsapp).to_be_in_viewport(ratio=1)
    assert (
        tiktok.bounding_box()["y"] < page.get_by_role("heading", name="What you can earn").bounding_box()["y"]
    )
    assert (
        page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    )  # nothing wider than the phone
    _shot(page, "brand-page-390-anonymous.png")

    tiktok.click()
    page.get_by_label("Display name").fill("Nia Newcomer")
    page.get_by_role("button", name="Authorize as a new user").click()
    page.wait_for_url("**/b/joycoffee/join/")
    page.get_by_role("button", name="Agree and continue").click()
    page.wait_for_url("**/wallet/")
    expect(page.get_by_role("link", name="My account")).to_be_visible()

    page.goto("/b/joycoffee/")

    expect(page.get_by_role("heading", name="You already joined Joy Coffee")).to_be_in_viewport()
    expect(page.get_by_role("link", name="Join Joy Coffee")).to_have_count(0)
    expect(page.get_by_role("button", name="Continue with TikTok")).to_have_count(0)
    _shot(page, "brand-page-390-joined.png")
