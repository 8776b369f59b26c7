""" "Send again" in the console's delivery log: never for an endpoint that is disabled meanwhile (the page
was loaded while it was active). Nothing is sent to a disabled endpoint, so a delivery queued for one
waited forever, and its event (the body that may name a person) was never purged: the retention purge
keeps events still being delivered."""

from __future__ import annotations

import re
from datetime import timedelta
from html import unescape

import pytest
from django.urls import reverse
from django.utils import timezone

from merchants.roles import Role
from webhooks.models import DeliveryStatus, WebhookDelivery, WebhookEvent
from webhooks.reasons import DISABLED_IN_CONSOLE, reason_english
from webhooks.services import endpoint_create, endpoint_disable, event_record, webhook_bodies_purge

pytestmark = pytest.mark.django_db


def _once(page) -> str:
    return re.search(r'name="once" value="([\w-]+)"', page.content.decode()).group(1)


@pytest.fixture
def delivered(make_merchant, settings):
    """An owner's endpoint with one delivered event, and the endpoint's page as the owner loaded it."""
    settings.WEBHOOKS_ALLOW_LOOPBACK = True
    merchant = make_merchant("acme")
    owner = merchant.memberships.get(role=Role.OWNER).user
    now = timezone.now()
    endpoint = endpoint_create(
        merchant=merchant, url="http://127.0.0.1:9/hook", events=["topup.received"], actor=owner, now=now
    )
    event = event_record(merchant_id=merchant.pk, type="topup.received", data={"id": "top_1"}, now=now)
    WebhookDelivery.objects.filter(event=event).update(
        status=DeliveryStatus.SUCCEEDED, delivered_at=now, next_attempt_at=None
    )
    return {"endpoint": endpoint, "owner": owner, "delivery": WebhookDelivery.objects.get(event=event)}


def test_send_again_on_an_endpoint_disabled_meanwhile_sends_nothing_and_says_why(client, delivered):
    endpoint, delivery = delivered["endpoint"], delivered["delivery"]
    client.force_login(delivered["owner"])
    url = reverse("console:hook_endpoint", args=[endpoint.pk])
    once = _once(client.get(url))
    endpoint_disable(endpoint=endpoint, reason=reason_english(DISABLED_IN_CONSOLE), now=timezone.now())

    page = client.post(url, {"action": "replay", "delivery": delivery.pk, "once": once}, follow=True)

    text = unescape(page.content.decode())
    assert "This endpoint is disabled: nothing is sent to it." in text
    assert "is sent again" not in text
    delivery.refresh_from_db()
    assert delivery.status == DeliveryStatus.SUCCEEDED
    webhook_bodies_purge(before=timezone.now() + timedelta(days=1))
    assert not WebhookEvent.objects.exists()
