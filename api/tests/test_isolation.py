"""Tenant isolation of /api/v1/, walked generically: merchant Alpha's key against Bravo's objects.

Every route under ``api/v1/`` is found in the root URLconf; each one that takes an id is
called with the typed id of every one of Bravo's objects (every prefix), with every method;
lists are read with every filter. The answer never holds Bravo's data, and Bravo's objects
don't change. New routes are covered automatically.
"""

from __future__ import annotations

import pytest
from django.urls import URLPattern, URLResolver, get_resolver
from django.utils import timezone

from merchants.consumer_ids import consumer_ref
from merchants.selectors import wallet_history
from rewards.models import Reward, SocialAction
from rewards.reported import reported_action_record
from webhooks.models import WebhookEndpoint
from webhooks.services import endpoint_create

pytestmark = pytest.mark.django_db

BRAVO_MARKERS = ("Bravo", "bravo", "Bea Fan", "bea@fans.example")


def _v1_routes() -> list[str]:
    found = []

    def walk(patterns, prefix):
        for pattern in patterns:
            route = prefix + str(pattern.pattern)
            if isinstance(pattern, URLResolver):
                walk(pattern.url_patterns, route)
            elif isinstance(pattern, URLPattern) and route.startswith("api/v1/"):
                found.append(route)

    walk(get_resolver().url_patterns, "")
    return found


ROUTES = _v1_routes()


@pytest.fixture
def world(brand, make_key, billed, settings):
    settings.WEBHOOKS_ALLOW_LOOPBACK = True
    alpha, bravo = brand("alpha", "Ana Fan"), brand("bravo", "Bea Fan")
    documents = billed(bravo["merchant"])
    reported, _ = reported_action_record(
        merchant=bravo["merchant"],
        consumer_id=bravo["fan"].pk,
        action_type="PURCHASE",
        event_id="bravo-order-1",
        occurred_at=None,
        now=timezone.now(),
    )
    endpoint = endpoint_create(
        merchant=bravo["merchant"],
        url="http://127.0.0.1:9/bravo-hook",
        events=["reward.created"],
        description="Bravo hook",
        actor=None,
        now=timezone.now(),
    )
    ids = [
        f"cmp_{bravo['campaign'].pk}",
        f"rul_{bravo['campaign'].rules.get().pk}",
        f"rwd_{bravo['reward'].pk}",
        consumer_ref(merchant_id=bravo["merchant"].pk, user_id=bravo["fan"].pk),
        f"whe_{endpoint.pk}",
        f"stm_{documents['statement'].pk}",
        f"inv_{documents['invoice'].pk}",
        f"act_{reported.pk}",
        *(f"ent_{e.pk}" for e in wallet_history(merchant=bravo["merchant"])),
    ]
    return {"key": make_key(alpha["merchant"]), "bravo": bravo, "bravo_ids": ids}


def _state(bravo) -> list:
    return [
        sorted(Reward.objects.filter(merchant=bravo["merchant"]).values_list()),
        sorted(SocialAction.objects.filter(merchant=bravo["merchant"]).values_list()),
        sorted(WebhookEndpoint.objects.filter(merchant=bravo["merchant"]).values_list()),
    ]


def _assert_no_bravo(response, where: str, bravo_ids: list[str]) -> None:
    body = response.content.decode(errors="replace")
    for marker in (*BRAVO_MARKERS, *(f'"{i}"' for i in bravo_ids)):
        assert marker not in body, f"{where} shows Bravo's data ({marker!r})"


def test_the_walk_finds_every_resource():
    assert {"api/v1/rewards", "api/v1/rewards/<str:id>/reverse", "api/v1/webhook-endpoints/<str:id>"} <= set(
        ROUTES
    )


@pytest.mark.parametrize("route", ROUTES)
def test_alphas_key_never_sees_or_changes_bravos_objects(world, api, route):
    client = api(world["key"])
    before = _state(world["bravo"])
    ids = world["bravo_ids"] if "<str:id>" in route else [None]

    for object_id in ids:
        path = "/" + (route.replace("<str:id>", object_id) if object_id else route)
        for method in ("get", "post", "delete"):
            response = getattr(client, method)(
                path,
                {"reason": "hijack", "url": "https://x.example", "events": ["reward.created"]},
                format="json" if method != "get" else None,
                HTTP_IDEMPOTENCY_KEY=f"{method}{path}",
            )
            if object_id:
                assert response.status_code in (404, 405), f"{method.upper()} {path}: {response.status_code}"
            else:
                assert response.status_code < 500
            _assert_no_bravo(response, f"{method.upper()} {path}", world["bravo_ids"])
        if not object_id:
            for query in ("?status=PENDING", f"?campaign={world['bravo_ids'][0]}", "?limit=100"):
                response = client.get(path + query)
                _assert_no_bravo(response, path + query, world["bravo_ids"])

    assert _state(world["bravo"]) == before
