"""POST /api/v1/actions: purchases and sign-ups the merchant's shop reports, paid by the engine."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.db import connection
from django.utils import timezone
from rest_framework.exceptions import ValidationError

from api.models import Scope
from api.serializers import ActionIn, action_in
from merchants.consumer_ids import consumer_ref
from merchants.models import ConsentField
from merchants.services import consent_give, consent_withdraw
from rewards.models import Reward
from tikjoy.tests.factories import NOW, login_rule, owner_of

pytestmark = pytest.mark.django_db


def purchase_rule(amount: str = "2.00") -> dict:
    return {"action": "PURCHASE", "is_enabled": True, "amount": Decimal(amount)}


@pytest.fixture
def shop(make_merchant, make_campaign, make_consumer, make_key, api, ops):
    merchant = make_merchant("acme", funds="100.00", ops=ops)
    make_campaign(merchant, rules=[login_rule(), purchase_rule()], now=NOW)
    ana = make_consumer("Ana")
    consent_give(user=ana, merchant=merchant, fields=[ConsentField.DISPLAY_NAME], now=NOW)
    return {"merchant": merchant, "ana": ana, "client": api(make_key(merchant))}


def _report(client, *, consumer, event_id="order-1001", type_="PURCHASE", key=None, **extra):
    """The key's merchant reports an action of ``consumer``, by the id that merchant knows them by."""
    ref = consumer_ref(merchant_id=client.key_merchant_id, user_id=consumer.pk)
    return client.post(
        "/api/v1/actions",
        {"type": type_, "consumer": ref, "event_id": event_id, **extra},
        format="json",
        HTTP_IDEMPOTENCY_KEY=key or f"k-{event_id}-{consumer.pk}",
    )


def test_a_reported_purchase_pays_the_rule_through_the_engine(shop):
    response = _report(shop["client"], consumer=shop["ana"])

    assert response.status_code == 201
    body = response.json()
    reward = Reward.objects.get(user=shop["ana"])
    assert body["id"].startswith("act_")
    assert (body["type"], body["consumer"], body["event_id"]) == (
        "PURCHASE",
        consumer_ref(merchant_id=shop["merchant"].pk, user_id=shop["ana"].pk),
        "order-1001",
    )
    assert (body["status"], body["reward"]) == ("REWARDED", f"rwd_{reward.pk}")
    assert reward.merchant_price == Decimal("2.00")
    assert reward.status == "PENDING"
    listed = shop["client"].get("/api/v1/rewards").json()["data"]
    assert [(r["id"], r["action_type"]) for r in listed] == [(f"rwd_{reward.pk}", "PURCHASE")]
    assert shop["client"].get(f"/api/v1/actions/{body['id']}").json() == body
    call_command("ledger_check")
    call_command("rewards_check")


def test_each_event_id_counts_once_whatever_the_idempotency_key(shop):
    first = _report(shop["client"], consumer=shop["ana"], key="a")
    again = _report(shop["client"], consumer=shop["ana"], key="b")
    second_order = _report(shop["client"], consumer=shop["ana"], event_id="order-1002", key="c")

    assert (first.status_code, again.status_code, second_order.status_code) == (201, 200, 201)
    assert again.json() == first.json()
    assert Reward.objects.filter(user=shop["ana"]).count() == 2


def test_an_event_id_reported_for_someone_else_is_refused(shop, make_consumer):
    ben = make_consumer("Ben")
    consent_give(user=ben, merchant=shop["merchant"], fields=[ConsentField.DISPLAY_NAME], now=NOW)
    _report(shop["client"], consumer=shop["ana"])

    response = _report(shop["client"], consumer=ben)

    assert response.status_code == 409
    assert response.json()["code"] == "event_id_reused"
    assert not Reward.objects.filter(user=ben).exists()


def test_a_person_who_did_not_join_the_brand_cant_be_rewarded(shop, make_consumer, make_merchant, ops):
    stranger = make_consumer("Stranger")
    elsewhere = make_consumer("Elsewhere")
    consent_give(user=elsewhere, merchant=make_merchant("other", ops=ops), fields=["DISPLAY_NAME"], now=NOW)

    answers = [
        _report(shop["client"], consumer=stranger),
        _report(shop["client"], consumer=elsewhere),
        shop["client"].post(
            "/api/v1/actions",
            {"type": "PURCHASE", "consumer": "con_0123456789abcdef", "event_id": "x"},
            format="json",
            HTTP_IDEMPOTENCY_KEY="nobody",
        ),
    ]

    assert [(a.status_code, a.json()["code"]) for a in answers] == [(422, "consumer_not_joined")] * 3
    # a stranger and nobody get the same words: the API doesn't say who exists
    assert answers[0].json()["detail"] == answers[1].json()["detail"] == answers[2].json()["detail"]
    assert not Reward.objects.exists()


def test_a_withdrawn_consent_ends_the_rewards(shop):
    consent_withdraw(user=shop["ana"], merchant=shop["merchant"], now=timezone.now())

    response = _report(shop["client"], consumer=shop["ana"])

    assert (response.status_code, response.json()["code"]) == (422, "consumer_not_joined")


def test_the_merchant_cant_reward_its_own_team(shop):
    owner = owner_of(shop["merchant"])
    consent_give(user=owner, merchant=shop["merchant"], fields=[ConsentField.EMAIL], now=NOW)

    response = _report(shop["client"], consumer=owner)

    assert (response.status_code, response.json()["code"]) == (422, "consumer_not_eligible")
    assert not Reward.objects.exists()


def test_without_a_rule_for_it_the_action_is_recorded_unpaid(shop):
    response = _report(shop["client"], consumer=shop["ana"], type_="SIGN_UP", event_id="signup-ana")

    assert response.status_code == 201
    assert (response.json()["status"], response.json()["reward"]) == ("INELIGIBLE", None)
    assert response.json()["reason"] == "NO_CAMPAIGN"
    assert "None of your campaigns rewarded this kind of action" in response.json()["detail"]


def test_bad_reports_are_refused_in_words(shop):
    client, ana = shop["client"], shop["ana"]
    future = (timezone.now() + timedelta(hours=1)).isoformat()
    old = (timezone.now() - timedelta(days=31)).isoformat()

    login = _report(client, consumer=ana, type_="TIKTOK_LOGIN")
    not_an_id = client.post(
        "/api/v1/actions",
        {"type": "PURCHASE", "consumer": "ana@fans.example", "event_id": "x"},
        format="json",
        HTTP_IDEMPOTENCY_KEY="e",
    )
    in_future = _report(client, consumer=ana, event_id="f", occurred_at=future)
    too_old = _report(client, consumer=ana, event_id="o", occurred_at=old)

    assert (login.status_code, login.json()["code"]) == (400, "invalid_request")
    assert "type" in login.json()["errors"]
    assert (not_an_id.status_code, not_an_id.json()["code"]) == (400, "invalid_request")
    assert (in_future.status_code, in_future.json()["code"]) == (422, "action_rejected")
    assert "future" in in_future.json()["detail"]
    assert (too_old.status_code, too_old.json()["code"]) == (422, "action_rejected")
    assert not Reward.objects.exists()


def test_a_read_key_cant_report(shop, make_key, api):
    client = api(make_key(shop["merchant"], scope=Scope.READ))

    response = _report(client, consumer=shop["ana"])

    assert (response.status_code, response.json()["code"]) == (403, "insufficient_scope")


def test_a_reported_purchase_is_a_fixed_number_of_queries(shop, django_assert_num_queries):
    """The engine's path of one reported action, pinned (docs/benchmarks.md, "Public API"), still
    paid once, replayed by its Idempotency-Key and counted once by its event id."""
    client, ana = shop["client"], shop["ana"]
    assert _report(client, consumer=ana, event_id="order-1").status_code == 201  # key cached, accounts made

    with django_assert_num_queries(PURCHASE_QUERIES):
        response = _report(client, consumer=ana, event_id="order-2")

    assert (response.status_code, response.json()["status"]) == (201, "REWARDED")
    assert Reward.objects.filter(user=ana).count() == 2
    replay = _report(client, consumer=ana, event_id="order-2")
    assert (replay.status_code, replay.headers["Idempotent-Replayed"]) == (201, "true")
    again = _report(client, consumer=ana, event_id="order-2", key="another-key")
    assert (again.status_code, again.json()["reward"]) == (200, response.json()["reward"])
    assert Reward.objects.filter(user=ana).count() == 2
    call_command("ledger_check")
    call_command("rewards_check")


# 13 in production (the rate-limit count with the key's confirmation, the idempotency claim, the
# person with their consent and membership, the engine's transaction with the person's count for the
# merchant sent in the action's insert, what the decision reads about the person and the brand with
# the live rule, the person's tally, the risk signals' counts, the brand's webhook endpoints and
# whether the person has a subscription's benefits (read only then) in one statement, the action's
# outcome written with its reward, the counters and the person's reward figures (the tally, the rule
# and the campaign locked as they are moved) in one, the postings, the low-balance check in one
# statement, the stored answer with the audit line; the answer's reward id is the one the engine
# paid); 17 before the benefits were read only for a subscriber (whether the person has any is
# read with the decision's facts) and the endpoints with the facts, 19 before latelock (the tally, the rule and the campaign locked before the decision, the
# tally in one statement when it exists, the figures apart from the counters), 23 before apipost (the person's count, the rule, the risk
# signals one statement each, the tally created and then locked), 25 before postspeed3 (the outcome
# and the reward one statement each, the reward id read again after the commit), 30 before the
# engine's ban, limits, returning person and pricing plan were read in one statement and its payment
# lost its savepoint (postspeed, #16); 35 before (the low-balance check in three, the pricing plan in
# two, the payment's four counters in four), 57 before that. The test's transaction adds 2
# savepoints' statements.
PURCHASE_QUERIES = 15


def test_a_reported_purchase_holds_the_campaign_s_locks_for_few_statements(shop):
    """Every purchase of a campaign waits for the one before it from the rule's lock to the commit:
    the rule and the campaign are locked by the statement that moves their counters and the person's
    figures (the decision made on them as read before, ``rewards.services._evaluate``'s "unlocked"),
    and only the ledger postings follow (docs/benchmarks.md, "Public API")."""
    client, ana = shop["client"], shop["ana"]
    assert _report(client, consumer=ana, event_id="order-1").status_code == 201
    sent: list[str] = []

    def record(execute, sql, params, many, context):
        sent.append(sql)
        return execute(sql, params, many, context)

    with connection.execute_wrapper(record):
        assert _report(client, consumer=ana, event_id="order-2").status_code == 201

    assert not [sql for sql in sent if "FOR UPDATE" in sql], "nothing locked before the decision"
    locked = next(i for i, sql in enumerate(sent) if "UPDATE campaigns_rewardrule" in sql)
    after = next(i for i, sql in enumerate(sent) if "UPDATE merchants_merchant m" in sql)  # after the commit
    held = [sql[:60] for sql in sent[locked:after] if not sql.startswith(("SAVEPOINT", "RELEASE"))]
    # the counters and the person's figures (the tally, the rule, the campaign and its day, the
    # figures: one statement), the postings
    assert len(held) == LOCK_HELD_STATEMENTS, held
    assert "wallets_post_many" in held[-1], "the postings are the last write before the commit"
    call_command("ledger_check")
    call_command("rewards_check")


# 6 before latelock (the rule and the campaign locked before the decision, the action's outcome
# with the reward under their locks, the person's figures apart), 7 before postspeed3 (the action's outcome and the reward one statement each); 11 before (besides the savepoint): the accounts
# and the webhook endpoints read in the lock, the payment's four counters in four statements, the
# postings before them.
LOCK_HELD_STATEMENTS = 2


@pytest.mark.parametrize(
    "body",
    [
        {"type": "PURCHASE", "consumer": "con_0123456789abcdef", "event_id": "order-1"},
        {"type": "SIGN_UP", "consumer": "con_0123456789abcdef", "event_id": "  order 2\t", "note": "ignored"},
        {"type": "PURCHASE", "consumer": "con_0123456789abcdef", "event_id": "x" * 100},
        {"type": "PURCHASE", "consumer": "con_0123456789abcdef", "event_id": " " + "x" * 100 + " "},
        {"type": "PURCHASE", "consumer": "con_0123456789abcdef", "event_id": "x" * 101},
        {"type": "PURCHASE", "consumer": "con_0123456789abcdef", "event_id": "   "},
        {"type": "PURCHASE", "consumer": "con_0123456789abcdef", "event_id": "a\x00b"},
        {"type": "PURCHASE", "consumer": "con_0123456789abcdef", "event_id": 1001},
        {"type": "PURCHASE", "consumer": "con_0123456789abcdef", "event_id": True},
        {"type": "PURCHASE", "consumer": "con_0123456789abcdef", "event_id": None},
        {"type": "PURCHASE", "consumer": "con_0123456789abcdef"},
        {"type": "PURCHASE", "consumer": " con_0123456789abcdef", "event_id": "order-1"},
        {"type": "PURCHASE", "consumer": "con_0123456789ABCDEF", "event_id": "order-1"},
        {"type": "PURCHASE", "consumer": "con_0123456789abcdef\n", "event_id": "order-1"},
        {"type": "purchase", "consumer": "con_0123456789abcdef", "event_id": "order-1"},
        {"type": "TIKTOK_LOGIN", "consumer": "con_0123456789abcdef", "event_id": "order-1"},
        {"type": ["PURCHASE"], "consumer": "con_0123456789abcdef", "event_id": "order-1"},
        {
            "type": "PURCHASE",
            "consumer": "con_0123456789abcdef",
            "event_id": "order-1",
            "occurred_at": "2026-11-28T10:00:00Z",
        },
        {
            "type": "PURCHASE",
            "consumer": "con_0123456789abcdef",
            "event_id": "order-1",
            "occurred_at": "yesterday",
        },
        ["PURCHASE"],
        "PURCHASE",
    ],
)
def test_a_reported_action_s_body_is_read_as_the_serializer_reads_it(body):
    """The usual body is read without building the serializer (docs/benchmarks.md, "Public API"):
    what it gives, and every refusal, are ``ActionIn``'s own."""
    expected = ActionIn(data=body)
    if expected.is_valid():
        assert action_in(body) == expected.validated_data
    else:
        with pytest.raises(ValidationError) as refused:
            action_in(body)
        assert refused.value.detail == expected.errors


def test_another_brands_id_for_a_person_who_joined_both_pays_nothing(shop, make_merchant, make_key, api, ops):
    """Ana joined Acme and Other: each knows her by its own id, and Acme can't pay her (nor learn
    that she is the same person) with the id Other knows her by."""
    other = make_merchant("other", ops=ops)
    consent_give(user=shop["ana"], merchant=other, fields=[ConsentField.DISPLAY_NAME], now=NOW)
    acme_sees = shop["client"].get("/api/v1/consumers").json()["data"]
    other_sees = api(make_key(other, scope=Scope.READ)).get("/api/v1/consumers").json()["data"]

    response = shop["client"].post(
        "/api/v1/actions",
        {"type": "PURCHASE", "consumer": other_sees[0]["id"], "event_id": "order-1"},
        format="json",
        HTTP_IDEMPOTENCY_KEY="other-id",
    )

    assert acme_sees[0]["data"] == other_sees[0]["data"]  # the same person, both ways
    assert acme_sees[0]["id"] != other_sees[0]["id"]
    assert (response.status_code, response.json()["code"]) == (422, "consumer_not_joined")
    assert not Reward.objects.exists()


@pytest.mark.parametrize(
    ("language", "said"),
    [
        ("de", "Diese Person ist {brand} nicht beigetreten: Nur Personen, die der Marke beigetreten sind"),
        (
            "fr",
            "Ce consommateur n\u2019a pas rejoint {brand}\xa0: seules les personnes qui ont rejoint la marque",
        ),
    ],
)
def test_a_reported_actions_refusal_is_in_the_servers_language_its_code_unchanged(shop, language, said):
    """A reviewer's finding: the reported action's refusals were English f-strings, whatever the
    Accept-Language, where docs/api.md promises ``detail`` in the request's language."""
    consent_withdraw(user=shop["ana"], merchant=shop["merchant"], now=timezone.now())

    response = shop["client"].post(
        "/api/v1/actions",
        {
            "type": "PURCHASE",
            "consumer": consumer_ref(merchant_id=shop["client"].key_merchant_id, user_id=shop["ana"].pk),
            "event_id": "order-1001",
        },
        format="json",
        HTTP_IDEMPOTENCY_KEY=f"k-{language}",
        HTTP_ACCEPT_LANGUAGE=language,
    )

    body = response.json()
    assert (response.status_code, body["code"]) == (422, "consumer_not_joined")
    assert body["detail"].startswith(said.format(brand=shop["merchant"].brand_name)), body["detail"]
