"""Idempotency-Key (IETF draft) on the POSTs that move money or create: one effect per key."""

from __future__ import annotations

import threading
from datetime import UTC, timedelta

import pytest
from django.db import connection
from django.utils import timezone

from api.models import IdempotencyRecord
from api.services import request_fingerprint
from rewards.models import RewardStatus
from wallets.models import Transaction
from webhooks.models import WebhookEndpoint

pytestmark = pytest.mark.django_db

URL = "/api/v1/webhook-endpoints"
BODY = {"url": "https://hooks.acme.example/joy", "events": ["reward.created"]}


@pytest.fixture
def resolvable(monkeypatch):
    """hooks.acme.example resolves to a public address (the DNS of a merchant's server)."""
    import socket

    real = socket.getaddrinfo

    def fake(host, *args, **kwargs):
        if host.endswith(".example"):
            return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", ("93.184.215.14", 443))]
        return real(host, *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", fake)


def test_a_post_without_an_idempotency_key_is_400(brand, make_key, api, resolvable):
    client = api(make_key(brand()["merchant"]))

    response = client.post(URL, BODY, format="json")

    assert response.status_code == 400
    assert response.json()["code"] == "idempotency_key_missing"
    assert not WebhookEndpoint.objects.exists()


def test_a_replay_returns_the_first_response_and_creates_nothing_more(brand, make_key, api, resolvable):
    client = api(make_key(brand()["merchant"]))

    first = client.post(URL, BODY, format="json", HTTP_IDEMPOTENCY_KEY="create-1")
    replay = client.post(URL, BODY, format="json", HTTP_IDEMPOTENCY_KEY="create-1")

    assert first.status_code == replay.status_code == 201
    assert replay.json() == {**first.json(), "secret": None}  # the secret is shown once: never stored
    assert replay["Idempotent-Replayed"] == "true"
    secret = first.json()["secret"]
    assert secret.startswith("whsec_")
    assert WebhookEndpoint.objects.count() == 1
    assert not IdempotencyRecord.objects.filter(
        response_body__icontains=secret.removeprefix("whsec_")
    ).exists()


def test_the_same_key_with_another_body_is_422(brand, make_key, api, resolvable):
    client = api(make_key(brand()["merchant"]))
    client.post(URL, BODY, format="json", HTTP_IDEMPOTENCY_KEY="create-1")

    other = client.post(
        URL, {**BODY, "events": ["reward.reversed"]}, format="json", HTTP_IDEMPOTENCY_KEY="create-1"
    )

    assert other.status_code == 422
    assert other.json()["code"] == "idempotency_key_reused"
    assert WebhookEndpoint.objects.count() == 1


def _claimed_unanswered(merchant, key: str, *, began) -> None:
    """``key`` claimed at ``began`` by a request for BODY at URL that never stored its answer."""
    IdempotencyRecord.objects.create(
        merchant=merchant,
        key=key,
        fingerprint=request_fingerprint(
            method="POST",
            path=URL,
            body=b'{"url":"https://hooks.acme.example/joy","events":["reward.created"]}',
        ),
        created_at=began,
        expires_at=began + timedelta(hours=24),
    )


def test_a_key_still_in_flight_is_409(brand, make_key, api, resolvable):
    world = brand()
    client = api(make_key(world["merchant"]))
    _claimed_unanswered(world["merchant"], "busy", began=timezone.now())

    response = client.post(URL, BODY, format="json", HTTP_IDEMPOTENCY_KEY="busy")

    assert response.status_code == 409
    assert response.json()["code"] == "idempotency_key_in_use"
    assert not WebhookEndpoint.objects.exists()


def test_a_key_left_in_flight_by_a_stopped_request_says_so_not_retry_later(brand, make_key, api, resolvable):
    """A reviewer's finding: a worker killed between the claim and the stored answer left the key saying
    "still being processed: retry later" for a day. After 10 minutes no request still runs: it says so."""
    world = brand()
    client = api(make_key(world["merchant"]))
    began = timezone.now() - timedelta(minutes=11)
    _claimed_unanswered(world["merchant"], "stopped", began=began)

    response = client.post(URL, BODY, format="json", HTTP_IDEMPOTENCY_KEY="stopped")

    body = response.json()
    assert (response.status_code, body["code"]) == (409, "idempotency_key_in_use")
    assert body["detail"] == (
        f"The request that used this Idempotency-Key began at {began.astimezone(UTC):%Y-%m-%dT%H:%M:%SZ} and "
        "stopped before it answered: it may or may not have taken effect. Check, then send it again with a "
        "new key."
    )
    assert not WebhookEndpoint.objects.exists()
    german = client.post(URL, BODY, format="json", HTTP_IDEMPOTENCY_KEY="stopped", HTTP_ACCEPT_LANGUAGE="de")
    assert german.json()["detail"].startswith(
        "Die Anfrage, die diesen Idempotency-Key verwendet hat, begann um"
    )


def test_an_expired_key_may_be_used_again(brand, make_key, api, resolvable):
    client = api(make_key(brand()["merchant"]))
    client.post(URL, BODY, format="json", HTTP_IDEMPOTENCY_KEY="old")
    IdempotencyRecord.objects.update(expires_at=timezone.now() - timedelta(seconds=1))

    again = client.post(URL, {**BODY, "description": "new"}, format="json", HTTP_IDEMPOTENCY_KEY="old")

    assert again.status_code == 201
    assert WebhookEndpoint.objects.count() == 2


def test_keys_are_per_merchant(brand, make_key, api, resolvable):
    alpha, bravo = brand("alpha", "Ana Fan"), brand("bravo", "Bea Fan")

    a = api(make_key(alpha["merchant"])).post(URL, BODY, format="json", HTTP_IDEMPOTENCY_KEY="same")
    b = api(make_key(bravo["merchant"])).post(URL, BODY, format="json", HTTP_IDEMPOTENCY_KEY="same")

    assert a.status_code == b.status_code == 201
    assert a.json()["id"] != b.json()["id"]


@pytest.mark.django_db(transaction=True)
def test_concurrent_reversals_with_one_key_have_one_effect_and_one_stored_response(brand, make_key, api):
    world = brand()
    reward = world["reward"]
    raw = make_key(world["merchant"])
    threads_n, per_thread = 40, 5  # 200 POSTs; 40 connections stay under PostgreSQL's max_connections
    barrier = threading.Barrier(threads_n, timeout=60)
    answers: list[tuple[int, dict]] = []
    lock = threading.Lock()

    def call():
        try:
            client = api(raw)
            barrier.wait()
            for _ in range(per_thread):
                response = client.post(
                    f"/api/v1/rewards/rwd_{reward.pk}/reverse",
                    {"reason": "Order cancelled"},
                    format="json",
                    HTTP_IDEMPOTENCY_KEY="one-key",
                )
                with lock:
                    answers.append((response.status_code, response.json()))
        finally:
            connection.close()

    threads = [threading.Thread(target=call) for _ in range(threads_n)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    statuses = sorted(status for status, _ in answers)
    assert len(answers) == threads_n * per_thread
    assert set(statuses) <= {200, 409}
    assert 200 in statuses
    ok_bodies = [body for status, body in answers if status == 200]
    assert all(body == ok_bodies[0] for body in ok_bodies)  # replays return the stored response
    assert all(body["code"] == "idempotency_key_in_use" for status, body in answers if status == 409)
    reward.refresh_from_db()
    assert reward.status == RewardStatus.REVERSED
    assert Transaction.objects.filter(kind="REWARD_REVERSAL").count() == 1
    record = IdempotencyRecord.objects.get()
    assert record.response_status == 200


def test_the_hourly_prune_drops_expired_records_and_old_rate_windows(brand, make_key, api, resolvable):
    from api.models import RateWindow
    from api.tasks import prune

    client = api(make_key(brand()["merchant"]))
    client.post(URL, BODY, format="json", HTTP_IDEMPOTENCY_KEY="old")
    client.post(URL, {**BODY, "description": "2"}, format="json", HTTP_IDEMPOTENCY_KEY="fresh")
    IdempotencyRecord.objects.filter(key="old").update(expires_at=timezone.now() - timedelta(seconds=1))
    RateWindow.objects.update(window_start=timezone.now() - timedelta(minutes=10))
    old_windows = RateWindow.objects.count()  # one row per shard the two requests were counted in

    assert old_windows in (1, 2)
    assert prune() == {"idempotency": 1, "rate_windows": old_windows, "widget_passes": 0}
    assert not RateWindow.objects.exists()
    assert list(IdempotencyRecord.objects.values_list("key", flat=True)) == ["fresh"]
