"""Sessions in the database, read by one fixed statement (``SESSION_ENGINE`` when the cache is one
process's memory: development, tests, one process; with Redis, ``accounts.sessions`` reads the cache
first and this statement on a miss).

Django's ``db`` store reads a session with ``Session.objects.get(...)``: 0.36 ms of CPU per signed-in
request, most of it building and compiling the query; the fixed statement costs 0.09 ms
(docs/benchmarks.md, "the signed-in request's fixed cost"). What it reads and when is Django's:
the unexpired row of the key, else no session. On another database than PostgreSQL (SQLite in
``make run``) Django's own query runs.

A session written before ``accounts.backends`` existed names Django's or allauth's backend path:
``load`` reads it as ours (``LEGACY_BACKENDS``), so nobody is signed out by the change.
"""

from __future__ import annotations

from django.contrib.auth import BACKEND_SESSION_KEY
from django.contrib.sessions.backends.db import SessionStore as DBStore
from django.db import DEFAULT_DB_ALIAS, connection, router
from django.utils import timezone

from accounts.backends import LEGACY_BACKENDS
from core.db import bound_cursor


class OneStatementRead:
    """The session row read by a fixed statement (a mixin for Django's ``db`` and ``cached_db``
    stores), and legacy backend paths read as the site's."""

    def load(self) -> dict:
        data = super().load()
        legacy = data.get(BACKEND_SESSION_KEY)
        if legacy in LEGACY_BACKENDS:
            data[BACKEND_SESSION_KEY] = LEGACY_BACKENDS[legacy]
        return data

    def _get_session_from_db(self):
        model = self.model
        if connection.vendor != "postgresql" or router.db_for_read(model) != DEFAULT_DB_ALIAS:
            return super()._get_session_from_db()
        key = self.session_key
        row = None
        if key is not None:
            with bound_cursor() as cursor:
                cursor.execute(_sql(model), [key, timezone.now()])
                row = cursor.fetchone()
        if row is None:
            self._session_key = None
            return None
        return model.from_db(DEFAULT_DB_ALIAS, ["session_key", "session_data", "expire_date"], (key, *row))


def _sql(model) -> str:
    quote = connection.ops.quote_name
    return (
        f"SELECT {quote('session_data')}, {quote('expire_date')} FROM {quote(model._meta.db_table)} "  # noqa: S608
        f"WHERE {quote('session_key')} = %s AND {quote('expire_date')} > %s"
    )


class SessionStore(OneStatementRead, DBStore):
    """Django's database sessions, read by one fixed statement."""
