"""A count of one coin reads "1 coin" (and "1 Coin", "1 coin", "1 moneta", "1 moneda"), never
"1 coins": every coin count shown with the word is a plural form (ngettext, blocktranslate count)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from promote import services
from promote.tests.conftest import FixedSpend, order_request


def _order_fields(post, **fields) -> dict:
    return {
        "content": post.pk,
        "kind": "VIDEO",
        "goal": "VIEWS",
        "audience_automatic": "on",
        "age_min": 18,
        "age_max": 65,
        "budget_coins": 1,
        "duration_days": 1,
        "commercial_music_declared": "on",
    } | fields


@pytest.mark.parametrize(
    ("language", "estimate", "pay"),
    [
        ("en", "for 1 coin.", "Pay 1 coin and submit for review"),
        ("de", "für 1 Coin.", "1 Coin zahlen und zur Prüfung einreichen"),
        ("fr", "pour 1 coin.", "Payer 1 coin et soumettre"),
        ("it", "per 1 moneta.", "Paga 1 moneta e invia in revisione"),
        ("es", "por 1 moneda.", "Pagar 1 moneda y enviar a revisión"),
    ],
)
def test_the_estimate_of_a_one_coin_order_says_one_coin(client, promoter, language, estimate, pay):
    ana, post = promoter()
    client.force_login(ana)
    page = client.post(
        reverse("promote:order_new"), _order_fields(post), HTTP_ACCEPT_LANGUAGE=language
    ).content.decode()
    assert estimate in page
    assert pay in page
    two = client.post(
        reverse("promote:order_new"), _order_fields(post, budget_coins=2), HTTP_ACCEPT_LANGUAGE="en"
    ).content.decode()
    assert "for 2 coins." in two and "Pay 2 coins and submit for review" in two


def test_a_holder_with_one_coin_left_is_told_one_coin(client, promoter):
    ana, post = promoter()
    services.order_place(
        holder=ana, request=order_request(post, budget_coins=999), actor=ana, now=timezone.now()
    )
    client.force_login(ana)
    page = client.post(reverse("promote:order_new"), _order_fields(post, budget_coins=5)).content.decode()
    assert "You have 1 coin; this order needs 5." in page
    german = client.post(
        reverse("promote:order_new"), _order_fields(post, budget_coins=5), HTTP_ACCEPT_LANGUAGE="de"
    ).content.decode()
    assert "Vorhanden ist 1 Coin; diese Bestellung braucht 5." in german


def test_an_order_that_spent_one_coin_says_one_coin(client, promoter, ops):
    ana, post = promoter()
    now = timezone.now()
    order = services.order_place(
        holder=ana, request=order_request(post, budget_coins=2, duration_days=1), actor=ana, now=now
    )
    services.order_approve(order_id=order.pk, actor=ops, now=now)
    end = now + timedelta(days=1, hours=1)
    services.deliveries_tick(now=end, source=FixedSpend(1))
    services.orders_settle_due(now=end)
    client.force_login(ana)
    page = client.get(reverse("promote:order", args=[order.pk])).content.decode()
    assert "The ledger records 1 coin spent." in page
    assert "Returned to your coins: <strong>1 coin</strong>" in page
    french = client.get(reverse("promote:order", args=[order.pk]), HTTP_ACCEPT_LANGUAGE="fr").content.decode()
    assert "Le registre comptable indique 1 coin dépensé." in french
