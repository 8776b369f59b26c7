"""A receiver that answers a byte at a time can't hold a delivery worker: the attempt has a deadline
over the whole exchange (the client's own timeouts are per read), and the body is never read."""

from __future__ import annotations

import socket
import threading
import time

import pytest
from django.utils import timezone

from tikjoy.tests.factories import owner_of
from webhooks import services
from webhooks.models import DeliveryStatus, WebhookDelivery
from webhooks.services import Event, delivery_attempt, endpoint_create, events_record

pytestmark = pytest.mark.django_db


def _dripping_receiver(head: bytes, drip: bytes, seconds: float) -> int:
    """A receiver on a local port that sends ``head``, then ``drip`` a byte every 0.2 s for ``seconds``."""
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(1)

    def serve():
        conn, _ = server.accept()
        conn.recv(65536)
        conn.sendall(head)
        end = time.monotonic() + seconds
        try:
            for byte in drip:
                if time.monotonic() > end:
                    break
                conn.sendall(bytes([byte]))
                time.sleep(0.2)
        except OSError:
            pass  # the client gave up
        conn.close()
        server.close()

    threading.Thread(target=serve, daemon=True).start()
    return server.getsockname()[1]


def _delivery(
    merchant, port: int, django_capture_on_commit_callbacks, *, scheme: str = "http"
) -> WebhookDelivery:
    endpoint_create(
        merchant=merchant,
        url=f"{scheme}://127.0.0.1:{port}/hook",
        events=["reward.created"],
        actor=owner_of(merchant),
        now=timezone.now(),
    )
    with django_capture_on_commit_callbacks(execute=False):
        events_record(events=[Event(merchant.pk, "reward.created", {"id": "rwd_1"})], now=timezone.now())
    return WebhookDelivery.objects.get()


def test_a_receiver_dripping_its_headers_is_cut_off_at_the_deadline(
    make_merchant, ops, monkeypatch, django_capture_on_commit_callbacks
):
    monkeypatch.setattr(services, "DEADLINE_SECONDS", 1)  # stands for the 30 s of production
    merchant = make_merchant("acme", funds="10.00", ops=ops)
    port = _dripping_receiver(b"HTTP/1.1 200 OK\r\n", b"X-Slow: " + b"y" * 100, seconds=20)
    delivery = _delivery(merchant, port, django_capture_on_commit_callbacks)

    started = time.monotonic()
    delivery_attempt(delivery_id=delivery.pk, now=timezone.now())

    assert time.monotonic() - started < 5  # a worker would otherwise wait 20 s (or for ever)
    delivery.refresh_from_db()
    assert delivery.status == DeliveryStatus.PENDING and delivery.next_attempt_at is not None  # retried later
    assert delivery.last_status_code is None
    assert delivery.last_error.startswith("No complete answer within 1 s")


def test_a_receiver_dripping_a_huge_body_is_answered_by_its_status_alone(
    make_merchant, ops, django_capture_on_commit_callbacks
):
    merchant = make_merchant("acme", funds="10.00", ops=ops)
    port = _dripping_receiver(
        b"HTTP/1.1 200 OK\r\nContent-Length: 1000000000\r\n\r\n", b"x" * 100, seconds=20
    )
    delivery = _delivery(merchant, port, django_capture_on_commit_callbacks)

    started = time.monotonic()
    delivery_attempt(delivery_id=delivery.pk, now=timezone.now())

    assert time.monotonic() - started < 5
    delivery.refresh_from_db()
    assert (delivery.status, delivery.last_status_code) == (DeliveryStatus.SUCCEEDED, 200)


def test_an_https_receiver_that_never_finishes_its_handshake_is_cut_off_at_the_deadline(
    make_merchant, ops, monkeypatch, django_capture_on_commit_callbacks
):
    """The TLS socket wraps (and detaches) the one the connection opened: the cut still reaches it."""
    monkeypatch.setattr(services, "DEADLINE_SECONDS", 1)
    monkeypatch.setattr(services, "TIMEOUT_SECONDS", 30)  # each read may wait longer than the deadline
    merchant = make_merchant("acme", funds="10.00", ops=ops)
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(1)
    held = []
    threading.Thread(target=lambda: held.append(server.accept()), daemon=True).start()  # says nothing
    delivery = _delivery(
        merchant, server.getsockname()[1], django_capture_on_commit_callbacks, scheme="https"
    )

    started = time.monotonic()
    delivery_attempt(delivery_id=delivery.pk, now=timezone.now())

    assert time.monotonic() - started < 5
    delivery.refresh_from_db()
    assert delivery.status == DeliveryStatus.PENDING and delivery.last_status_code is None
    assert delivery.last_error.startswith("No complete answer within 1 s")
    server.close()
