"""Ops read plans, subscriptions and their payments in their own language (#23)."""

from __future__ import annotations

import html
import re
from datetime import timedelta

import pytest
from django.utils import timezone, translation

from subscriptions.models import Plan
from subscriptions.services import subscription_start

pytestmark = pytest.mark.django_db


@pytest.fixture
def ana_subscribed(make_consumer, earn_available):
    ana = make_consumer("Ana")
    now = timezone.now()
    earn_available(ana, "5.00", at=now - timedelta(minutes=5))
    return subscription_start(
        user=ana, plan_id=Plan.objects.get(code="joyplus").pk, terms_accepted=True, now=now
    )


def page_text(response) -> str:
    assert response.status_code == 200
    body = re.sub(r"<script.*?</script>|<style.*?</style>", "", response.content.decode(), flags=re.S)
    return re.sub(r"[ \t\r\n]+", " ", html.unescape(re.sub(r"<[^>]+>", " ", body)))


def test_ops_read_a_plan_with_its_fee_the_german_way(ops_client, ana_subscribed):
    text = page_text(ops_client.get("/ops/subscriptions/subscription/", HTTP_ACCEPT_LANGUAGE="de"))

    assert "JoyPlus (2,99\xa0€ im Monat)" in text
    assert "a month" not in text and "2.99 EUR" not in text


def test_ops_read_a_subscriptions_payment_in_italian(ops_client, ana_subscribed):
    text = page_text(ops_client.get("/ops/subscriptions/subscriptionpayment/", HTTP_ACCEPT_LANGUAGE="it"))

    assert "JoyPlus per Ana (Attivo)" in text
    for english in (" for Ana", "(Active)"):
        assert english not in text
    with translation.override("it"):
        named = str(ana_subscribed.payments.get())
    assert named.startswith("2,99\xa0€ per JoyPlus per Ana (Attivo) dal ")
