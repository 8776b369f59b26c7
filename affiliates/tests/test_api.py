"""POST /api/v1/conversions: idempotent on the order id and the Idempotency-Key, problem+json, attribution."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from django.utils import timezone

from affiliates.models import Commission, Conversion
from affiliates.tests.conftest import assert_ledger_clean, eur, funds
from tikjoy.tests.factories import affiliate_click_make, affiliate_make, affiliate_program_make

pytestmark = pytest.mark.django_db


@pytest.fixture
def shop(make_merchant, make_key):
    merchant = make_merchant("joy", funds="500.00")
    program = affiliate_program_make(merchant)
    affiliate = affiliate_make(program, email="ana@creator.example")
    click = affiliate_click_make(affiliate, at=timezone.now() - timedelta(days=2))
    return {
        "merchant": merchant,
        "program": program,
        "affiliate": affiliate,
        "click": click,
        "key": make_key(merchant),
    }


def _body(shop, order_id="A-1001", **over):
    return {
        "order_id": order_id,
        "event_type": "sale",
        "amount": "120.00",
        "currency": "EUR",
        "occurred_at": timezone.now().isoformat(),
        "click_id": shop["click"].click_id,
        **over,
    }


def _post(client, body, key="k-1"):
    # json.dumps escapes what UTF-8 can't carry (a lone surrogate), as a hostile client would send it
    return client.post(
        "/api/v1/conversions", json.dumps(body), content_type="application/json", HTTP_IDEMPOTENCY_KEY=key
    )


def test_a_conversion_with_a_click_earns_a_pending_commission(api, shop):
    response = _post(api(shop["key"]), _body(shop))

    assert response.status_code == 201
    body = response.json()
    assert body["status"] == "accepted" and body["reject_reason"] == ""
    assert body["commission"]["state"] == "pending" and body["commission"]["amount"] == "40.00"
    assert body["commission"]["lock_date"] == (timezone.localdate() + timedelta(days=15)).isoformat()
    assert funds(shop["merchant"]) == eur("452.00")
    assert_ledger_clean()


def test_a_replay_returns_the_first_answer_and_a_new_key_for_the_same_order_is_a_409(api, shop):
    client = api(shop["key"])
    body = _body(shop)
    first = _post(client, body, key="k-1")
    replay = _post(client, body, key="k-1")
    duplicate = _post(client, body, key="k-2")

    assert replay.status_code == 201 and replay.json() == first.json()
    assert replay["Idempotent-Replayed"] == "true"
    assert duplicate.status_code == 409
    assert duplicate["Content-Type"] == "application/problem+json"
    assert duplicate.json()["code"] == "duplicate_order"
    assert Conversion.objects.count() == 1 and Commission.objects.count() == 1


def test_a_conversion_outside_the_window_is_recorded_as_rejected_with_the_reason(api, shop):
    old = affiliate_click_make(shop["affiliate"], at=timezone.now() - timedelta(days=40), visitor="old")
    response = _post(api(shop["key"]), _body(shop, click_id=old.click_id))

    assert response.status_code == 201
    assert response.json()["status"] == "rejected"
    assert response.json()["reject_reason"] == "OUTSIDE_WINDOW"
    assert response.json()["commission"] is None
    assert funds(shop["merchant"]) == eur("500.00")


def test_the_customer_is_bound_at_the_first_attributed_conversion(api, shop):
    client = api(shop["key"])
    _post(client, _body(shop, customer_id="cust-9"), key="k-1")
    later = _post(client, _body(shop, order_id="A-1002", click_id="", customer_id="cust-9"), key="k-2")

    assert later.json()["status"] == "accepted"
    assert Conversion.objects.get(order_id="A-1002").affiliate == shop["affiliate"]


def test_first_click_attribution_is_a_program_option(api, shop):
    program = shop["program"]
    program.attribution = "FIRST_CLICK"
    program.save(update_fields=["attribution"])
    other = affiliate_make(program, email="bo@creator.example")
    first = affiliate_click_make(other, at=timezone.now() - timedelta(days=5), visitor="same-visitor")
    last = affiliate_click_make(
        shop["affiliate"], at=timezone.now() - timedelta(days=1), visitor="same-visitor"
    )

    _post(api(shop["key"]), _body(shop, click_id=last.click_id))

    conversion = Conversion.objects.get()
    assert conversion.affiliate == other and conversion.click == first


@pytest.mark.parametrize(
    ("override", "status"),
    [
        ({"amount": "-1.00"}, 400),
        ({"amount": "abc"}, 400),
        ({"currency": "USD"}, 400),
        ({"occurred_at": "yesterday"}, 400),
        ({"click_id": ""}, 400),
        ({"order_id": ""}, 400),
        ({"order_id": "x" * 201}, 400),
        ({"order_id": "a\ud800b"}, 400),
        ({"order_id": "a\x00b"}, 400),
        ({"click_id": ["x"]}, 400),
        ({"amount": "1e100"}, 400),
        ({"occurred_at": (timezone.now() + timedelta(days=2)).isoformat()}, 400),
    ],
)
def test_bad_input_is_a_problem_never_a_500(api, shop, override, status):
    response = _post(api(shop["key"]), _body(shop, **override))
    assert response.status_code == status
    assert response["Content-Type"] == "application/problem+json"


def test_a_merchant_without_a_program_is_told_so(api, make_merchant, make_key):
    merchant = make_merchant("plain")
    body = {"order_id": "A-1", "amount": "1.00", "currency": "EUR", "occurred_at": timezone.now().isoformat()}
    response = _post(api(make_key(merchant)), {**body, "click_id": "abc"})
    assert response.status_code == 422 and response.json()["code"] == "no_program"


def test_a_click_of_another_merchants_program_earns_nothing(api, shop, make_merchant, make_key):
    other = make_merchant("other", funds="100.00")
    affiliate_program_make(other, domains=["other.example"])
    response = _post(api(make_key(other)), _body(shop))
    assert response.json()["status"] == "rejected" and response.json()["reject_reason"] == "NO_CLICK"
    assert funds(shop["merchant"]) == eur("500.00")


def test_the_list_shows_only_the_merchants_own_conversions(api, shop):
    _post(api(shop["key"]), _body(shop))
    response = api(shop["key"]).get("/api/v1/conversions")
    assert [c["order_id"] for c in response.json()["data"]] == ["A-1001"]


def test_a_program_out_of_funds_records_the_conversion_as_rejected_without_a_commission(
    api,
    make_merchant,
    make_key,
    ops,
):
    merchant = make_merchant("poor", funds="20.00", ops=ops)
    program = affiliate_program_make(merchant)
    click = affiliate_click_make(affiliate_make(program), at=timezone.now() - timedelta(hours=1))
    body = {
        "order_id": "P-1",
        "amount": "10.00",
        "currency": "EUR",
        "occurred_at": timezone.now().isoformat(),
        "click_id": click.click_id,
    }
    response = _post(api(make_key(merchant)), body)

    assert response.status_code == 201
    assert (response.json()["status"], response.json()["reject_reason"]) == ("rejected", "NO_FUNDS")
    assert response.json()["commission"] is None
    assert not Commission.objects.exists()
    assert funds(merchant) == eur("20.00")
