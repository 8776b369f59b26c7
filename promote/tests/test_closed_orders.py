"""A closed order's figures say where its coins are: nothing remains in a cancelled, rejected or
settled order, and what came back is said (the consumer's page and list, the console's)."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse
from django.utils import timezone

from promote import services
from promote.tests.conftest import coins_of, ops_coupon, order_request, settled_order
from promote.tests.test_console import merchant_order, signed_in

pytestmark = pytest.mark.django_db


def _figure(page: str, name: str) -> str:
    return re.search(rf'data-figure="{name}">([^<]*)<', page).group(1)


def _list_row(page: str, order_id: int) -> list[str]:
    row = re.search(rf'<tr><td><a href="[^"]*/{order_id}/">{order_id}</a></td>(.*?)</tr>', page, re.S).group(
        1
    )
    return [re.sub(r"<[^>]+>", "", cell).strip() for cell in re.findall(r"<td[^>]*>(.*?)</td>", row, re.S)]


def test_a_cancelled_order_keeps_no_coins_and_says_where_its_budget_went(client, promoter, ops):
    ana, post = promoter()
    ops_coupon(ops, code="WELCOME100", coins=100)
    now = timezone.now()
    order = services.order_place(
        holder=ana,
        request=order_request(post, budget_coins=600, coupon_code="WELCOME100"),
        actor=ana,
        now=now,
    )
    services.order_cancel(order_id=order.pk, actor=ana, now=now)
    assert coins_of(ana) == 1000
    client.force_login(ana)

    page = client.get(reverse("promote:order", args=[order.pk])).content.decode()
    # The budget is no longer in the order: not "Remaining: 600 coins".
    assert _figure(page, "remaining") == "0 coins"
    assert "The budget came back: 500 coins on the coin balance, 100 coins on coupon WELCOME100." in page

    # The list says the 500 coins came back to the person's coins, not "0".
    home = client.get(reverse("promote:home")).content.decode()
    assert _list_row(home, order.pk)[-3:] == ["600", "0", "500"]


def test_a_rejected_order_says_its_budget_came_back(client, promoter, ops):
    ana, post = promoter()
    now = timezone.now()
    order = services.order_place(
        holder=ana, request=order_request(post, budget_coins=400), actor=ana, now=now
    )
    services.order_reject(order_id=order.pk, reason="CONTENT_POLICY", actor=ops, now=now)
    client.force_login(ana)

    page = client.get(reverse("promote:order", args=[order.pk])).content.decode()
    assert _figure(page, "remaining") == "0 coins"
    assert "The budget came back: 400 coins on the coin balance." in page
    home = client.get(reverse("promote:home")).content.decode()
    assert _list_row(home, order.pk)[-3:] == ["400", "0", "400"]


def test_a_settled_order_has_nothing_remaining_beside_what_it_returned(client, promoter, ops):
    ana, post = promoter()
    order = settled_order(ana, post, ops)
    assert order.refunded_coins > 0
    client.force_login(ana)

    page = client.get(reverse("promote:order", args=[order.pk])).content.decode()
    assert _figure(page, "remaining") == "0 coins"
    assert f"Returned to your coins: <strong>{order.refunded_coins:,} coins</strong>" in page


def test_the_console_lists_a_rejected_orders_coins_as_returned(client, make_merchant, ops):
    joy = make_merchant("joy", funds="50.00")
    now = timezone.now()
    order = merchant_order(joy, now=now)
    services.order_reject(order_id=order.pk, reason="CONTENT_POLICY", actor=ops, now=now)
    signed_in(client, joy.created_by)

    page = client.get(reverse("console:promote")).content.decode()
    assert _list_row(page, order.pk)[3:6] == ["600", "0", "600"]
    page = client.get(reverse("console:promote_order", args=[order.pk])).content.decode()
    assert _figure(page, "remaining") == "0 coins"
    assert "The budget came back: 600 coins on the coin balance." in page


def test_cancelling_twice_says_the_order_is_cancelled_not_running(client, promoter):
    """The cancel button pressed in a second tab (or twice): the order is cancelled already, and
    the person is told so, not that "a running promotion can't be stopped"."""
    ana, post = promoter()
    order = services.order_place(holder=ana, request=order_request(post), actor=ana, now=timezone.now())
    client.force_login(ana)
    url = reverse("promote:order_cancel", args=[order.pk])

    first = client.post(url, follow=True).content.decode()
    second = client.post(url, follow=True).content.decode()

    assert "Cancelled. Back on your coin balance: 1,000 coins." in first
    assert f"Promotion #{order.pk} is cancelled, not in review." in second
    assert "running promotion" not in second
    assert coins_of(ana) == 1000


def test_ops_lists_a_cancelled_orders_paid_coins_as_returned(promoter, ops_client):
    """Helper's walk: ops' list still showed the settlement's field, 0, for a cancelled order."""
    ana, post = promoter()
    now = timezone.now()
    order = services.order_place(
        holder=ana, request=order_request(post, budget_coins=600), actor=ana, now=now
    )
    services.order_cancel(order_id=order.pk, actor=ana, now=now)

    page = ops_client.get("/ops/promote/promoteorder/").content.decode()
    row = re.search(rf"<tr[^>]*>.*?>{order.pk}</a></th>(.*?)</tr>", page, re.S).group(1)
    cells = [re.sub(r"<[^>]+>", "", cell).strip() for cell in re.findall(r"<td[^>]*>(.*?)</td>", row, re.S)]
    # budget, coupon, consumed, returned: the 600 paid coins came back
    assert cells[4:8] == ["600", "0", "0", "600"]
