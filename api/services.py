"""Every write of the API app: keys, their audit trail, idempotency records, rate-limit windows."""

from __future__ import annotations

import copy
import hashlib
import hmac
import ipaddress
import json
import logging
import secrets
import threading
import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import NamedTuple

from django.conf import settings
from django.core.cache import caches
from django.core.cache.backends.redis import RedisCache
from django.db import IntegrityError, connection, transaction
from django.db.models import Exists, OuterRef, Q
from django.utils import timezone
from django.utils.translation import gettext
from redis.exceptions import RedisError

from accounts.models import User
from api.models import (
    RATE_SHARDS,
    ApiKey,
    ApiKeyEvent,
    IdempotencyRecord,
    KeyAction,
    KeyKind,
    RateWindow,
    Scope,
    WidgetPass,
)
from core.db import bound_cursor
from core.errors import DomainError
from merchants.models import Membership, Merchant
from merchants.roles import Capability, Role, role_can

logger = logging.getLogger(__name__)


class ApiKeyError(DomainError):
    """The key can't be made or revoked as asked."""


def key_hash(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


def secret_prefix() -> str:
    """``tj_test_`` on a sandbox deployment (all its data is test data), ``tj_live_`` otherwise."""
    return "tj_test_" if settings.SOCIAL_SANDBOX else "tj_live_"


def api_key_create(
    *,
    merchant: Merchant,
    name: str,
    kind: str,
    scope: str,
    expires_at: datetime | None,
    actor: User,
    now: datetime,
) -> tuple[ApiKey, str]:
    """Make a key; returns it with the full key, which is never stored nor shown again."""
    name = name.strip()
    if not name:
        raise ApiKeyError(gettext("Give the key a name that says what it is for."))
    if expires_at is not None and expires_at <= now:
        raise ApiKeyError(gettext("The expiry must be in the future."))
    if kind == KeyKind.PUBLISHABLE:
        prefix, scope = "tj_pk_", Scope.PUBLIC
    elif kind == KeyKind.SECRET:
        prefix = secret_prefix()
        if scope not in (Scope.READ, Scope.WRITE):
            raise ApiKeyError(gettext("A secret key reads, or reads and writes."))
    else:
        raise ApiKeyError(gettext("Choose a secret or a publishable key."))
    raw = prefix + secrets.token_urlsafe(24)
    with transaction.atomic(durable=True):
        key = ApiKey.objects.create(
            merchant=merchant,
            name=name[:80],
            kind=kind,
            prefix=prefix,
            key_hash=key_hash(raw),
            last_four=raw[-4:],
            publishable_key=raw if kind == KeyKind.PUBLISHABLE else "",
            scope=scope,
            expires_at=expires_at,
            created_by=actor,
            created_at=now,
        )
        ApiKeyEvent.objects.create(
            key=key, action=KeyAction.CREATED, actor=actor, detail=f"{key.get_scope_display()}", at=now
        )
    return key, raw


def api_key_revoke(*, key: ApiKey, actor: User, now: datetime) -> ApiKey:
    """Revoke: refused at once by every server process (their copies of the key are checked on each
    request: ``api_key_authenticate``)."""
    with transaction.atomic(durable=True):
        changed = ApiKey.objects.filter(pk=key.pk, revoked_at__isnull=True).update(
            revoked_at=now, revoked_by=actor
        )
        if not changed:
            raise ApiKeyError(gettext("This key is already revoked."))
        ApiKeyEvent.objects.create(key=key, action=KeyAction.REVOKED, actor=actor, at=now)
    _key_cache_forget(key.key_hash)
    _key_token_drop(key.key_hash)
    key.refresh_from_db()
    return key


# hash -> (monotonic time read, key with its merchant and creator). Per process, for
# API_KEY_CACHE_SECONDS: the busiest query of every request, saved (docs/api.md, "Keys"). A copy is
# never trusted alone: every request confirms the key in the round trip that counts it
# (``_rate_hit``), so a revoked key is refused at once by every process.
_key_cache: dict[str, tuple[float, ApiKey]] = {}
_key_cache_lock = threading.Lock()


def _key_cache_forget(hashed: str) -> None:
    with _key_cache_lock:
        _key_cache.pop(hashed, None)


def _private_copy(instance):
    """A copy of a model instance whose related-object cache is its own (threads share the cache).

    Its fields copied as a dict: ``copy.copy`` goes through the model's pickling and cost more
    than the rest of a cached key lookup."""
    clone = instance.__class__.__new__(instance.__class__)
    clone.__dict__ = instance.__dict__.copy()
    clone._state = copy.copy(instance._state)
    clone._state.fields_cache = {}
    return clone


def _key_with_relations(key: ApiKey) -> ApiKey:
    clone = _private_copy(key)
    clone.merchant = _private_copy(key.merchant)
    if key.created_by is not None:
        clone.created_by = _private_copy(key.created_by)
    return clone


# --- the shared cache (Redis: CACHE_URL=redis://...), when there is one --------------------------


def _redis():
    """The shared cache's Redis client, or None (no shared cache: ``locmem://`` is one process's)."""
    cache = caches["default"]
    if not isinstance(cache, RedisCache):
        return None
    return cache._cache.get_client(write=True)


def _key_token_name(hashed: str) -> str:
    return caches["default"].make_and_validate_key(f"api:key-token:{hashed}")


def _key_token_take(hashed: str) -> str | None:
    """The key's current token in the shared cache (set now when missing), read before the key's row:
    a copy of the key is good while the token stays the same (``api_key_revoke`` drops it)."""
    client = _redis()
    if client is None:
        return None
    name = _key_token_name(hashed)
    try:
        client.set(name, secrets.token_hex(8), nx=True, ex=KEY_TOKEN_SECONDS)
        token = client.get(name)
    except RedisError:
        return None
    return token.decode() if token is not None else None


def _key_token_drop(hashed: str) -> None:
    client = _redis()
    if client is None:
        return
    try:
        client.delete(_key_token_name(hashed))
    except RedisError:
        # Only when the cache is down now; the copies that hold its token are then kept
        # API_KEY_CACHE_SECONDS at most (they are confirmed in the database meanwhile).
        logger.warning("The revoked key's token could not be dropped from the cache.")


KEY_TOKEN_SECONDS = 24 * 3600  # a token lost (expired, evicted): the copies are read again, nothing else


def _key_lookup(hashed: str, now: datetime) -> ApiKey | None:
    ttl = settings.API_KEY_CACHE_SECONDS
    if ttl > 0:
        with _key_cache_lock:
            cached = _key_cache.get(hashed)
        if cached is not None and time.monotonic() - cached[0] < ttl:
            key = cached[1]
            if key.expires_at is None or key.expires_at > now:
                return _key_with_relations(key)
    key = _key_read(hashed, now)
    if key is not None and ttl > 0:
        with _key_cache_lock:
            if len(_key_cache) > 10_000:  # many keys: start again rather than grow
                _key_cache.clear()
            _key_cache[hashed] = (time.monotonic(), _key_with_relations(key))
    return key


def key_creator_may_make() -> Q:
    """The condition on an ``ApiKey`` row that it may work for its creator: a publishable key always
    (public by design), a secret one while its creator may still make keys for the merchant (a team
    member whose role has ``MANAGE_API``)."""
    makers = Membership.objects.filter(
        role__in=[role for role in Role.values if role_can(role, Capability.MANAGE_API)],
        merchant_id=OuterRef("merchant_id"),
        user_id=OuterRef("created_by_id"),
    )
    return Q(kind=KeyKind.PUBLISHABLE) | Q(Exists(makers))


def _key_read(hashed: str, now: datetime) -> ApiKey | None:
    """The usable key from the database, with its merchant and creator (and, with a shared cache, the
    key's token read just before: a revocation after this read drops that token).

    A secret key is usable only while its creator may still make keys for the merchant
    (``MANAGE_API``): a person removed from the team, or no longer an owner, keeps a copy of the keys
    they made, and those stop working with their role (within ``API_KEY_CACHE_SECONDS`` in a process
    that holds a copy). A publishable key is public by design (the shop's pages carry it) and goes on."""
    token = _key_token_take(hashed)
    key = (
        ApiKey.objects.usable(now=now)
        .select_related("merchant", "created_by")
        .filter(key_hash=hashed)
        .filter(key_creator_may_make())
        .first()
    )
    if key is not None:
        key.cache_token = token
    return key


def api_key_authenticate(
    *, raw: str, now: datetime, count: bool = False, ip: str | None = None
) -> ApiKey | None:
    """The usable key whose hash matches ``raw``; records when it was last used (once a minute).

    A key read from the database is kept in this process for ``API_KEY_CACHE_SECONDS`` (5 s), but
    never trusted alone: with ``count`` (the API's requests), the round trip that counts the request
    against the key's rate limit (``_rate_hit``) also confirms the key (its row in the database, or
    its token in the shared cache), and a copy it doesn't confirm is read again from the database.
    A revoked key is refused at once by every process. ``key.rate_hit``: the requests counted in
    this minute, this one included (with ``count``; a publishable key's by the visitor at ``ip``,
    ``rate_client``, and by the whole key: ``RateHit``).
    """
    if not raw.startswith(("tj_live_", "tj_test_", "tj_pk_")):
        return None
    if raw.startswith(("tj_live_", "tj_test_")) and not raw.startswith(secret_prefix()):
        return None  # a test key never reaches live data, nor a live key the sandbox
    hashed = key_hash(raw)
    key = _key_lookup(hashed, now)
    if key is None:
        return None
    if count:
        rate_hit, confirmed = _rate_hit(key=key, now=now, client=rate_client(key=key, ip=ip))
        if not confirmed:
            _key_cache_forget(hashed)
            key = _key_lookup(hashed, now)  # read again: refused if revoked, else a fresh copy
            if key is None:
                return None
        key.rate_hit = rate_hit
    elif settings.API_KEY_CACHE_SECONDS > 0 and not _key_confirmed(key, now):
        _key_cache_forget(hashed)
        key = _key_lookup(hashed, now)
        if key is None:
            return None
    if key.last_used_at is None or key.last_used_at < now - timedelta(minutes=1):
        ApiKey.objects.filter(pk=key.pk).update(last_used_at=now)
        key.last_used_at = now
        with _key_cache_lock:
            cached = _key_cache.get(key.key_hash)
        if cached is not None:
            cached[1].last_used_at = now
    return key


def api_key_write_audit(*, key: ApiKey, detail: str, now: datetime) -> None:
    ApiKeyEvent.objects.create(
        key=key, action=KeyAction.WRITE, actor=key.created_by, detail=detail[:300], at=now
    )


# PostgreSQL, one statement: count the request in its shard's row (committed without waiting for
# the disk: set_config(..., true) lasts for this statement's own transaction), add the other
# shards' rows of the minute, and say whether the key is still usable (not revoked, not expired).
RATE_HIT_POSTGRESQL = (
    "WITH hit AS (INSERT INTO api_ratewindow (key_id, client, window_start, shard, count) "
    "SELECT %s, %s, %s, %s, 1 FROM (SELECT set_config('synchronous_commit', 'off', true)) AS no_flush "
    "ON CONFLICT (key_id, client, window_start, shard) DO UPDATE SET count = api_ratewindow.count + 1 "
    "RETURNING count) "
    "SELECT (SELECT count FROM hit) + COALESCE((SELECT SUM(count) FROM api_ratewindow "
    "WHERE key_id = %s AND client = %s AND window_start = %s AND shard <> %s), 0), "
    "COALESCE((SELECT revoked_at IS NULL AND (expires_at IS NULL OR expires_at > %s) "
    "FROM api_apikey WHERE id = %s), false)"
)
# A publishable key, PostgreSQL, one statement: the same for the visitor's row, and, when the
# visitor is within their limit (the third parameter), for the whole key's row of the same shard
# (``client`` empty, as a secret key's): the visitor's count, the whole key's, and whether the key
# is usable. A request refused per visitor is not counted against the key, so one visitor adds at
# most their own limit to the key's ceiling. (Every part of one statement sees the rows as they
# were before it: hence the row the statement wrote plus the other shards.)
RATE_HIT_PUBLIC_POSTGRESQL = (
    "WITH hit AS (INSERT INTO api_ratewindow (key_id, client, window_start, shard, count) "
    "SELECT %s, %s, %s, %s, 1 FROM (SELECT set_config('synchronous_commit', 'off', true)) AS no_flush "
    "ON CONFLICT (key_id, client, window_start, shard) DO UPDATE SET count = api_ratewindow.count + 1 "
    "RETURNING count), "
    "visitor AS (SELECT (SELECT count FROM hit) + COALESCE((SELECT SUM(count) FROM api_ratewindow "
    "WHERE key_id = %s AND client = %s AND window_start = %s AND shard <> %s), 0) AS count), "
    "whole AS (INSERT INTO api_ratewindow (key_id, client, window_start, shard, count) "
    "SELECT %s, '', %s, %s, 1 FROM visitor WHERE visitor.count <= %s "
    "ON CONFLICT (key_id, client, window_start, shard) DO UPDATE SET count = api_ratewindow.count + 1 "
    "RETURNING count) "
    "SELECT (SELECT count FROM visitor), "
    "COALESCE((SELECT count FROM whole), (SELECT count FROM api_ratewindow WHERE key_id = %s "
    "AND client = '' AND window_start = %s AND shard = %s), 0) + COALESCE((SELECT SUM(count) "
    "FROM api_ratewindow WHERE key_id = %s AND client = '' AND window_start = %s AND shard <> %s), 0), "
    "COALESCE((SELECT revoked_at IS NULL AND (expires_at IS NULL OR expires_at > %s) "
    "FROM api_apikey WHERE id = %s), false)"
)
# Redis, one script (in the pipeline's one round trip): the visitor's minute, and the whole key's
# when the visitor is within their limit (ARGV[1]); both expire after two minutes.
RATE_HIT_PUBLIC_REDIS = """
local seen = redis.call('INCR', KEYS[1])
redis.call('EXPIRE', KEYS[1], 120)
local whole
if seen <= tonumber(ARGV[1]) then
  whole = redis.call('INCR', KEYS[2])
  redis.call('EXPIRE', KEYS[2], 120)
else
  whole = tonumber(redis.call('GET', KEYS[2]) or '0')
end
return {seen, whole}
"""
# SQLite has no INSERT in a WITH: the same in two statements, in one transaction.
RATE_HIT_SQLITE = (
    "INSERT INTO api_ratewindow (key_id, client, window_start, shard, count) VALUES (%s, %s, %s, %s, 1) "
    "ON CONFLICT (key_id, client, window_start, shard) DO UPDATE SET count = api_ratewindow.count + 1"
)
RATE_SUM_SQLITE = (
    "SELECT SUM(count) FROM api_ratewindow WHERE key_id = %s AND client = %s AND window_start = %s"
)


KEY_USABLE_SQL = (
    "SELECT revoked_at IS NULL AND (expires_at IS NULL OR expires_at > %s) FROM api_apikey WHERE id = %s"
)


def rate_client(*, key: ApiKey, ip: str | None) -> str:
    """Whose requests a request of ``key`` is counted with: the whole key's for a secret key ("");
    for a publishable key, which is public (it is in the shop's pages), the visitor's, by network (an
    IPv4 address, an IPv6 /64: what one household or phone holds), as a keyed hash that doesn't keep
    the address."""
    if key.kind != KeyKind.PUBLISHABLE:
        return ""
    try:
        address = ipaddress.ip_address(ip or "")
    except ValueError:
        network = "unknown"
    else:
        address = getattr(address, "ipv4_mapped", None) or address  # ::ffff:a.b.c.d is an IPv4 visitor
        network = str(ipaddress.ip_network(f"{address}/{64 if address.version == 6 else 32}", strict=False))
    return hmac.new(settings.SECRET_KEY.encode(), f"api-rate:{network}".encode(), hashlib.sha256).hexdigest()[
        :32
    ]


def rate_limit_for(key: ApiKey) -> tuple[int, str]:
    """The requests a minute ``key`` may make, and the policy's name in the ``RateLimit`` headers: per
    key for a secret key, per visitor for a publishable key (``rate_client``; and, on top of it, the
    whole key's ceiling: ``rate_limit_verdict``)."""
    if key.kind == KeyKind.PUBLISHABLE:
        return settings.API_PUBLIC_RATE_LIMIT_PER_MINUTE, "per-visitor"
    return settings.API_RATE_LIMIT_PER_MINUTE, "per-key"


class RateHit(NamedTuple):
    """One request counted, this one included: the minute's requests by its visitor (a secret key:
    by the key) and by the whole key (for a publishable key, those its visitors' limit let through)."""

    count: int
    key_count: int


@dataclass(frozen=True)
class RateVerdict:
    """What the limits say of a counted request: refused or not, the seconds to the next minute
    (``Retry-After``), and the ``RateLimit-Policy`` and ``RateLimit`` headers
    (draft-ietf-httpapi-ratelimit-headers)."""

    limited: bool
    reset: int
    policy: str
    state: str


def rate_limit_verdict(*, key: ApiKey, hit: RateHit, now: datetime, ceiling: bool = True) -> RateVerdict:
    """A secret key's limit (``"per-key"``); a publishable key's per visitor (``"per-visitor"``) and,
    whoever asks, the whole key's ceiling (``"per-key"``, ``API_PUBLIC_KEY_RATE_LIMIT_PER_MINUTE``):
    someone with many addresses gets many visitors' limits, never more than the ceiling. The
    ceiling's remaining requests are said only once none are left (otherwise they would tell anyone
    who reads the shop's page how busy the shop is).

    ``ceiling=False``: the visitor's limit only, for a request the ceiling must never refuse: the
    conversion tag's report of an order (someone with enough networks could spend the ceiling each
    minute, and an order refused then is an affiliate's commission lost; orders are bounded by the
    shop's sales, and each visitor still by their own limit)."""
    limit, name = rate_limit_for(key)
    reset = 60 - now.second
    policies = [f'"{name}";q={limit};w=60']
    states = [f'"{name}";r={max(limit - hit.count, 0)};t={reset}']
    limited = hit.count > limit
    if key.kind == KeyKind.PUBLISHABLE and ceiling:
        most = settings.API_PUBLIC_KEY_RATE_LIMIT_PER_MINUTE
        policies.append(f'"per-key";q={most};w=60')
        if hit.key_count >= most:
            states.append(f'"per-key";r=0;t={reset}')
        limited = limited or hit.key_count > most
    return RateVerdict(limited=limited, reset=reset, policy=", ".join(policies), state=", ".join(states))


def rate_limit_hit(*, key: ApiKey, now: datetime, client: str = "") -> RateHit:
    """Count one request in the key's (and ``client``'s, ``rate_client``) current minute."""
    return _rate_hit(key=key, now=now, client=client)[0]


def _rate_hit(*, key: ApiKey, now: datetime, client: str = "") -> tuple[RateHit, bool]:
    """Count one request in the key's (and ``client``'s) current minute: (the requests this minute,
    whether the key is confirmed usable), in one round trip.

    With a shared cache (Redis), there: an ``INCR`` of the key's minute and the key's token
    (``_key_token_take``) in one pipeline; the database when the cache fails. Without one, in the
    database: an ``INSERT ... ON CONFLICT DO UPDATE`` on one of the minute's ``RATE_SHARDS`` rows
    (chosen at random, so concurrent requests of a busy key rarely wait for each other's row lock)
    plus the sum of the others and the key's row (revoked, expired). Right across processes and
    machines, except that requests still in flight on other shards are not seen yet. On PostgreSQL
    it doesn't wait for the disk (a count lost in a crash is harmless).

    A publishable key's request (``client`` a visitor) is counted twice in the same round trip: for
    its visitor, and, when the visitor is within their limit, for the whole key (``client`` empty).
    """
    window = now.replace(second=0, microsecond=0)
    public = bool(client)
    visitor_limit = settings.API_PUBLIC_RATE_LIMIT_PER_MINUTE
    redis = _redis()
    if redis is not None:
        cache = caches["default"]
        stamp = int(window.timestamp())
        name = cache.make_and_validate_key(f"api:rate:{key.pk}:{client}:{stamp}")
        try:
            pipe = redis.pipeline(transaction=False)
            if public:
                whole = cache.make_and_validate_key(f"api:rate:{key.pk}::{stamp}")
                pipe.eval(RATE_HIT_PUBLIC_REDIS, 2, name, whole, visitor_limit)
            else:
                pipe.incr(name)
                pipe.expire(name, 120)
            pipe.get(_key_token_name(key.key_hash))
            answers = pipe.execute()
        except RedisError:
            pass  # the cache is down: counted in the database
        else:
            token = answers[-1]
            hit = RateHit(*answers[0]) if public else RateHit(answers[0], answers[0])
            held = getattr(key, "cache_token", None)
            return hit, held is not None and token is not None and token.decode() == held
    shard = secrets.randbelow(RATE_SHARDS)
    if connection.vendor == "postgresql":
        with bound_cursor() as cursor:
            if public:
                cursor.execute(
                    RATE_HIT_PUBLIC_POSTGRESQL,
                    [
                        *(key.pk, client, window, shard),
                        *(key.pk, client, window, shard),
                        *(key.pk, window, shard, visitor_limit),
                        *(key.pk, window, shard),
                        *(key.pk, window, shard),
                        *(now, key.pk),
                    ],
                )
                count, key_count, usable = cursor.fetchone()
            else:
                cursor.execute(
                    RATE_HIT_POSTGRESQL,
                    [key.pk, client, window, shard, key.pk, client, window, shard, now, key.pk],
                )
                count, usable = cursor.fetchone()
                key_count = count
    else:
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(RATE_HIT_SQLITE, [key.pk, client, window, shard])
            cursor.execute(RATE_SUM_SQLITE, [key.pk, client, window])
            (count,) = cursor.fetchone()
            key_count = count
            if public:
                if count <= visitor_limit:
                    cursor.execute(RATE_HIT_SQLITE, [key.pk, "", window, shard])
                cursor.execute(RATE_SUM_SQLITE, [key.pk, "", window])
                key_count = cursor.fetchone()[0] or 0
            cursor.execute(KEY_USABLE_SQL, [now, key.pk])
            row = cursor.fetchone()
            usable = bool(row and row[0])
    return RateHit(count, key_count), bool(usable)


def _key_confirmed(key: ApiKey, now: datetime) -> bool:
    """A copy of the key confirmed without counting a request: its token, or its row."""
    client = _redis()
    if client is not None:
        try:
            token = client.get(_key_token_name(key.key_hash))
        except RedisError:
            pass
        else:
            held = getattr(key, "cache_token", None)
            return held is not None and token is not None and token.decode() == held
    with bound_cursor() as cursor:
        cursor.execute(KEY_USABLE_SQL, [now, key.pk])
        row = cursor.fetchone()
    return bool(row and row[0])


def rate_windows_prune(*, now: datetime) -> int:
    return RateWindow.objects.filter(window_start__lt=now - timedelta(minutes=5)).delete()[0]


# --- Idempotency-Key (IETF draft-ietf-httpapi-idempotency-key-header) --------------------------


class IdempotencyConflict(DomainError):
    """The key is in use by a request still being processed (409)."""


class IdempotencyMismatch(DomainError):
    """The key was used with another request (422)."""


def request_fingerprint(*, method: str, path: str, body: bytes) -> str:
    try:
        canonical = json.dumps(json.loads(body or b"{}"), sort_keys=True, separators=(",", ":")).encode()
    except (ValueError, RecursionError):  # not JSON, or nested too deep for json.loads: the bytes as sent
        canonical = body
    return hashlib.sha256(method.encode() + b" " + path.encode() + b"\n" + canonical).hexdigest()


# A claim without an answer after this long was left by a request that was stopped (no request lives
# this long): its key is then answered with that, not "still being processed".
IDEMPOTENCY_ABANDONED_AFTER = timedelta(minutes=10)


def idempotency_begin(*, merchant: Merchant, key: str, fingerprint: str, now: datetime) -> IdempotencyRecord:
    """Claim ``key`` for this request, or return the finished record to replay.

    The row is inserted first; the unique constraint decides which of two concurrent
    requests runs. Raises ``IdempotencyMismatch`` (other request) or ``IdempotencyConflict``
    (still in flight).

    On PostgreSQL the claim commits without waiting for the disk (``synchronous_commit`` off for
    its own transaction): other requests see it at once all the same, and the write log is
    flushed in order, so whatever the request then commits durably (the engine's transaction,
    the stored answer) flushes the claim first. A crash can only lose a claim whose request wrote
    nothing durable yet, and a retry then runs it, as it should.
    """
    expires_at = now + timedelta(hours=settings.API_IDEMPOTENCY_HOURS)
    for _ in range(2):
        record = _idempotency_claim(
            merchant=merchant, key=key, fingerprint=fingerprint, now=now, expires_at=expires_at
        )
        if record is not None:
            return record
        existing = IdempotencyRecord.objects.filter(merchant=merchant, key=key).first()
        if existing is None:
            continue  # abandoned meanwhile: try again
        if existing.expires_at <= now:
            IdempotencyRecord.objects.filter(pk=existing.pk, expires_at__lte=now).delete()
            continue
        if existing.fingerprint != fingerprint:
            raise IdempotencyMismatch(
                gettext(
                    "This Idempotency-Key was used with a different request: use a new key for a new request."
                )
            )
        if existing.response_status is None:
            if existing.created_at <= now - IDEMPOTENCY_ABANDONED_AFTER:
                # No request lives this long (the server's timeout is seconds): the one that claimed the key
                # was stopped before it answered (a killed worker). Said so, not "retry later" for a day.
                raise IdempotencyConflict(
                    gettext(
                        "The request that used this Idempotency-Key began at %(when)s and stopped before it "
                        "answered: it may or may not have taken effect. Check, then send it again with a new key."
                    )
                    % {"when": existing.created_at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")}
                )
            raise IdempotencyConflict(
                gettext("A request with this Idempotency-Key is still being processed: retry later.")
            )
        return existing
    raise IdempotencyConflict(
        gettext("A request with this Idempotency-Key is still being processed: retry later.")
    )


# PostgreSQL, one statement in its own transaction: the claim, committed without waiting for the disk
# (set_config(..., true) lasts for this statement's transaction), or nothing when the key is taken.
IDEMPOTENCY_CLAIM_POSTGRESQL = (
    "INSERT INTO api_idempotencyrecord (merchant_id, key, fingerprint, created_at, expires_at) "
    "SELECT %s, %s, %s, %s, %s FROM (SELECT set_config('synchronous_commit', 'off', true)) AS no_flush "
    "ON CONFLICT (merchant_id, key) DO NOTHING RETURNING id"
)


def _idempotency_claim(
    *, merchant: Merchant, key: str, fingerprint: str, now: datetime, expires_at: datetime
) -> IdempotencyRecord | None:
    """Insert the key's record; None when the merchant's key has one already."""
    if connection.vendor == "postgresql":
        with bound_cursor() as cursor:
            cursor.execute(IDEMPOTENCY_CLAIM_POSTGRESQL, [merchant.pk, key, fingerprint, now, expires_at])
            row = cursor.fetchone()
        if row is None:
            return None
        record = IdempotencyRecord(
            id=row[0],
            merchant=merchant,
            key=key,
            fingerprint=fingerprint,
            created_at=now,
            expires_at=expires_at,
        )
        record._state.adding = False
        return record
    try:
        with transaction.atomic():
            return IdempotencyRecord.objects.create(
                merchant=merchant, key=key, fingerprint=fingerprint, created_at=now, expires_at=expires_at
            )
    except IntegrityError:
        return None


def idempotency_finish(
    *,
    record: IdempotencyRecord,
    status: int,
    body,
    audit_key: ApiKey | None = None,
    audit_detail: str = "",
    now: datetime | None = None,
) -> None:
    """Store the answer to replay; with ``audit_key``, the key's audit line of the write too, in the
    same transaction (one commit, one wait for the disk, instead of two)."""
    if connection.vendor == "postgresql":
        # One statement (its own durable transaction, outside a caller's): the answer and the audit line.
        stored = IdempotencyRecord._meta.get_field("response_body").get_db_prep_value(body, connection)
        with bound_cursor() as cursor:
            if audit_key is None:
                cursor.execute(IDEMPOTENCY_FINISH_POSTGRESQL, [status, stored, record.pk])
            else:
                cursor.execute(
                    IDEMPOTENCY_FINISH_AUDITED_POSTGRESQL,
                    [
                        status,
                        stored,
                        record.pk,
                        audit_key.pk,
                        KeyAction.WRITE,
                        audit_key.created_by_id,
                        audit_detail[:300],
                        now or timezone.now(),
                    ],
                )
        return
    with transaction.atomic(durable=True):
        IdempotencyRecord.objects.filter(pk=record.pk).update(response_status=status, response_body=body)
        if audit_key is not None:
            api_key_write_audit(key=audit_key, detail=audit_detail, now=now or timezone.now())


IDEMPOTENCY_FINISH_POSTGRESQL = (
    "UPDATE api_idempotencyrecord SET response_status = %s, response_body = %s WHERE id = %s"
)
IDEMPOTENCY_FINISH_AUDITED_POSTGRESQL = (
    "WITH stored AS (UPDATE api_idempotencyrecord SET response_status = %s, response_body = %s WHERE id = %s) "
    "INSERT INTO api_apikeyevent (key_id, action, actor_id, detail, at) VALUES (%s, %s, %s, %s, %s)"
)


def idempotency_abandon(*, record: IdempotencyRecord) -> None:
    """The request failed on our side: free the key so the client can retry with it."""
    IdempotencyRecord.objects.filter(pk=record.pk, response_status__isnull=True).delete()


def idempotency_prune(*, now: datetime) -> int:
    return IdempotencyRecord.objects.filter(expires_at__lte=now).delete()[0]


# --- the widget's pass: a consumer's balance in a shop's widget (docs/api.md) -----------------

WIDGET_NONCE_LENGTH = 32  # hex characters the frame picks (128 bits)


class WidgetPassError(DomainError):
    pass


def _nonce_hash(nonce: str) -> str:
    if len(nonce) != WIDGET_NONCE_LENGTH or any(c not in "0123456789abcdef" for c in nonce):
        raise WidgetPassError(
            gettext("This link is broken: open your balance again from the shop's JoyBack button.")
        )
    return hashlib.sha256(nonce.encode()).hexdigest()


def widget_pass_grant(
    *, user: User, merchant: Merchant, origin: str, nonce: str, now: datetime
) -> WidgetPass:
    """The signed-in person agreed to see their balance with ``merchant`` in the widget on ``origin``."""
    nonce_hash = _nonce_hash(nonce)
    try:
        with transaction.atomic():
            return WidgetPass.objects.create(
                nonce_hash=nonce_hash, merchant=merchant, origin=origin, user=user, created_at=now
            )
    except IntegrityError:
        raise WidgetPassError(
            gettext(
                "This request was already answered: open your balance again from the shop's JoyBack button."
            )
        ) from None


def widget_pass_collect(*, merchant: Merchant, origin: str, nonce: str, now: datetime) -> User | None:
    """The frame asks whether its nonce was granted: the person it was granted by, once (a conditional
    update, so two polls can't both collect), or None while it waits or after it expired."""
    nonce_hash = _nonce_hash(nonce)
    fresh = now - timedelta(minutes=settings.WIDGET_PASS_MINUTES)
    granted = WidgetPass.objects.filter(
        nonce_hash=nonce_hash,
        merchant=merchant,
        origin=origin,
        collected_at__isnull=True,
        created_at__gte=fresh,
    )
    pass_ = granted.select_related("user").first()
    if pass_ is None or not granted.filter(pk=pass_.pk).update(collected_at=now):
        return None
    return pass_.user


def widget_passes_prune(*, now: datetime) -> int:
    """Passes are kept only as long as they can be collected."""
    fresh = now - timedelta(minutes=settings.WIDGET_PASS_MINUTES)
    return WidgetPass.objects.filter(created_at__lt=fresh).delete()[0]
