"""In a real browser (Playwright): a consumer reads JoyPlus's rules, subscribes from the wallet, and
the next reward shows the bonus in the wallet's history. Screenshots go to ``test-artifacts/``."""

from __future__ import annotations

import re
from datetime import timedelta
from decimal import Decimal

import pytest
from django.conf import settings as django_settings
from django.test import Client
from django.utils import timezone
from playwright.sync_api import expect

from campaigns.models import ActionType
from rewards.services import action_record
from subscriptions.models import Subscription
from subscriptions.tests.conftest import login_rule
from tikjoy.tests.artefacts import ARTEFACTS

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _sign_in(page, user, *, url: str) -> None:
    client = Client()
    client.force_login(user)
    cookie = client.cookies[django_settings.SESSION_COOKIE_NAME]
    page.context.add_cookies([{"name": cookie.key, "value": cookie.value, "url": url}])


def test_a_consumer_subscribes_to_joyplus_and_the_next_reward_shows_the_bonus(
    page, live_server, make_merchant, make_campaign, make_consumer, earn_available
):
    now = timezone.now()
    ana = make_consumer("Ana")
    earn_available(ana, "5.00", at=now - timedelta(minutes=10))
    coffee = make_merchant("joycoffee", funds="50.00", brand_name="Joy Coffee")
    make_campaign(coffee, rules=[login_rule(amount=Decimal("1.00"))], starts_at=now - timedelta(days=1))
    page.set_viewport_size({"width": 390, "height": 844})
    _sign_in(page, ana, url=live_server.url)

    page.goto(live_server.url + "/wallet/")
    page.get_by_test_id("subscriptions-link").click()
    plan = page.get_by_test_id("plan-joyplus")
    expect(plan).to_contain_text("10% more on every reward you earn while JoyPlus runs")
    expect(plan).to_contain_text("never from the brand's money")
    expect(plan).to_contain_text("Your available balance: €5.00")  # Babel's English format
    plan.get_by_test_id("subscribe-joyplus").click()
    expect(page.get_by_text("Tick the box to say you read how JoyPlus works")).to_be_visible()
    assert not Subscription.objects.exists()

    page.get_by_test_id("plan-joyplus").get_by_label("I read how this plan works").check()
    page.get_by_test_id("plan-joyplus").get_by_test_id("subscribe-joyplus").click()
    expect(
        page.get_by_text(re.compile(r"You have JoyPlus: €\s?2\.99 was taken from your available balance"))
    ).to_be_visible()
    expect(page.get_by_test_id("subscription-joyplus")).to_contain_text("Renews on")
    ARTEFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTEFACTS / "subscriptions-joyplus-390.png"), full_page=True)

    # She signs in on Joy Coffee's page: the engine pays the login reward, with JoyPlus's bonus.
    action_record(user=ana, merchant=coffee, action_type=ActionType.TIKTOK_LOGIN, now=timezone.now())
    page.goto(live_server.url + "/wallet/")

    line = page.locator(".wallet-history__item", has_text="Joy Coffee")
    expect(line).to_contain_text(re.compile(r"€\s?0\.88"))  # 0.80 + 0.08 from TikJoy's margin
    expect(line.get_by_test_id("plan-note")).to_have_text(
        re.compile(r"Includes a JoyPlus bonus of €\s?0\.08")
    )
    page.screenshot(path=str(ARTEFACTS / "wallet-joyplus-bonus-390.png"), full_page=True)


def test_a_consumer_pays_joyplus_by_card_and_the_back_button_charges_nothing_more(
    page, live_server, make_consumer, settings
):
    settings.STRIPE_API_BASE = live_server.url + "/sandbox/stripe"
    settings.STRIPE_SANDBOX_WEBHOOK_URL = live_server.url + "/stripe/webhook/"
    ben = make_consumer("Ben")  # nothing in his balance: the card pays
    page.set_viewport_size({"width": 390, "height": 844})
    _sign_in(page, ben, url=live_server.url)

    page.goto(live_server.url + "/wallet/subscriptions/")
    plan = page.get_by_test_id("plan-joyplus")
    plan.get_by_label("I read how this plan works").check()
    plan.get_by_test_id("pay-card-joyplus").check()
    plan.get_by_test_id("subscribe-joyplus").click()

    # Stripe's page (the sandbox's): nothing started before paying.
    expect(page.get_by_text("JoyPlus: the first month")).to_be_visible()
    assert not Subscription.objects.exists()
    page.get_by_test_id("sandbox-pay").click()

    expect(page.get_by_test_id("card-returned")).to_be_visible()
    page.reload()
    expect(page.get_by_test_id("subscription-joyplus").get_by_test_id("pays-with")).to_have_text(
        "paid by card"
    )
    ARTEFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTEFACTS / "subscriptions-joyplus-card-390.png"), full_page=True)

    page.go_back()  # back on the card page after paying: it says paid, and can't be paid again
    expect(page.get_by_text("Paid.")).to_be_visible()
    assert Subscription.objects.get().pay_with == "CARD"
    assert Subscription.objects.get().payments.count() == 1
