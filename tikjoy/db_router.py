"""Reads of dashboards, statements and reports from a read replica (``DATABASE_REPLICA_URL``).

Routing by model alone would send every read of a ledger table to the replica, including the
reads a service makes before it writes; so the replica is chosen per request instead:
``ReplicaReadsMiddleware`` wraps GET/HEAD requests whose path matches ``DATABASE_REPLICA_PATHS``
(regular expressions) in ``replica_reads()``, and ``ReplicaRouter`` sends their reads to the
``replica`` alias, except

- inside a transaction on the primary (a service that reads then writes reads the primary),
- for the tables a request's identity and permissions come from (sessions, users, memberships,
  sign-in records, the task queue): those must never lag.

Writes always go to the primary. Without ``DATABASE_REPLICA_URL`` neither is installed.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, connections
from django.http import HttpRequest, HttpResponse

REPLICA = "replica"
# Identity, permissions and the queue: always read from the primary.
PRIMARY_ONLY_APPS = frozenset(
    {
        "accounts",
        "account",
        "api",  # keys (a revoked one stops at once), rate windows, idempotency records
        "admin",
        "auth",
        "contenttypes",
        "django_q",
        "merchants",
        "sessions",
        "sites",
        "socialaccount",
    }
)

_replica_reads: ContextVar[bool] = ContextVar("tikjoy_replica_reads", default=False)


@contextmanager
def replica_reads() -> Iterator[None]:
    """Reads in this block may be served by the replica (a few seconds behind the primary)."""
    token = _replica_reads.set(True)
    try:
        yield
    finally:
        _replica_reads.reset(token)


class ReplicaRouter:
    def db_for_read(self, model, **hints) -> str:
        # The primary by name, not None: with None Django would follow an instance's hint, and a
        # user or membership reached from a row read on the replica would be read there too.
        if not _replica_reads.get() or model._meta.app_label in PRIMARY_ONLY_APPS:
            return DEFAULT_DB_ALIAS
        if connections[DEFAULT_DB_ALIAS].in_atomic_block:
            return DEFAULT_DB_ALIAS
        return REPLICA

    def db_for_write(self, model, **hints) -> str:
        return DEFAULT_DB_ALIAS

    def allow_relation(self, obj1, obj2, **hints) -> bool:
        return True  # the replica holds the same rows as the primary

    def allow_migrate(self, db: str, app_label: str, model_name: str | None = None, **hints) -> bool:
        return db == DEFAULT_DB_ALIAS


class ReplicaReadsMiddleware:
    """GET/HEAD requests to a path matching ``DATABASE_REPLICA_PATHS`` read from the replica."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response
        self.patterns = [re.compile(p) for p in settings.DATABASE_REPLICA_PATHS]

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.method in ("GET", "HEAD") and any(p.search(request.path_info) for p in self.patterns):
            with replica_reads():
                return self.get_response(request)
        return self.get_response(request)
