"""A closed merchant's keys (docs/privacy.md, "What a closed merchant's team can do"): they read, as
the team reads the console; every write is refused, in words, before anything is recorded."""

from __future__ import annotations

import pytest
from django.db import transaction
from django.utils import timezone

from merchants.consumer_ids import consumer_ref
from merchants.services import merchant_mark_closed
from rewards.models import SocialAction
from tikjoy.tests.factories import owner_of
from webhooks.models import WebhookEndpoint

pytestmark = pytest.mark.django_db


@pytest.fixture
def closed(brand, make_key, api, settings):
    settings.WEBHOOKS_ALLOW_LOOPBACK = True
    world = brand()
    client = api(make_key(world["merchant"]))
    with transaction.atomic():
        merchant_mark_closed(
            merchant=world["merchant"], actor=owner_of(world["merchant"]), now=timezone.now()
        )
    return {**world, "client": client}


def test_a_closed_merchant_s_key_still_reads(closed):
    response = closed["client"].get("/api/v1/rewards")

    assert response.status_code == 200
    assert [r["id"] for r in response.json()["data"]] == [f"rwd_{closed['reward'].pk}"]


def test_a_closed_merchant_s_key_can_t_register_a_webhook_endpoint(closed):
    response = closed["client"].post(
        "/api/v1/webhook-endpoints",
        {"url": "http://127.0.0.1:9/hook", "events": ["reward.created"]},
        format="json",
        HTTP_IDEMPOTENCY_KEY="closed-1",
    )

    assert response.status_code == 403
    assert response["Content-Type"] == "application/problem+json"
    assert (response.json()["code"], response.json()["detail"]) == (
        "merchant_closed",
        "Acme is closed: its data can be read through the API, not changed.",
    )
    assert not WebhookEndpoint.objects.filter(merchant=closed["merchant"]).exists()


def test_a_closed_merchant_s_key_can_t_report_an_action(closed):
    ref = consumer_ref(merchant_id=closed["merchant"].pk, user_id=closed["fan"].pk)

    response = closed["client"].post(
        "/api/v1/actions",
        {"type": "PURCHASE", "consumer": ref, "event_id": "order-1"},
        format="json",
        HTTP_IDEMPOTENCY_KEY="closed-2",
    )

    assert (response.status_code, response.json()["code"]) == (403, "merchant_closed")
    assert not SocialAction.objects.filter(merchant=closed["merchant"], key__startswith="reported:").exists()
