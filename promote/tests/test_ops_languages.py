"""Ops read Promote's orders and a coin wallet's history in their own language (#23, tester pass 8)."""

from __future__ import annotations

import re
from datetime import date
from html import unescape

import pytest
from django.utils import timezone

from promote import services
from promote.tests.conftest import fund, order_request

pytestmark = pytest.mark.django_db


def _text(response) -> str:
    assert response.status_code == 200
    return re.sub(r"\s+", " ", unescape(re.sub(r"<[^>]+>", " ", response.content.decode())))


def test_the_ops_orders_list_names_the_promoted_video_in_german(promoter, ops_client):
    ana, post = promoter()
    services.order_place(holder=ana, request=order_request(post), actor=ana, now=timezone.now())

    german = _text(ops_client.get("/ops/promote/promoteorder/", HTTP_ACCEPT_LANGUAGE="de"))

    assert f"TikTok-Video {post.video_id}" in german
    assert "TikTok video" not in german


def test_a_forgotten_birth_date_reads_in_the_operators_language_in_the_history(make_consumer, ops_client):
    kid = make_consumer("Kid")
    fund(kid, "20.00")
    wallet = services.birth_date_declare(
        user=kid, birth_date=date(2012, 3, 4), now=timezone.now(), currency="EUR"
    )
    url = "/ops/promote/coinwallet/"
    asked = {"action": "forget_birth_date", "_selected_action": [wallet.pk]}

    ops_client.post(
        url, {**asked, "apply": "1", "reason": "Ausweis geprüft: 1992"}, HTTP_ACCEPT_LANGUAGE="de"
    )
    history = _text(ops_client.get(f"{url}{wallet.pk}/history/", HTTP_ACCEPT_LANGUAGE="de"))

    assert "Geburtsdatum vergessen: Ausweis geprüft: 1992" in history
    assert "Birth date forgotten" not in history


def test_ops_see_that_a_wallet_opened_by_a_refused_purchase_has_no_currency_yet(make_consumer, ops_client):
    """A birth date given with a purchase in dollars that was refused opens the wallet in dollars,
    but the person's first purchase still chooses: ops must not read "US-Dollar" there."""
    sam, zoe = make_consumer("Sam"), make_consumer("Zoé")
    fund(zoe, "20.00")
    services.birth_date_declare(user=sam, birth_date=date(1990, 2, 3), now=timezone.now(), currency="USD")
    services.birth_date_declare(user=zoe, birth_date=date(1990, 2, 3), now=timezone.now(), currency="EUR")
    services.coins_buy_from_wallet(holder=zoe, coins_count=100, currency="EUR", actor=zoe, now=timezone.now())

    german = _text(ops_client.get("/ops/promote/coinwallet/", HTTP_ACCEPT_LANGUAGE="de"))
    page = _text(
        ops_client.get(f"/ops/promote/coinwallet/{sam.coin_wallet.pk}/change/", HTTP_ACCEPT_LANGUAGE="de")
    )

    assert "Noch nicht gewählt (der erste Kauf wählt sie)" in german
    assert "US-Dollar" not in german
    assert "Euro" in german  # Zoé's purchase chose it
    assert "Noch nicht gewählt" in page and "US-Dollar" not in page
