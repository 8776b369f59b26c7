"""Ops read plans, subscriptions and their payments in their own language (#23)."""

from __future__ import annotations

import html
import re
from datetime import timedelta

import pytest
from django.utils import timezone, translation

from subscriptions.models import Plan
from subscriptions.services import subscription_cancel, subscription_renew, subscription_start

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


@pytest.fixture
def ana_cancelled(ana_subscribed):
    subscription_cancel(user=ana_subscribed.user, subscription_id=ana_subscribed.pk, now=timezone.now())
    subscription_renew(subscription_id=ana_subscribed.pk, now=ana_subscribed.period_end)
    ana_subscribed.refresh_from_db()
    return ana_subscribed


def test_ops_read_what_paid_a_subscription_as_the_persons_balance_in_french(ana_subscribed, ops_client):
    text = page_text(
        ops_client.get(
            f"/ops/subscriptions/subscription/{ana_subscribed.pk}/change/", HTTP_ACCEPT_LANGUAGE="fr"
        )
    )

    assert "le solde disponible de la personne" in text
    assert "votre solde" not in text


def test_ops_filter_subscriptions_cancelled_by_the_person_not_by_themselves(ana_cancelled, ops_client):
    german = page_text(ops_client.get("/ops/subscriptions/subscription/", HTTP_ACCEPT_LANGUAGE="de"))
    spanish = page_text(ops_client.get("/ops/subscriptions/subscription/", HTTP_ACCEPT_LANGUAGE="es"))

    assert "Von der Person gekündigt" in german and "das verfügbare Guthaben der Person" in german
    assert "Von dir" not in german and "dein verfügbares" not in german
    assert "Cancelado por la persona" in spanish and "Cancelado por ti" not in spanish


def test_the_person_still_reads_that_they_cancelled_it_themselves(ana_cancelled, client):
    client.force_login(ana_cancelled.user)

    text = page_text(client.get("/wallet/subscriptions/", HTTP_ACCEPT_LANGUAGE="de"))

    assert "Von dir gekündigt" in text and "der Person" not in text
