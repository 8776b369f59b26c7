"""Every write of outgoing webhooks: endpoints, the outbox, deliveries.

``events_record`` is called by the services whose changes merchants hear about
(``rewards.services``), inside their transaction: the event and its deliveries
commit or roll back with the change. Delivery happens after commit, in the
worker (``webhooks.tasks``), with retries on a schedule of about three days
(``webhooks.reasons.RETRY_DELAYS``).
"""

from __future__ import annotations

import base64
import json
import logging
import random
import secrets
import threading
import time
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

import requests
from django.conf import settings
from django.db import connection, transaction
from django.db.models import F, Q
from django.utils import translation
from django.utils.translation import gettext as _
from standardwebhooks.webhooks import Webhook

from accounts.models import User
from core.db import bound_cursor
from core.errors import DomainError
from core.i18n import after_colon
from core.tasks import after_commit, mail_after_commit
from merchants.locale import member_locale
from merchants.models import Merchant
from merchants.selectors import owners_with_email
from webhooks.models import (
    DeliveryStatus,
    EventType,
    WebhookAttempt,
    WebhookDelivery,
    WebhookEndpoint,
    WebhookEvent,
)
from webhooks.reasons import FAILING, GONE, RETRY_DELAYS, reason_english
from webhooks.ssrf import UnsafeUrl, pinned_abort, pinned_session, url_check

logger = logging.getLogger(__name__)

LEASE = timedelta(seconds=60)  # a claimed attempt is retried by someone else if its worker died
TIMEOUT_SECONDS = 10  # to connect, and for each read of the answer
# The whole attempt, connection to status line and headers: a receiver that answers a byte at a time
# can't hold a worker past it (nor past the LEASE, after which another worker would send again).
DEADLINE_SECONDS = 30
# The minute's retry run stops taking deliveries after this long (the rest wait for the next run), so
# runs don't pile up behind endpoints that don't answer.
RUN_BUDGET_SECONDS = 45
ROTATION_OVERLAP = timedelta(hours=24)
MAX_ENDPOINTS = 10


class WebhookError(DomainError):
    """The endpoint can't be registered or changed as asked."""


def secret_new() -> str:
    return "whsec_" + base64.b64encode(secrets.token_bytes(24)).decode()


def _events_clean(events: Iterable[str]) -> list[str]:
    chosen = list(dict.fromkeys(events))
    unknown = [e for e in chosen if e not in EventType.values]
    if unknown:
        raise WebhookError(
            _("Unknown event type: %(unknown)s. Known: %(known)s.")
            % {"unknown": ", ".join(unknown), "known": ", ".join(EventType.values)}
        )
    if not chosen:
        raise WebhookError(_("Choose at least one event type."))
    return chosen


def endpoint_create(
    *,
    merchant: Merchant,
    url: str,
    events: Iterable[str],
    description: str = "",
    actor: User | None,
    now: datetime,
) -> WebhookEndpoint:
    """Register ``url`` for ``events``; refused if it points into a private network."""
    chosen = _events_clean(events)
    url_check(url)  # raises UnsafeUrl, a DomainError
    with transaction.atomic(durable=True):
        Merchant.objects.select_for_update().get(pk=merchant.pk)
        if WebhookEndpoint.objects.filter(merchant=merchant, is_active=True).count() >= MAX_ENDPOINTS:
            raise WebhookError(
                _("A merchant has at most %(limit)s active endpoints.") % {"limit": MAX_ENDPOINTS}
            )
        return WebhookEndpoint.objects.create(
            merchant=merchant,
            url=url,
            events=chosen,
            description=description[:200],
            secret=secret_new(),
            created_by=actor,
            created_at=now,
        )


def endpoint_disable(*, endpoint: WebhookEndpoint, reason: str, now: datetime) -> None:
    """Stop sending to the endpoint; deliveries still waiting are given up. ``reason``: in English, as
    recorded and returned by the API (``webhooks.reasons``: ``DISABLED_IN_CONSOLE``, ...); pages show
    it in their reader's language (``disabled_reason_text``)."""
    with transaction.atomic(durable=True):
        WebhookEndpoint.objects.filter(pk=endpoint.pk).update(is_active=False, disabled_reason=reason[:200])
        WebhookDelivery.objects.filter(endpoint=endpoint, status=DeliveryStatus.PENDING).update(
            status=DeliveryStatus.FAILED,
            next_attempt_at=None,
            last_error=f"Endpoint disabled: {reason}"[:300],
        )
    endpoint.is_active, endpoint.disabled_reason = False, reason[:200]


def endpoint_secret_rotate(*, endpoint: WebhookEndpoint, now: datetime) -> str:
    """A new secret; for 24 h every message is signed with both, so the receiver can switch over."""
    new = secret_new()
    with transaction.atomic(durable=True):
        WebhookEndpoint.objects.filter(pk=endpoint.pk).update(
            previous_secret=F("secret"), previous_secret_expires_at=now + ROTATION_OVERLAP, secret=new
        )
    endpoint.refresh_from_db()
    return new


@dataclass(frozen=True)
class Event:
    merchant_id: int
    type: str
    data: dict


def endpoints_active(*, merchant_ids) -> dict[int, list[WebhookEndpoint]]:
    """The merchants' active endpoints (with only what ``events_record`` reads), by merchant: one query.

    A caller that holds hot locks reads them before taking those (``events_record(endpoints=...)``)."""
    endpoints: dict[int, list[WebhookEndpoint]] = {merchant_id: [] for merchant_id in merchant_ids}
    if not endpoints:  # as the ORM: no query for no merchant
        return endpoints
    if connection.vendor == "postgresql":  # every engine payment asks: a fixed statement, no ORM compilation
        with bound_cursor() as cursor:
            cursor.execute(_ENDPOINTS_ACTIVE_SQL, [sorted(endpoints)])
            rows = cursor.fetchall()
        events = WebhookEndpoint._meta.get_field("events")
        for pk, merchant_id, listened in rows:
            listened = events.from_db_value(listened, events, connection)
            endpoint = WebhookEndpoint.from_db(
                connection.alias, ["id", "merchant_id", "events"], [pk, merchant_id, listened]
            )
            endpoints[merchant_id].append(endpoint)
        return endpoints
    for endpoint in WebhookEndpoint.objects.filter(merchant_id__in=set(merchant_ids), is_active=True).only(
        "pk", "merchant_id", "events"
    ):
        endpoints[endpoint.merchant_id].append(endpoint)
    return endpoints


# ``endpoints_active`` of the merchant ``m`` of a statement that reads it beside other things (the
# engine's facts, rewards): one JSON text, ``[[id, events], ...]`` in id order, read by
# ``endpoints_from_json``. PostgreSQL's.
ENDPOINTS_OF_MERCHANT_SQL = (
    "(SELECT COALESCE(json_agg(json_build_array(e.id, e.events) ORDER BY e.id), '[]')::text "  # noqa: S608 - names from the model
    f"FROM {WebhookEndpoint._meta.db_table} e WHERE e.merchant_id = m.id AND e.is_active)"
)


def endpoints_from_json(*, merchant_id: int, value: str) -> dict[int, list[WebhookEndpoint]]:
    """``ENDPOINTS_OF_MERCHANT_SQL``'s value as ``endpoints_active(merchant_ids=[merchant_id])``."""
    fields = ["id", "merchant_id", "events"]
    return {
        merchant_id: [
            WebhookEndpoint.from_db(connection.alias, fields, [pk, merchant_id, events])
            for pk, events in json.loads(value)
        ]
    }


_ENDPOINTS_ACTIVE_SQL = (
    f"SELECT id, merchant_id, events FROM {WebhookEndpoint._meta.db_table} "  # noqa: S608 - names from the model
    "WHERE merchant_id = ANY(%s) AND is_active ORDER BY id"
)


def events_record(
    *, events: list[Event], now: datetime, endpoints: dict[int, list[WebhookEndpoint]] | None = None
) -> list[WebhookEvent]:
    """Put events in the outbox, in the caller's transaction, for the endpoints subscribed to them.

    Only events some active endpoint listens to are stored (one query finds the endpoints, or
    ``endpoints`` read before by ``endpoints_active`` for every merchant of ``events``: then no
    query at all when none listens); each delivery is queued to run once the caller's transaction
    commits, so a rolled-back change never sends anything.
    """
    if not events:
        return []
    merchant_ids = {e.merchant_id for e in events}
    if endpoints is None or not merchant_ids <= endpoints.keys():
        endpoints = endpoints_active(merchant_ids=merchant_ids)
    wanted = [(e, [ep for ep in endpoints.get(e.merchant_id, []) if e.type in ep.events]) for e in events]
    wanted = [(e, eps) for e, eps in wanted if eps]
    if not wanted:
        return []
    rows = WebhookEvent.objects.bulk_create(
        [WebhookEvent(merchant_id=e.merchant_id, type=e.type, data=e.data, created_at=now) for e, _ in wanted]
    )
    deliveries = WebhookDelivery.objects.bulk_create(
        [
            WebhookDelivery(event=row, endpoint=endpoint, next_attempt_at=now)
            for row, (_, eps) in zip(rows, wanted, strict=True)
            for endpoint in eps
        ]
    )
    for delivery in deliveries:
        after_commit("webhooks.tasks.delivery_attempt_task", delivery.pk)
    return rows


def event_record(*, merchant_id: int, type: str, data: dict, now: datetime) -> WebhookEvent | None:
    events = events_record(events=[Event(merchant_id, type, data)], now=now)
    return events[0] if events else None


def _body(event: WebhookEvent) -> str:
    return json.dumps(
        {"type": event.type, "timestamp": event.created_at.isoformat(), "data": event.data},
        separators=(",", ":"),
        sort_keys=True,
    )


def signature_headers(
    *, endpoint: WebhookEndpoint, event: WebhookEvent, body: str, now: datetime
) -> dict[str, str]:
    """The three Standard Webhooks headers; two signatures while a rotated secret overlaps."""
    secrets_in_use = [endpoint.secret]
    if (
        endpoint.previous_secret
        and endpoint.previous_secret_expires_at
        and endpoint.previous_secret_expires_at > now
    ):
        secrets_in_use.append(endpoint.previous_secret)
    signatures = [Webhook(s).sign(msg_id=event.message_id, timestamp=now, data=body) for s in secrets_in_use]
    return {
        "webhook-id": event.message_id,
        "webhook-timestamp": str(int(now.timestamp())),
        "webhook-signature": " ".join(signatures),
        "content-type": "application/json",
        "user-agent": "TikJoy-Webhooks/1",
    }


def _claim(delivery_id: int, now: datetime) -> WebhookDelivery | None:
    """Take the delivery if it is due: one worker at a time (a lease moves its next attempt)."""
    claimed = WebhookDelivery.objects.filter(
        pk=delivery_id, status=DeliveryStatus.PENDING, next_attempt_at__lte=now, endpoint__is_active=True
    ).update(next_attempt_at=now + LEASE, attempts=F("attempts") + 1)
    if not claimed:
        return None
    return WebhookDelivery.objects.select_related("event", "endpoint").get(pk=delivery_id)


def _next_delay(attempts: int) -> float | None:
    if attempts > len(RETRY_DELAYS):
        return None
    delay = RETRY_DELAYS[attempts - 1]
    return delay + random.uniform(0, delay / 10)  # noqa: S311 - jitter, not a secret


def delivery_attempt(*, delivery_id: int, now: datetime) -> WebhookDelivery | None:
    """Send one delivery if it is due: 2xx delivers, 410 disables the endpoint, else retry later.

    The URL is checked again after DNS resolution (it may now resolve into a private network);
    no database transaction is held open while the endpoint answers.
    """
    delivery = _claim(delivery_id, now)
    if delivery is None:
        return None
    endpoint, event = delivery.endpoint, delivery.event
    body = _body(event)
    status_code, error = None, ""
    started = time.monotonic()
    try:
        # Checks the URL, then never resolves it again. A refusal is recorded in English, whatever
        # language triggered the attempt; a page shows it in its reader's (``WebhookAttempt.error_text``).
        with translation.override(settings.LANGUAGE_CODE):
            session = pinned_session(endpoint.url)
        cut_at: list[float] = []

        def cut_off() -> None:
            cut_at.append(time.monotonic())
            pinned_abort(session)

        watchdog = threading.Timer(DEADLINE_SECONDS, cut_off)
        with session:
            watchdog.start()
            try:
                # ``stream``: the status line and headers only; the body is never read (a receiver
                # could send gigabytes of it, a byte at a time).
                with session.post(
                    endpoint.url,
                    data=body.encode(),
                    headers=signature_headers(endpoint=endpoint, event=event, body=body, now=now),
                    timeout=TIMEOUT_SECONDS,
                    allow_redirects=False,
                    stream=True,
                ) as response:
                    answered_at = time.monotonic()
                    status_code = response.status_code
            finally:
                watchdog.cancel()
                watchdog.join()  # a cut already under way ends before the session closes its sockets
        if cut_at and cut_at[0] <= answered_at:  # read while being cut (a status line, some headers):
            raise requests.Timeout("cut off")  # no answer; one complete before the cut stands
    except UnsafeUrl as refused:
        error = str(refused)
    except requests.RequestException as failure:
        error = f"{type(failure).__name__}: {failure}"
        if time.monotonic() - started >= DEADLINE_SECONDS:
            status_code, error = None, f"No complete answer within {DEADLINE_SECONDS} s ({error})"
    duration_ms = int((time.monotonic() - started) * 1000)
    ok = status_code is not None and 200 <= status_code < 300
    with transaction.atomic(durable=True):
        WebhookAttempt.objects.create(
            delivery=delivery,
            attempted_at=now,
            status_code=status_code,
            error=error[:300],
            duration_ms=duration_ms,
        )
        delivery.last_status_code, delivery.last_error = status_code, error[:300]
        if ok:
            delivery.status, delivery.delivered_at, delivery.next_attempt_at = (
                DeliveryStatus.SUCCEEDED,
                now,
                None,
            )
        else:
            delay = _next_delay(delivery.attempts)
            if delay is None or status_code == 410:
                delivery.status, delivery.next_attempt_at = DeliveryStatus.FAILED, None
            else:
                delivery.next_attempt_at = now + timedelta(seconds=delay)
        delivery.save(
            update_fields=["status", "delivered_at", "next_attempt_at", "last_status_code", "last_error"]
        )
    if status_code == 410:
        _endpoint_stop(endpoint=endpoint, why=GONE, params={}, now=now)
    elif delivery.status == DeliveryStatus.FAILED:
        _endpoint_stop(
            endpoint=endpoint,
            why=FAILING,
            params={"attempts": len(RETRY_DELAYS) + 1},
            now=now,
        )
    return delivery


def _endpoint_stop(*, endpoint: WebhookEndpoint, why, params: dict, now: datetime) -> None:
    """Disable an endpoint that is gone or keeps failing, and tell each of the merchant's owners, in
    their language (``member_locale``). The reason is recorded in English (``disabled_reason``, also in
    the API) and shown in the reader's language (``webhooks.reasons.disabled_reason_text``)."""
    reason = reason_english(why, params)
    with transaction.atomic(durable=True):
        stopped = WebhookEndpoint.objects.filter(pk=endpoint.pk, is_active=True).update(
            is_active=False, disabled_reason=reason[:200]
        )
        WebhookDelivery.objects.filter(endpoint=endpoint, status=DeliveryStatus.PENDING).update(
            status=DeliveryStatus.FAILED,
            next_attempt_at=None,
            last_error=f"Endpoint disabled: {reason}"[:300],
        )
        if stopped:
            merchant = Merchant.objects.get(pk=endpoint.merchant_id)
            for owner in owners_with_email(merchant):
                with member_locale(owner, merchant):
                    mail_after_commit(
                        subject=_("TikJoy: a webhook endpoint was disabled"),
                        message=_(
                            "We stopped sending events to %(url)s: %(why)s\n"
                            "Fix the endpoint, then register it again in the console (Webhooks); "
                            "the delivery log shows what it answered."
                        )
                        % {
                            "url": endpoint.url,
                            "why": after_colon(str(why) % params),
                        },  # one of TikJoy's own reasons
                        recipient_list=[owner.email],
                    )
    endpoint.is_active, endpoint.disabled_reason = False, reason[:200]


def delivery_attempt_first(*, delivery_id: int, now: datetime) -> WebhookDelivery | None:
    """The first attempt, queued after the commit that wrote the event: sent at once, unless the
    endpoint is failing (another of its deliveries waits for a retry: its last attempt failed; one
    being sent for the first time doesn't count). Then it stays due for the
    minute's run (``deliveries_due``), which tries a failing endpoint once a run: an endpoint that
    doesn't answer holds a shared task worker for one timeout a minute, however many events its
    merchant makes, not one per event."""
    failing = (
        WebhookDelivery.objects.filter(endpoint__deliveries__pk=delivery_id, status=DeliveryStatus.PENDING)
        .filter(Q(last_status_code__isnull=False) | ~Q(last_error=""))
        .exclude(pk=delivery_id)
        .exists()
    )
    if failing:
        return None
    return delivery_attempt(delivery_id=delivery_id, now=now)


def deliveries_due(*, now: datetime, limit: int = 500) -> int:
    """Attempt every delivery whose time has come (the retries, and first attempts held back for a
    failing endpoint); returns how many were attempted.

    Each is signed and leased with the time it is sent (``now`` plus the run's time so far), not the
    run's start: behind slow endpoints a message would otherwise arrive signed minutes before it was
    sent (Standard Webhooks' verifiers refuse one older than 5 minutes), its lease run out. An
    endpoint whose attempt failed in this run gets no other attempt in it, and the run stops taking
    deliveries after ``RUN_BUDGET_SECONDS``: the rest are the next run's."""
    due = list(
        WebhookDelivery.objects.filter(
            status=DeliveryStatus.PENDING, next_attempt_at__lte=now, endpoint__is_active=True
        )
        .order_by("next_attempt_at", "pk")
        .values_list("pk", "endpoint_id")[:limit]
    )
    started = time.monotonic()
    attempted, failing = 0, set()
    for delivery_id, endpoint_id in due:
        elapsed = time.monotonic() - started
        if elapsed >= RUN_BUDGET_SECONDS:
            break
        if endpoint_id in failing:
            continue
        try:
            delivery = delivery_attempt(delivery_id=delivery_id, now=now + timedelta(seconds=elapsed))
        except Exception:  # one broken delivery must not stop the others
            logger.exception("webhook delivery %s failed", delivery_id)
            continue
        if delivery is not None:
            attempted += 1
            if delivery.status != DeliveryStatus.SUCCEEDED:
                failing.add(endpoint_id)
    return attempted


def delivery_replay(*, delivery: WebhookDelivery, now: datetime) -> None:
    """Send a delivered or given-up event again (the console's replay), as a new series of attempts.

    Refused (``WebhookError``) once the endpoint is disabled: nothing is sent to it, so the delivery
    would wait for ever, and its event (the body) would never be purged (``webhook_bodies_purge``
    keeps events still being delivered). The endpoint's row is locked first, as disabling it does."""
    with transaction.atomic(durable=True):
        endpoint = WebhookEndpoint.objects.select_for_update().only("is_active").get(pk=delivery.endpoint_id)
        if not endpoint.is_active:
            raise WebhookError(
                _(
                    "This endpoint is disabled: nothing is sent to it. Register its URL again to receive events."
                )
            )
        WebhookDelivery.objects.filter(pk=delivery.pk).filter(~Q(status=DeliveryStatus.PENDING)).update(
            status=DeliveryStatus.PENDING, attempts=0, next_attempt_at=now
        )
        after_commit("webhooks.tasks.delivery_attempt_task", delivery.pk)


def webhook_bodies_purge(*, before: datetime) -> int:
    """Retention: outgoing events created before ``before`` go with their deliveries and delivery
    log (the body is what may name a person); an event still being delivered stays until it is
    delivered or given up. Returns how many events went."""
    old = WebhookEvent.objects.filter(created_at__lt=before).exclude(
        deliveries__status=DeliveryStatus.PENDING
    )
    return WebhookEvent.objects.filter(pk__in=old.values("pk")).delete()[1].get(WebhookEvent._meta.label, 0)
