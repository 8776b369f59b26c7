"""The wallet on a phone, in a real browser (Playwright): a reward waiting for the brand's money says
why and until when; stopping data sharing is a link, far from the payout button, confirmed on its
own page. Screenshots are kept in ``test-artifacts/`` (or ``$TIKJOY_TEST_ARTIFACTS``), not committed."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from django.conf import settings as django_settings
from django.test import Client
from django.utils import timezone
from playwright.sync_api import expect

from campaigns.models import ActionType
from merchants.models import Consent
from merchants.services import consent_give
from rewards.models import ActionStatus
from rewards.services import action_record
from rewards.tests.conftest import login_rule
from tikjoy.tests.artefacts import ARTEFACTS

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _sign_in(page, user, *, url: str) -> None:
    client = Client()
    client.force_login(user)
    cookie = client.cookies[django_settings.SESSION_COOKIE_NAME]
    page.context.add_cookies([{"name": cookie.key, "value": cookie.value, "url": url}])


def test_a_phone_wallet_explains_a_waiting_reward_and_confirms_before_data_sharing_stops(
    page, live_server, make_merchant, make_campaign, make_consumer
):
    now = timezone.now()
    merchant = make_merchant("joycoffee", funds="1.00", brand_name="Joy Coffee")
    make_campaign(merchant, rules=[login_rule(amount=Decimal("0.60"))])  # live from 21 Nov to 21 Jan
    ana, ben = make_consumer("Ana"), make_consumer("Ben")
    action_record(user=ana, merchant=merchant, action_type=ActionType.TIKTOK_LOGIN, now=now)
    waiting = action_record(user=ben, merchant=merchant, action_type=ActionType.TIKTOK_LOGIN, now=now)
    assert waiting.status == ActionStatus.UNFUNDED
    consent_give(user=ben, merchant=merchant, fields=["DISPLAY_NAME"], now=now)
    page.set_viewport_size({"width": 390, "height": 844})
    _sign_in(page, ben, url=live_server.url)

    page.goto(live_server.url + "/wallet/")

    deadline = timezone.localtime(now + timedelta(days=django_settings.REWARDS_UNFUNDED_RETRY_DAYS))
    expect(page.get_by_test_id("waiting")).to_contain_text(
        "Waiting: Joy Coffee's wallet is empty. Your reward will be paid if they add funds before "
        f"{deadline.day} {deadline.strftime('%B %Y')}"
    )
    expect(page.get_by_text("Nothing paid yet: see below why and until when")).to_be_visible()
    expect(page.get_by_role("button", name="Withdraw")).to_have_count(0)
    top = "e => e.getBoundingClientRect().top + window.scrollY"  # from the top of the page
    stop = page.get_by_test_id("stop-sharing")
    # Far below the money, not beside it: the whole of the page's money sections lie between.
    assert stop.evaluate(top) - page.get_by_test_id("payouts-link").evaluate(top) > 600
    ARTEFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTEFACTS / "wallet-waiting-390.png"), full_page=True)

    stop.click()
    expect(page.get_by_role("heading", name="Stop sharing your data with Joy Coffee?")).to_be_visible()
    assert Consent.objects.get(user=ben).withdrawn_at is None  # the link only asks
    page.screenshot(path=str(ARTEFACTS / "stop-sharing-390.png"), full_page=True)
    page.get_by_test_id("confirm-stop-sharing").click()

    expect(page.get_by_text("Joy Coffee no longer receives your data.")).to_be_visible()
    assert page.url.endswith("/wallet/")
    assert Consent.objects.get(user=ben).withdrawn_at is not None


def test_the_brands_you_share_data_with_read_as_cards_on_a_phone(
    page, live_server, make_merchant, make_consumer
):
    now = timezone.now()
    ben = make_consumer("Ben")
    for slug, brand in (("joycoffee", "Joy Coffee"), ("lunabakery", "Luna Bakery of the Long Name")):
        merchant = make_merchant(slug, brand_name=brand)
        consent_give(user=ben, merchant=merchant, fields=["DISPLAY_NAME", "EMAIL"], now=now)
    page.set_viewport_size({"width": 390, "height": 844})
    _sign_in(page, ben, url=live_server.url)

    page.goto(live_server.url + "/wallet/")

    table = page.get_by_test_id("consents")
    table.scroll_into_view_if_needed()
    page.screenshot(path=str(ARTEFACTS / "wallet-consents-390.png"), full_page=True)
    # No horizontal scroll: neither the page nor the table is wider than the phone.
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    assert table.evaluate("e => e.parentElement.scrollWidth <= e.parentElement.clientWidth")
    # Each consent is a card: its cells one under the other, the link on at most two lines.
    stop = page.get_by_test_id("stop-sharing").first
    expect(stop).to_be_visible()
    line = stop.evaluate("e => parseFloat(getComputedStyle(e).lineHeight) || 24")
    assert stop.evaluate("e => e.getBoundingClientRect().height") <= 2 * line + 2
    cells = table.locator("tbody tr").first.locator("td")
    tops = [cells.nth(i).evaluate("e => e.getBoundingClientRect().top") for i in range(cells.count())]
    assert tops == sorted(tops) and len(set(tops)) == len(tops)
    label = "e => getComputedStyle(e, '::before').content"
    assert cells.nth(2).evaluate(label) == '"Since"'
