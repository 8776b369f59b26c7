"""The Promote data of ``bench_scale`` (tikjoy/scale_promote.py) is data the product could have
written: each order counts only the results its kind and goal can have, and the books balance."""

from __future__ import annotations

import pytest
from django.db.models import Sum
from django.utils import timezone

from campaigns.models import ActionType
from promote.delivery import possible_results
from promote.models import DeliveryTick, PromoteOrder
from promote.tests.conftest import assert_books_clean, own_post
from rewards.services import action_record
from tikjoy import scale_promote
from tikjoy.tests.factories import NOW, owner_of

pytestmark = pytest.mark.django_db(transaction=True)  # the builder ends with VACUUM ANALYZE


def test_each_scaled_order_counts_only_the_results_its_kind_and_goal_can_have(make_merchant, make_consumer):
    merchant = make_merchant("scale", funds="100000.00")  # the builder buys its coins from the wallet
    for name in ("Ana", "Ben"):  # the creators whose posts the builder promotes: consumers of the brand
        person = make_consumer(name)
        own_post(person)
        action_record(user=person, merchant=merchant, action_type=ActionType.TIKTOK_LOGIN, now=NOW)

    scale_promote.build(
        merchant=merchant, owner=owner_of(merchant), now=timezone.now(), orders=40, log=lambda _: None
    )

    delivered = PromoteOrder.objects.filter(ticks__isnull=False).distinct()
    assert delivered.count() > 5
    names = ("views", "clicks", "follows", "product_clicks", "live_viewers")
    for order in delivered:
        sums = DeliveryTick.objects.filter(order=order).aggregate(**{n: Sum(n) for n in names})
        possible = possible_results(kind=order.kind, goal=order.goal)
        for name in names:
            if name not in possible:
                assert sums[name] == 0, (order.kind, order.goal, name)
        assert any(sums[name] for name in possible)
    assert_books_clean()
