"""The thank-you-page tag: what a shop's browser may report, and why it is held until the merchant confirms."""

from __future__ import annotations

import gzip
import json
from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from affiliates.models import (
    Commission,
    CommissionState,
    Conversion,
    ConversionSource,
    HoldCode,
    ReversalCode,
)
from affiliates.services import (
    TAG_HOLD_REASON,
    DuplicateOrder,
    commission_release,
    commission_reverse,
    tag_conversion_confirm,
    tag_conversion_supersede,
)
from affiliates.tests.conftest import assert_ledger_clean, eur, funds
from api.models import KeyKind
from tikjoy.tests.factories import affiliate_click_make, affiliate_make, affiliate_program_make

pytestmark = pytest.mark.django_db

SHOP = "https://www.shop.example"


@pytest.fixture
def tag(program, affiliate, make_key):
    """The program's publishable key and a visitor's click of the affiliate's link, just now."""
    return {
        "key": make_key(program.merchant, kind=KeyKind.PUBLISHABLE, scope="public", name="tag"),
        "click": affiliate_click_make(affiliate, at=timezone.now()),
    }


def report(client, tag, *, origin=SHOP, address="127.0.0.1", **fields):
    body = {
        "key": tag["key"],
        "click_id": tag["click"].click_id,
        "order_id": "A-1001",
        "amount": "64.00",
        "currency": "EUR",
        **fields,
    }
    headers = {"HTTP_ORIGIN": origin} if origin else {}
    return client.post(
        "/embed/v1/conversion", json.dumps(body), content_type="text/plain", REMOTE_ADDR=address, **headers
    )


def test_the_script_is_small_and_names_this_site(client):
    response = client.get("/embed/v1/affiliates.js")

    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/javascript")
    assert 'var TIKJOY = "http://testserver"' in response.content.decode()
    assert len(gzip.compress(response.content)) < 4_000


def test_a_report_from_the_shop_is_recorded_and_held_until_the_merchant_confirms(client, program, tag):
    before = funds(program.merchant)

    response = report(client, tag)

    assert response.status_code == 201
    assert response.json() == {"status": "recorded", "state": "held"}
    assert response["Access-Control-Allow-Origin"] == SHOP  # exactly the shop, a sub-domain of shop.example
    conversion = Conversion.objects.get()
    assert conversion.source == ConversionSource.TAG and conversion.click == tag["click"]
    commission = conversion.commission
    assert (commission.state, commission.hold_reason) == (CommissionState.HELD, TAG_HOLD_REASON)
    assert funds(program.merchant) == before - eur("48.00")  # reserved (bounty + margin), not paid
    assert_ledger_clean()


def test_the_merchants_server_reporting_the_same_order_confirms_it(client, api, make_key, program, tag):
    report(client, tag)
    secret = make_key(program.merchant)

    response = api(secret).post(
        "/api/v1/conversions",
        {
            "order_id": "A-1001",
            "amount": "60.00",
            "currency": "EUR",
            "occurred_at": timezone.now().isoformat(),
            "click_id": tag["click"].click_id,
        },
        format="json",
        HTTP_IDEMPOTENCY_KEY="confirm-1",
    )

    assert response.status_code == 200
    assert response.json()["commission"]["state"] == "pending"
    conversion = Conversion.objects.get()
    assert conversion.amount == Decimal("60.00")  # the server's figure wins
    assert conversion.commission.state == CommissionState.PENDING
    assert_ledger_clean()


def server_report(api, secret, **fields):
    body = {
        "order_id": "A-1001",
        "amount": "120.00",
        "currency": "EUR",
        "occurred_at": timezone.now().isoformat(),
    }
    return api(secret).post(
        "/api/v1/conversions", {**body, **fields}, format="json", HTTP_IDEMPOTENCY_KEY=f"srv-{sorted(fields)}"
    )


def test_a_forged_report_of_a_guessed_order_gives_way_to_the_servers_report_of_another_affiliate(
    client, api, make_key, program, affiliate, tag
):
    """Anyone with a click of their own can send the tag a guessed order id before the real order exists;
    the real order came through another affiliate's link: the shop's own report stands for the order
    (that affiliate's commission), and the forger's held commission is reversed, its money back."""
    forger = affiliate_make(program, email="mallory@creator.example")
    forged_click = affiliate_click_make(forger, at=timezone.now(), visitor="forger-1")
    assert report(client, tag, click_id=forged_click.click_id, amount="1.00").status_code == 201
    before = funds(program.merchant)
    secret = make_key(program.merchant)

    response = server_report(api, secret, click_id=tag["click"].click_id)
    again = server_report(api, secret, click_id=tag["click"].click_id, amount="120.00")

    assert response.status_code == 201
    honest = Conversion.objects.get(superseded_at__isnull=True)
    forged = Conversion.objects.get(superseded_at__isnull=False)
    assert response.json()["id"] == f"cnv_{honest.pk}" and response.json()["commission"]["state"] == "pending"
    assert (honest.order_id, honest.affiliate, honest.amount) == ("A-1001", affiliate, Decimal("120.00"))
    assert honest.commission.state == CommissionState.PENDING
    assert (forged.order_id, forged.affiliate, forged.commission.state, forged.commission.reversal_code) == (
        "A-1001",
        forger,
        CommissionState.REVERSED,
        ReversalCode.TAG_NOT_BORNE_OUT,
    )
    assert funds(program.merchant) == before  # the forger's reservation back, the honest one's taken
    assert (again.status_code, again.json()["code"]) == (409, "duplicate_order")  # the order, once
    assert Conversion.objects.count() == 2
    assert_ledger_clean()


@pytest.mark.parametrize("decided", ["held by a fraud rule", "reversed by a person"])
def test_a_forged_report_a_fraud_rule_held_or_a_person_reversed_gives_way_too(
    client, api, make_key, program, affiliate, tag, ops, decided
):
    """A forger's guesses trip the automatic fraud rules (their commission held for velocity, say), or a
    person reversed the forged commission already: the shop's report of the order still stands."""
    forger = affiliate_make(program, email="mallory@creator.example")
    forged_click = affiliate_click_make(forger, at=timezone.now(), visitor="forger-1")
    report(client, tag, click_id=forged_click.click_id, amount="1.00")
    forged_commission = Conversion.objects.get().commission
    if decided == "held by a fraud rule":
        Commission.objects.filter(pk=forged_commission.pk).update(hold_code=HoldCode.VELOCITY)
    else:
        commission_reverse(
            commission_id=forged_commission.pk,
            code=ReversalCode.AFFILIATE_FRAUD,
            actor=ops,
            now=timezone.now(),
        )
    before = funds(program.merchant)

    response = server_report(api, make_key(program.merchant), click_id=tag["click"].click_id)

    assert response.status_code == 201
    forged_commission.refresh_from_db()
    assert forged_commission.state == CommissionState.REVERSED
    assert Conversion.objects.get(superseded_at__isnull=True).affiliate == affiliate
    listed = {
        c["id"]: c["status"]
        for c in api(make_key(program.merchant, scope="read")).get("/api/v1/conversions").json()["data"]
    }
    assert sorted(listed.values()) == ["accepted", "superseded"]
    if decided == "held by a fraud rule":
        assert funds(program.merchant) == before  # the forger's reservation back, the honest one's taken
    assert_ledger_clean()


def test_a_confirmation_racing_the_set_aside_is_refused_not_confirmed(client, program, affiliate, tag):
    """Two server reports of the order at once, one naming the tag's visit and one another's: once the
    tag's report is set aside, the confirmation finds it so and is a conflict, never "confirmed"."""
    forger = affiliate_make(program, email="mallory@creator.example")
    forged_click = affiliate_click_make(forger, at=timezone.now(), visitor="forger-1")
    report(client, tag, click_id=forged_click.click_id, amount="1.00")
    forged = Conversion.objects.get()
    assert tag_conversion_supersede(conversion_id=forged.pk, now=timezone.now())

    with pytest.raises(DuplicateOrder):
        tag_conversion_confirm(
            conversion_id=forged.pk,
            amount=Decimal("99.00"),
            click_id=forged_click.click_id,
            now=timezone.now(),
        )

    forged.refresh_from_db()
    assert forged.amount == Decimal("1.00") and forged.commission.state == CommissionState.REVERSED
    assert_ledger_clean()


def test_a_tag_report_a_person_already_released_is_not_set_aside_by_the_server(
    client, api, make_key, program, affiliate, tag, ops
):
    """Once a person has decided the tag's commission (released it), the server's report naming another
    affiliate is a conflict for a person again (409), and nothing changes."""
    forger = affiliate_make(program, email="mallory@creator.example")
    forged_click = affiliate_click_make(forger, at=timezone.now(), visitor="forger-1")
    report(client, tag, click_id=forged_click.click_id, amount="1.00")
    commission_release(commission_id=Conversion.objects.get().commission.pk, actor=ops, now=timezone.now())
    before = funds(program.merchant)

    response = server_report(api, make_key(program.merchant), click_id=tag["click"].click_id)

    assert response.status_code == 409
    assert response["Content-Type"] == "application/problem+json"
    problem = response.json()
    assert problem["code"] == "attribution_mismatch"
    assert "not confirmed" in problem["detail"] and "cnv_" in problem["detail"]
    conversion = Conversion.objects.get()
    assert conversion.affiliate == forger and conversion.amount == Decimal("1.00")  # nothing changed
    assert conversion.commission.state == CommissionState.PENDING and conversion.superseded_at is None
    assert funds(program.merchant) == before
    assert_ledger_clean()


def test_a_server_report_naming_no_visit_confirms_a_tag_report_made_after_the_order(
    client, api, make_key, program, tag
):
    """A shop that keeps no click id confirms with its order and customer: the tag reported after the order."""
    report(client, tag)

    response = server_report(api, make_key(program.merchant), customer_id="cust-77")

    assert response.status_code == 200
    assert Conversion.objects.get().commission.state == CommissionState.PENDING
    assert_ledger_clean()


def test_a_tag_report_made_long_after_the_order_is_not_confirmed_by_a_report_naming_no_visit(
    client, api, make_key, program, tag
):
    """A thank-you page comes right after the order: a report two hours later named an order someone learned of."""
    report(client, tag)

    response = server_report(
        api,
        make_key(program.merchant),
        customer_id="cust-77",
        occurred_at=(timezone.now() - timedelta(hours=2)).isoformat(),
    )

    assert response.status_code == 409 and response.json()["code"] == "attribution_mismatch"
    assert Conversion.objects.get().commission.state == CommissionState.HELD


def test_a_tag_report_made_before_the_order_is_not_confirmed_by_a_report_naming_no_visit(
    client, api, make_key, program, tag
):
    """A thank-you page comes after the order: a report an hour before it named a guessed order id."""
    report(client, tag)
    Conversion.objects.update(occurred_at=timezone.now() - timedelta(hours=2))

    response = server_report(
        api,
        make_key(program.merchant),
        customer_id="cust-77",
        occurred_at=(timezone.now() - timedelta(hours=1)).isoformat(),
    )

    assert response.status_code == 409 and response.json()["code"] == "attribution_mismatch"
    assert Conversion.objects.get().commission.state == CommissionState.HELD
    assert_ledger_clean()


def test_a_visitor_who_floods_the_tag_does_not_stop_other_shoppers_reports(client, tag, settings):
    """The tag's key is public (it is in the shop's pages): it is counted per visitor, so a flood from
    one address is refused while a shopper's report from another is recorded."""
    settings.API_PUBLIC_RATE_LIMIT_PER_MINUTE = 2
    unknown = "0123456789abcdef01234567"
    flood = [
        report(client, tag, click_id=unknown, order_id=f"X-{n}", address="203.0.113.7") for n in range(3)
    ]

    shopper = report(client, tag, address="198.51.100.20")

    assert [r.json()["status"] for r in flood] == ["ignored", "ignored", "rate_limited"]
    assert flood[-1].status_code == 429 and 1 <= int(flood[-1]["Retry-After"]) <= 60
    assert (shopper.status_code, shopper.json()["status"]) == (201, "recorded")
    assert Conversion.objects.get().order_id == "A-1001"


def test_a_shoppers_order_is_recorded_when_the_keys_ceiling_is_spent(client, api, tag, settings):
    """Someone with many networks spends the key's ceiling across visitors (each within their own
    limit): the widget's reads are refused for the minute, but an order reported by the tag is still
    recorded (an affiliate's commission is never lost to a flood)."""
    settings.API_PUBLIC_RATE_LIMIT_PER_MINUTE = 2
    settings.API_PUBLIC_KEY_RATE_LIMIT_PER_MINUTE = 3
    widget = api(tag["key"])
    flood = [widget.get("/api/v1/offer", REMOTE_ADDR=f"2001:db8:{n}::1") for n in range(1, 5)]

    shopper = report(client, tag, address="198.51.100.20")

    assert flood[-1].status_code == 429 and '"per-key";r=0;' in flood[-1]["RateLimit"]
    assert (shopper.status_code, shopper.json()["status"]) == (201, "recorded")
    assert Conversion.objects.get().order_id == "A-1001"


@pytest.mark.parametrize("origin", ["https://evil.example", "https://shop.example.evil.example", "null", ""])
def test_a_report_from_another_site_is_refused_without_cors(client, tag, origin):
    response = report(client, tag, origin=origin)

    assert response.status_code == 403
    assert "Access-Control-Allow-Origin" not in response
    assert not Conversion.objects.exists()


def test_an_order_without_a_known_click_is_ignored_and_not_recorded(client, tag):
    response = report(client, tag, click_id="0123456789abcdef01234567")

    assert (response.status_code, response.json()["status"]) == (200, "ignored")
    assert not Conversion.objects.exists()


def test_one_visit_reports_one_order_and_an_order_once(client, tag):
    assert report(client, tag).status_code == 201

    again = report(client, tag)
    other = report(client, tag, order_id="A-1002")

    assert (again.status_code, again.json()["status"]) == (409, "duplicate_order")
    assert (other.status_code, other.json()["status"]) == (409, "refused")
    assert "from your server" in other.json()["error"]
    assert Conversion.objects.count() == 1


@pytest.mark.parametrize(
    "body",
    [
        b"",
        b"not json",
        b"[1, 2]",
        b'{"key": {"a": 1}}',
        b"\xff\xfe",
        json.dumps(
            {"key": "tj_pk_x", "click_id": "c" * 40, "order_id": "1", "amount": "1", "currency": "EUR"}
        ).encode(),
        b"{" + b" " * 3000 + b"}",
    ],
)
def test_malformed_reports_are_4xx_never_500(client, tag, body):
    response = client.post("/embed/v1/conversion", body, content_type="text/plain", HTTP_ORIGIN=SHOP)

    assert 400 <= response.status_code < 500


@pytest.mark.parametrize(
    "fields",
    [{"amount": "-1.00"}, {"amount": "1e9"}, {"currency": "USD"}, {"order_id": ""}, {"key": "tj_pk_unknown"}],
)
def test_bad_fields_or_keys_are_refused(client, tag, fields):
    response = report(client, tag, **fields)

    assert 400 <= response.status_code < 500
    assert not Conversion.objects.exists()


def test_a_secret_key_is_not_accepted_by_the_tag(client, make_key, program, tag):
    response = report(client, {**tag, "key": make_key(program.merchant)})

    assert response.status_code == 404
    assert not Conversion.objects.exists()


def test_a_preflight_gets_no_permission(client):
    response = client.options("/embed/v1/conversion", HTTP_ORIGIN=SHOP)

    assert response.status_code == 204
    assert "Access-Control-Allow-Origin" not in response


def test_another_merchants_key_cannot_report_this_programs_clicks(client, make_merchant, make_key, ops, tag):
    other = make_merchant("bravo", funds="500.00", ops=ops)
    affiliate_program_make(other, domains=["shop.example"])
    key = make_key(other, kind=KeyKind.PUBLISHABLE, scope="public", name="tag")

    response = report(client, {**tag, "key": key})

    assert (response.status_code, response.json()["status"]) == (200, "ignored")
    assert not Conversion.objects.exists()
