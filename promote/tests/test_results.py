"""An order shows only the results its kind and goal can have: only a LIVE has live viewers."""

from __future__ import annotations

import importlib
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from promote import services
from promote.delivery import GOAL_FIELD, possible_results
from promote.models import DeliveryTick
from promote.tests.conftest import order_request
from social.models import TikTokProfile

pytestmark = pytest.mark.django_db


def _delivered(promoter, ops, **fields):
    ana, post = promoter()
    if fields.get("kind") == "LIVE":  # a LIVE promotes the person's LIVE room, not the post
        TikTokProfile.objects.create(user=ana, open_id="open-ana", username="ana")
        fields |= {"tracked_post_id": None, "live_room": "ana"}
    now = timezone.now()
    order = services.order_place(
        holder=ana, request=order_request(post, duration_days=1, **fields), actor=ana, now=now
    )
    services.order_approve(order_id=order.pk, actor=ops, now=now)
    services.deliveries_tick(now=now + timedelta(days=1, hours=1))
    order.refresh_from_db()
    return ana, order


def test_a_video_order_has_no_live_viewers(client, promoter, ops):
    ana, order = _delivered(promoter, ops, kind="VIDEO", goal="VIEWS")
    client.force_login(ana)

    page = client.get(reverse("promote:order", args=[order.pk]), HTTP_ACCEPT_LANGUAGE="de").content.decode()
    header = client.get(reverse("promote:order_csv", args=[order.pk])).content.decode().splitlines()[0]

    assert sum(t.views for t in DeliveryTick.objects.filter(order=order)) > 0
    assert not DeliveryTick.objects.filter(order=order, live_viewers__gt=0).exists()
    assert "Videoaufrufe" in page
    assert "Live-Zuschauer" not in page
    assert "Produktklicks" not in page and "Website-Besuche" not in page
    assert header == '\ufeff"Hour, UTC",Coins spent,Impressions,Video views,Follows'


def test_a_live_order_shows_its_live_viewers_and_no_video_views(client, promoter, ops):
    ana, order = _delivered(promoter, ops, kind="LIVE", goal="LIVE_VIEWERS")
    client.force_login(ana)

    page = client.get(reverse("promote:order", args=[order.pk])).content.decode()

    assert order.results > 0
    assert not DeliveryTick.objects.filter(order=order, views__gt=0).exists()
    assert "<th>Live viewers</th>" in page
    assert "Video views" not in page


def test_an_old_record_of_live_viewers_on_a_video_is_not_shown(client, promoter, ops):
    ana, order = _delivered(promoter, ops, kind="VIDEO", goal="VIEWS")
    DeliveryTick.objects.filter(order=order).update(live_viewers=20)
    client.force_login(ana)

    page = client.get(reverse("promote:order", args=[order.pk])).content.decode()

    assert "Video views" in page
    assert "Live viewers" not in page


def test_every_goal_of_the_seed_matrix_is_a_result_its_kind_can_have():
    seed = importlib.import_module("promote.migrations.0002_matrix_prices_schedule")
    for kind, goals in seed.GOALS.items():
        for goal in goals:
            assert GOAL_FIELD[goal] in possible_results(kind=kind, goal=goal), (kind, goal)


def test_the_share_returned_is_a_percentage_as_the_reader_writes_it(client, promoter, ops):
    ana, order = _delivered(promoter, ops, kind="VIDEO", goal="VIEWS")
    services.order_settle(order_id=order.pk, now=timezone.now() + timedelta(days=3))
    order.refresh_from_db()
    client.force_login(ana)
    url = reverse("promote:order", args=[order.pk])
    share = order.refunded_coins * 100 // order.budget_coins

    english = client.get(url, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    french = client.get(url, HTTP_ACCEPT_LANGUAGE="fr").content.decode()

    assert order.status == "SETTLED"
    assert f"({share}% of the budget)" in english
    assert f"({share}\xa0% du budget)" in french
