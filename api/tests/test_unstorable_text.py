"""Text PostgreSQL can't hold (a ``\\u0000`` escape, a lone surrogate) in a JSON body is refused as
malformed, never a 500: an error that echoes the value ("\\"\\x00\\" is not a valid choice.") could
not be stored for replay (``jsonb``), and the Idempotency-Key stayed claimed "in flight"; a text field
that takes it could not be saved (docs/security.md: "no input is ever a 500")."""

from __future__ import annotations

import pytest

from merchants.consumer_ids import consumer_ref

pytestmark = pytest.mark.django_db

NUL = r'"\u0000"'
SURROGATE = r'"\ud800"'


@pytest.fixture
def shop(brand, make_key, api):
    world = brand()
    client = api(make_key(world["merchant"]))
    client.raise_request_exception = False  # as a real server: a 500 page, not the exception
    ref = consumer_ref(merchant_id=world["merchant"].pk, user_id=world["fan"].pk)
    return {"client": client, "ref": ref}


def _report(shop, type_json: str, key: str):
    body = f'{{"type": {type_json}, "consumer": "{shop["ref"]}", "event_id": "order-1"}}'
    return shop["client"].post(
        "/api/v1/actions", body, content_type="application/json", HTTP_IDEMPOTENCY_KEY=key
    )


@pytest.mark.parametrize("value", [NUL, SURROGATE], ids=["nul", "lone-surrogate"])
def test_unstorable_text_in_a_json_body_is_a_bad_request(shop, value):
    response = _report(shop, value, key="odd-1")

    assert response.status_code == 400
    assert response["Content-Type"] == "application/problem+json"
    assert response.json()["code"] == "malformed_json"


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("value", [NUL, SURROGATE], ids=["nul", "lone-surrogate"])
def test_the_idempotency_key_of_a_refused_body_is_not_left_in_flight(shop, value):
    _report(shop, value, key="odd-2")

    retried = _report(shop, value, key="odd-2")

    assert retried.status_code == 400
    assert retried.json()["code"] == "malformed_json"


@pytest.mark.parametrize("value", [NUL, SURROGATE], ids=["nul", "lone-surrogate"])
def test_a_campaign_s_name_with_unstorable_text_is_a_bad_request(brand, make_key, api, value):
    world = brand()
    client = api(make_key(world["merchant"]))
    client.raise_request_exception = False

    response = client.patch(
        f"/api/v1/campaigns/cmp_{world['campaign'].pk}",
        f'{{"name": {value}}}',
        content_type="application/json",
    )

    assert response.status_code == 400
    assert response.json()["code"] == "malformed_json"
    world["campaign"].refresh_from_db()
    assert world["campaign"].name == "Acme Spring"
