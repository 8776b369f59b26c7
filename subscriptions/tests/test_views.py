"""The consumer's subscriptions page and what the wallet shows: what a person reads and can do."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from subscriptions.models import Plan, Subscription
from subscriptions.tests.conftest import eur
from wallets.debts import debt_incur
from wallets.models import PLATFORM, Purpose
from wallets.services import account_for

pytestmark = pytest.mark.django_db

HOME = "/wallet/subscriptions/"


@pytest.fixture
def ana(make_consumer, earn_available, client):
    person = make_consumer("Ana")
    earn_available(person, "5.00", at=timezone.now() - timedelta(minutes=5))
    client.force_login(person)
    return person


def test_the_page_needs_a_sign_in(client):
    response = client.get(HOME)

    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_the_plans_and_their_rules_are_shown_before_subscribing(client, ana):
    page = client.get(HOME).content.decode()

    assert "JoyPlus" in page and "JoyFast" in page
    assert "10% more on every reward" in page and "never from the brand&#x27;s money" in page
    assert "you owe the amount back" in page and "payouts to your bank wait" in page
    assert "Your available balance: €5.00" in page


def test_subscribing_without_ticking_the_rules_box_is_refused_with_a_message(client, ana):
    plan = Plan.objects.get(code="joyplus")

    response = client.post(reverse("subscriptions:subscribe"), {"plan": plan.pk})

    assert response.status_code == 400
    assert "Tick the box to say you read how JoyPlus works" in response.content.decode()
    assert not Subscription.objects.exists()


def test_subscribing_then_cancelling_shows_the_renewal_then_the_end_date(client, ana):
    plan = Plan.objects.get(code="joyplus")

    response = client.post(reverse("subscriptions:subscribe"), {"plan": plan.pk, "accept": "on"}, follow=True)
    page = response.content.decode()
    assert "You have JoyPlus: €2.99 was taken from your available balance" in page
    assert "Renews on" in page
    subscription = Subscription.objects.get(user=ana)

    response = client.post(reverse("subscriptions:cancel", args=[subscription.pk]), follow=True)
    page = response.content.decode()
    assert "JoyPlus is cancelled: it runs until" in page
    assert "Keep JoyPlus" in page


def test_an_unknown_plan_or_someone_elses_subscription_is_a_message_not_an_error(
    client, ana, make_consumer, earn_available
):
    response = client.post(reverse("subscriptions:subscribe"), {"plan": 2_000_000_000, "accept": "on"})
    assert response.status_code == 400 and "not offered any more" in response.content.decode()

    response = client.post(reverse("subscriptions:subscribe"), {"plan": "x", "accept": "on"}, follow=True)
    assert "Choose a plan on the page." in response.content.decode()

    response = client.post(reverse("subscriptions:cancel", args=[999_999]), follow=True)
    assert "not yours, or does not exist" in response.content.decode()


def test_the_wallet_links_to_subscriptions_and_says_what_the_person_owes(client, ana):
    debt_incur(
        owner=ana,
        creditor=account_for(owner=PLATFORM, purpose=Purpose.PLATFORM_REVENUE, currency="EUR"),
        amount=eur("0.40"),
        reason="test",
        idempotency_key="test-owe",
        now=timezone.now(),
    )

    page = client.get("/wallet/").content.decode()

    assert 'href="/wallet/subscriptions/"' in page
    assert "You owe €0.40" in page and "payouts to your bank wait" in page


def test_the_page_and_the_rules_speak_the_persons_language(client, ana):
    page = client.get(HOME, headers={"Accept-Language": "de"}).content.decode()

    assert "Pläne" in page and "Per Karte bezahlen" in page
    assert "10\xa0% mehr auf jede Prämie, die du verdienst, solange JoyPlus läuft" in page


def test_the_page_writes_fees_and_the_balance_the_german_and_italian_way(client, ana):
    german = client.get(HOME, HTTP_ACCEPT_LANGUAGE="de").content.decode().replace("\xa0", " ")
    italian = client.get(HOME, HTTP_ACCEPT_LANGUAGE="it").content.decode().replace("\xa0", " ")

    assert "5,00 €" in german and "€5.00" not in german and "€5.00" not in german
    assert "5,00 €" in italian and "€5.00" not in italian


@pytest.mark.parametrize(
    ("language", "line"),
    [
        ("de", "JoyPlus: Monatsgebühr"),
        ("en", "JoyPlus: monthly fee"),
        ("fr", "JoyPlus\xa0: frais mensuels"),
    ],
)
def test_the_wallet_names_the_plan_a_fee_was_taken_for(client, ana, language, line):
    """It read "Geld abgebucht -2,99 €" ("Money taken") under other movements (#23)."""
    plan = Plan.objects.get(code="joyplus")
    client.post(reverse("subscriptions:subscribe"), {"plan": plan.pk, "accept": "on"})

    page = client.get("/wallet/", headers={"Accept-Language": language}).content.decode()

    assert line in page
    assert "Geld abgebucht" not in page and "Money taken" not in page
