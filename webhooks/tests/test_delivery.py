"""Outgoing webhooks end to end: the engine's reward events reach a local HTTP server, signed."""

from __future__ import annotations

import json
import socket
import time
from datetime import timedelta

import pytest
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext
from standardwebhooks.webhooks import Webhook, WebhookVerificationError
from werkzeug import Response

from accounts.models import User
from campaigns.models import ActionType
from merchants.roles import Role
from rewards.services import action_record, reward_reverse
from tikjoy.tests.factories import NOW, login_rule, owner_of
from webhooks.models import DeliveryStatus, WebhookDelivery, WebhookEndpoint, WebhookEvent
from webhooks.services import deliveries_due, endpoint_create, endpoint_secret_rotate, event_record
from webhooks.ssrf import UnsafeUrl, url_check

pytestmark = pytest.mark.django_db

EVENTS = ["reward.created", "reward.confirmed", "reward.reversed"]


@pytest.fixture
def shop(make_merchant, make_campaign, make_consumer, ops):
    merchant = make_merchant("acme", funds="100.00", ops=ops)
    make_campaign(merchant, rules=[login_rule()], now=NOW)
    return merchant


def _endpoint(merchant, url):
    return endpoint_create(
        merchant=merchant, url=url, events=EVENTS, actor=owner_of(merchant), now=timezone.now()
    )


def _headers(request) -> dict:
    return {k.lower(): v for k, v in request.headers.items()}


def _reward_for(merchant, consumer):
    action_record(user=consumer, merchant=merchant, action_type=ActionType.TIKTOK_LOGIN, now=NOW)
    return merchant.rewards.get(user=consumer)


def test_a_new_reward_reaches_the_endpoint_signed_as_standard_webhooks(
    shop, make_consumer, httpserver, django_capture_on_commit_callbacks
):
    httpserver.expect_request("/hook", method="POST").respond_with_data("ok")
    endpoint = _endpoint(shop, httpserver.url_for("/hook"))

    with django_capture_on_commit_callbacks(execute=True):
        reward = _reward_for(shop, make_consumer("Ana"))

    (request, _), *others = httpserver.log
    assert not others
    body = request.get_data(as_text=True)
    payload = Webhook(endpoint.secret).verify(body, _headers(request))  # raises if the signature is wrong
    assert payload["type"] == "reward.created"
    assert payload["data"]["id"] == f"rwd_{reward.pk}"
    assert payload["data"]["status"] == "PENDING"
    assert _headers(request)["webhook-id"] == f"evt_{WebhookEvent.objects.get().pk}"
    with pytest.raises(WebhookVerificationError):
        Webhook("whsec_" + "A" * 32).verify(body, _headers(request))
    assert WebhookDelivery.objects.get().status == DeliveryStatus.SUCCEEDED


def test_a_reversal_is_reported_too(shop, make_consumer, ops, httpserver, django_capture_on_commit_callbacks):
    httpserver.expect_request("/hook").respond_with_data("ok")
    _endpoint(shop, httpserver.url_for("/hook"))

    with django_capture_on_commit_callbacks(execute=True):
        reward = _reward_for(shop, make_consumer("Ana"))
    with django_capture_on_commit_callbacks(execute=True):
        reward_reverse(reward_id=reward.pk, reason="Order cancelled", actor=ops, now=NOW)

    types = [json.loads(r.get_data())["type"] for r, _ in httpserver.log]
    assert types == ["reward.created", "reward.reversed"]
    assert json.loads(httpserver.log[1][0].get_data())["data"]["reason"] == "Order cancelled"


def test_a_failing_endpoint_is_retried_and_gets_the_event_once_it_answers(
    shop, make_consumer, httpserver, django_capture_on_commit_callbacks
):
    httpserver.expect_ordered_request("/hook").respond_with_data("down", status=503)
    httpserver.expect_ordered_request("/hook").respond_with_data("down", status=500)
    httpserver.expect_ordered_request("/hook").respond_with_data("ok", status=200)
    _endpoint(shop, httpserver.url_for("/hook"))

    with django_capture_on_commit_callbacks(execute=True):
        _reward_for(shop, make_consumer("Ana"))
    start = timezone.now()
    assert deliveries_due(now=start) == 0  # the retry waits for its time (5 s and jitter)
    assert deliveries_due(now=start + timedelta(seconds=10)) == 1
    assert deliveries_due(now=start + timedelta(minutes=2)) == 0  # next one after 5 minutes
    assert deliveries_due(now=start + timedelta(minutes=10)) == 1

    delivery = WebhookDelivery.objects.get()
    assert delivery.status == DeliveryStatus.SUCCEEDED
    assert [a.status_code for a in delivery.log.order_by("pk")] == [503, 500, 200]
    ids = {r.headers["webhook-id"] for r, _ in httpserver.log}
    assert len(httpserver.log) == 3 and len(ids) == 1  # one event, the same id on every attempt
    httpserver.check_assertions()


def test_an_endpoint_that_never_answers_is_given_up_disabled_and_the_owners_told(
    shop, make_consumer, httpserver, django_capture_on_commit_callbacks, mailoutbox
):
    httpserver.expect_request("/hook").respond_with_data("down", status=500)
    _endpoint(shop, httpserver.url_for("/hook"))
    with django_capture_on_commit_callbacks(execute=True):
        _reward_for(shop, make_consumer("Ana"))

    later = timezone.now()
    for _ in range(12):
        later += timedelta(hours=27)
        with django_capture_on_commit_callbacks(execute=True):
            deliveries_due(now=later)

    delivery = WebhookDelivery.objects.get()
    assert delivery.status == DeliveryStatus.FAILED
    assert delivery.attempts == 10  # the first attempt and nine retries over about three days of delays
    assert len(httpserver.log) == 10
    endpoint = WebhookEndpoint.objects.get()
    assert not endpoint.is_active
    assert "three days" in endpoint.disabled_reason
    (mail,) = mailoutbox
    assert mail.to == ["owner@acme.example"]
    assert endpoint.url in mail.body


def test_410_gone_disables_the_endpoint(shop, make_consumer, httpserver, django_capture_on_commit_callbacks):
    httpserver.expect_request("/hook").respond_with_data("gone", status=410)
    endpoint = _endpoint(shop, httpserver.url_for("/hook"))

    with django_capture_on_commit_callbacks(execute=True):
        _reward_for(shop, make_consumer("Ana"))

    endpoint.refresh_from_db()
    assert not endpoint.is_active
    assert "410" in endpoint.disabled_reason
    assert WebhookDelivery.objects.get().status == DeliveryStatus.FAILED


@pytest.mark.parametrize(
    "url",
    [
        "http://10.0.0.5/hook",
        "http://192.168.1.1/hook",
        "http://172.16.0.1/hook",
        "http://169.254.169.254/latest/meta-data/",
        "http://[fd00:ec2::254]/hook",
        "http://[::ffff:10.0.0.1]/hook",
        "http://[2002:a9fe:a9fe::1]/hook",  # 6to4 of 169.254.169.254
        "http://[2002:7f00:1::1]/hook",  # 6to4 of 127.0.0.1
        "http://[2002:c0a8:101::1]/hook",  # 6to4 of 192.168.1.1
        "http://0.0.0.0/hook",
        "http://localhost:8000/hook",
        "http://127.0.0.1/hook",
        "http://[::1]/hook",
        "ftp://example.com/hook",
    ],
)
def test_private_loopback_and_metadata_addresses_are_refused_at_registration(shop, settings, url):
    settings.WEBHOOKS_ALLOW_LOOPBACK = False

    with pytest.raises(UnsafeUrl):
        _endpoint(shop, url)
    assert not WebhookEndpoint.objects.exists()


@pytest.mark.parametrize("url", ["http://0.0.0.0/hook", "http://[::]/hook"])
def test_the_unspecified_address_is_named_for_what_it_is(shop, settings, url):
    settings.WEBHOOKS_ALLOW_LOOPBACK = False

    with pytest.raises(UnsafeUrl, match="not on the public internet"):
        _endpoint(shop, url)


def test_an_endpoint_that_now_resolves_to_a_private_address_is_refused_at_delivery(
    shop, make_consumer, settings, httpserver, django_capture_on_commit_callbacks
):
    httpserver.expect_request("/hook").respond_with_data("ok")
    _endpoint(shop, httpserver.url_for("/hook"))
    settings.WEBHOOKS_ALLOW_LOOPBACK = False  # as in production: 127.0.0.1 is our own network

    with django_capture_on_commit_callbacks(execute=True):
        _reward_for(shop, make_consumer("Ana"))

    assert httpserver.log == []
    delivery = WebhookDelivery.objects.get()
    assert delivery.status == DeliveryStatus.PENDING
    # localhost is a name: the refusal doesn't say what it resolved to (nor that it resolved at all)
    assert delivery.last_error == (
        "The host localhost doesn't resolve to an address on the public internet: "
        "webhooks go to the public internet only."
    )
    assert delivery.log.get().status_code is None


def test_no_event_is_sent_for_a_rolled_back_transaction(
    shop, make_consumer, httpserver, django_capture_on_commit_callbacks
):
    httpserver.expect_request("/hook").respond_with_data("ok")
    _endpoint(shop, httpserver.url_for("/hook"))

    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        try:
            with transaction.atomic():
                event_record(merchant_id=shop.pk, type="reward.created", data={"id": "rwd_1"}, now=NOW)
                raise RuntimeError("the change failed")
        except RuntimeError:
            pass

    assert callbacks == []
    assert not WebhookEvent.objects.exists()
    assert httpserver.log == []


def test_after_a_rotation_both_secrets_verify_for_a_day(
    shop, make_consumer, httpserver, django_capture_on_commit_callbacks
):
    httpserver.expect_request("/hook").respond_with_data("ok")
    endpoint = _endpoint(shop, httpserver.url_for("/hook"))
    old = endpoint.secret
    new = endpoint_secret_rotate(endpoint=endpoint, now=timezone.now())

    with django_capture_on_commit_callbacks(execute=True):
        _reward_for(shop, make_consumer("Ana"))

    request = httpserver.log[0][0]
    assert len(request.headers["webhook-signature"].split(" ")) == 2
    for secret in (old, new):
        Webhook(secret).verify(request.get_data(as_text=True), _headers(request))


def test_a_name_that_resolves_elsewhere_after_the_check_is_not_followed(
    shop, make_consumer, httpserver, monkeypatch, django_capture_on_commit_callbacks
):
    """DNS rebinding: the first answer (checked) is the receiver; any later lookup of the name would
    send the delivery to 127.0.0.2, where nothing listens. The delivery goes where it was checked."""
    httpserver.expect_request("/hook").respond_with_data("ok")
    real = socket.getaddrinfo
    lookups = []

    def rebinding(host, port, *args, **kwargs):
        if host == "hooks.acme.example":
            lookups.append(host)
            address = "127.0.0.1" if len(lookups) == 1 else "127.0.0.2"
            return real(address, port, *args, **kwargs)
        return real(host, port, *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", rebinding)
    endpoint = _endpoint(shop, f"http://hooks.acme.example:{httpserver.port}/hook")
    lookups.clear()  # at delivery, the check's lookup answers 127.0.0.1; any later one 127.0.0.2

    with django_capture_on_commit_callbacks(execute=True):
        _reward_for(shop, make_consumer("Ana"))

    (request, _), *others = httpserver.log
    assert not others
    assert request.headers["Host"] == f"hooks.acme.example:{httpserver.port}"
    assert lookups == ["hooks.acme.example"]  # looked up once, for the check, and never again
    assert WebhookDelivery.objects.get(endpoint=endpoint).status == DeliveryStatus.SUCCEEDED


def test_the_owners_are_told_in_the_merchants_language_that_an_endpoint_was_disabled(
    shop, make_consumer, httpserver, django_capture_on_commit_callbacks, mailoutbox
):
    shop.language = "de"
    shop.save(update_fields=["language"])
    httpserver.expect_request("/hook").respond_with_data("gone", status=410)
    endpoint = _endpoint(shop, httpserver.url_for("/hook"))

    with translation.override("es"), django_capture_on_commit_callbacks(execute=True):
        _reward_for(shop, make_consumer("Ana"))

    endpoint.refresh_from_db()
    assert endpoint.disabled_reason == "The endpoint answered 410 Gone."  # the record (and the API): English
    (sent,) = mailoutbox
    with translation.override("de"):
        assert sent.subject == gettext("TikJoy: a webhook endpoint was disabled")
        assert gettext("The endpoint answered 410 Gone.") in sent.body
    assert sent.subject != "TikJoy: a webhook endpoint was disabled"
    assert endpoint.url in sent.body and "We stopped" not in sent.body


def test_each_owner_is_told_in_their_own_language_that_an_endpoint_was_disabled(
    shop, make_consumer, add_member, httpserver, django_capture_on_commit_callbacks, mailoutbox
):
    shop.language = "de"
    shop.save(update_fields=["language"])
    first = owner_of(shop)
    httpserver.expect_request("/hook").respond_with_data("gone", status=410)
    endpoint = _endpoint(shop, httpserver.url_for("/hook"))
    italian = add_member(shop, "giulia@acme.example", Role.OWNER)
    User.objects.filter(pk=italian.pk).update(language="it")
    add_member(shop, "viewer@acme.example", Role.VIEWER)  # not an owner: not told

    with django_capture_on_commit_callbacks(execute=True):
        _reward_for(shop, make_consumer("Ana"))

    sent = {m.to[0]: m for m in mailoutbox}
    assert all(len(m.to) == 1 for m in mailoutbox)
    assert set(sent) == {first.email, "giulia@acme.example"}
    german, italian_mail = sent[first.email], sent["giulia@acme.example"]
    with translation.override("de"):
        assert german.subject == gettext("TikJoy: a webhook endpoint was disabled")
        assert "Der Endpunkt hat mit 410 Gone geantwortet." in german.body
    with translation.override("it"):
        assert italian_mail.subject == gettext("TikJoy: a webhook endpoint was disabled")
    assert ": l\u2019endpoint ha risposto 410 Gone." in italian_mail.body  # lower case after the colon
    assert italian_mail.subject != german.subject
    assert endpoint.url in italian_mail.body


@pytest.mark.parametrize(
    "family,address",
    [
        (socket.AF_INET, "192.0.0.192"),  # IETF protocol assignments: a cloud's metadata address
        (socket.AF_INET6, "fec0::1"),  # IPv6 site-local
        (socket.AF_INET6, "64:ff9b:1::a00:1"),  # local-use NAT64
    ],
)
def test_addresses_python_311_counts_as_global_are_refused(monkeypatch, settings, family, address):
    settings.WEBHOOKS_ALLOW_LOOPBACK = settings.WEBHOOKS_ALLOW_HTTP = False
    monkeypatch.setattr(
        socket, "getaddrinfo", lambda host, *a, **k: [(family, socket.SOCK_STREAM, 6, "", (address, 443))]
    )

    with pytest.raises(UnsafeUrl, match="doesn't resolve to an address on the public internet"):
        url_check("https://hooks.example.com/")
    with pytest.raises(UnsafeUrl, match="not on the public internet"):  # typed as such: named
        url_check(f"https://[{address}]/" if ":" in address else f"https://{address}/")


def test_a_retry_is_signed_with_the_time_it_is_sent_not_the_runs_start(
    make_merchant, httpserver, monkeypatch
):
    """Review: one merchant's endpoint that never answers aged the webhook-timestamp of every other
    merchant's retry after it in the run (30 of them: past Standard Webhooks' 5-minute tolerance)."""
    monkeypatch.setattr("webhooks.services.TIMEOUT_SECONDS", 3)
    slow, victim = make_merchant("slowco"), make_merchant("victim")
    blackhole = socket.socket()  # accepts connections (the kernel's backlog) and never answers
    blackhole.bind(("127.0.0.1", 0))
    blackhole.listen(16)
    received = []

    def record(request):
        received.append((time.time(), int(request.headers["webhook-timestamp"])))
        return Response("ok")

    httpserver.expect_request("/hook").respond_with_handler(record)
    now = timezone.now()
    for merchant, url in (
        (slow, f"http://127.0.0.1:{blackhole.getsockname()[1]}/hook"),
        (victim, httpserver.url_for("/hook")),
    ):
        endpoint_create(
            merchant=merchant, url=url, events=["topup.received"], actor=owner_of(merchant), now=now
        )
        event_record(merchant_id=merchant.pk, type="topup.received", data={"id": "top_1"}, now=now)
    # Both are retries due now; the slow merchant's comes first in the run.
    WebhookDelivery.objects.filter(endpoint__merchant=slow).update(next_attempt_at=now - timedelta(seconds=2))
    WebhookDelivery.objects.filter(endpoint__merchant=victim).update(
        next_attempt_at=now - timedelta(seconds=1)
    )

    try:
        assert deliveries_due(now=timezone.now()) == 2
    finally:
        blackhole.close()

    ((arrived_at, signed_at),) = received
    assert arrived_at - signed_at < 2  # was 3 s (the slow endpoint's timeout) before it was sent


def test_a_failing_endpoint_costs_one_attempt_a_run_however_many_events_it_gets(
    shop, make_consumer, httpserver, django_capture_on_commit_callbacks
):
    """Review: every event's first attempt to an endpoint that doesn't answer held a shared task
    worker for the whole timeout (one API call a merchant makes = one worker for 10 s, per endpoint)."""
    httpserver.expect_request("/hook").respond_with_data("down", status=500)
    _endpoint(shop, httpserver.url_for("/hook"))
    with django_capture_on_commit_callbacks(execute=True):
        _reward_for(shop, make_consumer("Ana"))  # its first attempt fails: the endpoint is failing
    assert len(httpserver.log) == 1

    with django_capture_on_commit_callbacks(execute=True):
        for name in ("Ben", "Cy", "Dee"):
            _reward_for(shop, make_consumer(name))
    assert len(httpserver.log) == 1  # held back for the minute's run, not sent at once
    held = WebhookDelivery.objects.filter(attempts=0)
    assert held.count() == 3 and all(d.status == DeliveryStatus.PENDING for d in held)

    assert deliveries_due(now=timezone.now() + timedelta(minutes=1)) == 1  # one try: it fails, the rest wait
    assert len(httpserver.log) == 2

    httpserver.clear_all_handlers()
    httpserver.expect_request("/hook").respond_with_data("ok")
    assert deliveries_due(now=timezone.now() + timedelta(hours=1)) == 4  # it answers: every one goes
    assert set(WebhookDelivery.objects.values_list("status", flat=True)) == {DeliveryStatus.SUCCEEDED}


def test_a_burst_to_a_healthy_endpoint_is_sent_at_once(
    shop, make_consumer, httpserver, django_capture_on_commit_callbacks
):
    httpserver.expect_request("/hook").respond_with_data("ok")
    _endpoint(shop, httpserver.url_for("/hook"))

    with django_capture_on_commit_callbacks(execute=True):
        for name in ("Ana", "Ben", "Cy"):
            _reward_for(shop, make_consumer(name))

    assert len(httpserver.log) == 3
    assert set(WebhookDelivery.objects.values_list("status", flat=True)) == {DeliveryStatus.SUCCEEDED}
