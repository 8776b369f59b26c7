"""GET /api/v1/consumers at scale (issue #22): a page reads only its people, in a fixed number of
queries however many consented, and the cursor walks every one of them once, in the order they
consented."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from api.models import Scope
from merchants.consumer_ids import consumer_ref
from merchants.models import ConsentField
from merchants.services import consent_give, consent_withdraw
from tikjoy.tests.factories import NOW

pytestmark = pytest.mark.django_db


def _get(client, params):
    with CaptureQueriesContext(connection) as ctx:
        response = client.get("/api/v1/consumers", params)
    assert response.status_code == 200
    return response.json(), len(ctx.captured_queries)


def test_the_cursor_walks_every_consented_person_once_in_a_fixed_number_of_queries(
    brand, make_key, api, make_consumer
):
    world = brand()
    merchant = world["merchant"]
    people = [world["fan"]]
    for i in range(6):
        person = make_consumer(f"Fan {i}")
        consent_give(user=person, merchant=merchant, fields=[ConsentField.DISPLAY_NAME], now=NOW)
        people.append(person)
    gone = people.pop(3)
    consent_withdraw(user=gone, merchant=merchant, now=NOW)
    client = api(make_key(merchant, scope=Scope.READ))
    client.get("/api/v1/offer")  # the key's first use (its lookup is cached after it)

    seen, queries, params = [], set(), {"limit": 2}
    while True:
        page, counted = _get(client, params)
        queries.add(counted)
        seen += page["data"]
        if not page["next_cursor"]:
            break
        params = {"limit": 2, "cursor": page["next_cursor"]}
    # in the order they joined, each by the id this merchant knows them by (never TikJoy's own)
    assert [p["id"] for p in seen] == [consumer_ref(merchant_id=merchant.pk, user_id=p.pk) for p in people]
    assert seen[1]["data"] == {"DISPLAY_NAME": "Fan 0"}
    assert len(queries) == 1  # the same count on every page
