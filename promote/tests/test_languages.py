"""Promote in the visitor's language: the consumer's pages (informal) and the console (formal)."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse
from django.utils import timezone

from promote import services
from promote.tests.conftest import fund, order_request
from tikjoy.tests.factories import PASSWORD

pytestmark = pytest.mark.django_db

PLACEHOLDER = re.compile(r"%\(\w+\)[sd]|\{\{|\{%")


def _clean(response, language: str) -> str:
    assert response.status_code == 200
    page = response.content.decode()
    assert not PLACEHOLDER.search(page), PLACEHOLDER.search(page)
    assert response["Content-Language"] == language
    return page


def test_a_consumer_buys_coins_in_spanish(client, make_consumer):
    ana = make_consumer("Ana")
    fund(ana, "5.00")
    client.force_login(ana)

    client.post(
        reverse("promote:home"),
        {"action": "buy", "coins": "300", "currency": "EUR", "birth_date": "1990-05-01"},
        HTTP_ACCEPT_LANGUAGE="es",
    )
    response = client.get(reverse("promote:home"), HTTP_ACCEPT_LANGUAGE="es")

    page = _clean(response, "es")
    assert "300 monedas compradas por 2,97\xa0€." in page
    assert "Tus monedas" in page and "300 monedas" in page
    assert "Your coins" not in page


def test_the_reasons_an_order_is_refused_are_given_in_italian(client, promoter):
    ana, post = promoter()
    client.force_login(ana)

    response = client.post(
        reverse("promote:order_new"),
        {
            "content": post.pk,
            "kind": "LIVE",
            "goal": "LIVE_VIEWERS",
            "age_min": 18,
            "age_max": 65,
            "country": "FR",
            "budget_coins": 500,
            "duration_days": 2,
            "commercial_music_declared": "on",
            "confirm": "yes",
        },
        HTTP_ACCEPT_LANGUAGE="it",
    )

    page = _clean(response, "it")
    assert "La promozione «LIVE» non è disponibile in questo paese: Francia" in page
    assert "Promuovi un post" in page


def test_an_order_page_counts_days_and_coins_in_italian(client, promoter):
    ana, post = promoter()
    client.force_login(ana)
    order = services.order_place(
        holder=ana,
        request=order_request(post, budget_coins=400, duration_days=1),
        actor=ana,
        now=timezone.now(),
    )

    page = _clean(client.get(reverse("promote:order", args=[order.pk]), HTTP_ACCEPT_LANGUAGE="it"), "it")

    assert f"Promozione n. {order.pk}" in page
    assert "1 giorno" in page and "400 monete" in page
    # The order's status, the model's label, capitalised as a label (as the console's): on the order's
    # page and in the list of orders.
    assert '<strong data-testid="status">In revisione</strong>' in page
    listed = _clean(client.get(reverse("promote:home"), HTTP_ACCEPT_LANGUAGE="it"), "it")
    assert f'<td data-testid="order-status-{order.pk}">In revisione</td>' in listed


def test_the_console_promote_page_addresses_the_merchant_formally_in_spanish(client, make_merchant):
    joy = make_merchant("joy", funds="50.00")
    client.login(email=joy.created_by.email, password=PASSWORD)

    page = _clean(client.get(reverse("console:promote_coupons"), HTTP_ACCEPT_LANGUAGE="es"), "es")

    assert "Cupones para sus consumidores" in page
    assert "Regale a uno de sus consumidores" in page
    assert "Coupons for your consumers" not in page


def test_the_order_forms_coin_count_is_grouped_as_the_reader_writes_numbers(client, promoter):
    ana, _post = promoter(coins=1000)
    client.force_login(ana)

    german = client.get(reverse("promote:order_new"), HTTP_ACCEPT_LANGUAGE="de").content.decode()

    assert 'Du hast <strong data-figure="coins">1.000</strong> Coins.' in german
