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
