"""The console addresses a merchant formally in German (Sie), on the pages it shares with the
person's Promote page too (an order's figures, promote/_analytics.html)."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from promote import services
from promote.tests.test_console import merchant_order, signed_in

pytestmark = pytest.mark.django_db

INFORMAL = re.compile(r"\b(du|dich|dir|dein\w*)\b", re.IGNORECASE)


def test_a_settled_orders_console_page_says_what_came_back_without_du(client, make_merchant, ops):
    joy = make_merchant("joy", funds="50.00")
    now = timezone.now()
    order = merchant_order(joy, now=now, duration_days=1)
    services.order_approve(order_id=order.pk, actor=ops, now=now)
    services.deliveries_tick(now=now + timedelta(days=1, hours=1))
    services.orders_settle_due(now=now + timedelta(days=1, hours=1))
    order.refresh_from_db()
    assert order.status == "SETTLED" and order.refunded_coins > 0
    signed_in(client, joy.created_by)

    page = client.get(reverse("console:promote_order", args=[order.pk]), HTTP_ACCEPT_LANGUAGE="de")

    returned = re.sub(
        r"<[^>]+>", "", re.search(r'data-testid="returned">(.*?)</p>', page.content.decode(), re.S).group(1)
    )
    assert f"{order.refunded_coins} Coins" in returned
    assert not INFORMAL.search(returned), returned
