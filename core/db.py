"""Database helpers every app may use."""

from __future__ import annotations

import functools
import json
import logging
import weakref
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from decimal import Decimal

from django.db import OperationalError, connection
from django.db.backends.postgresql.base import ServerBindingCursor
from django.db.models import F, Field, Func, IntegerField, QuerySet, Subquery, Value
from django.db.models.functions import Coalesce

logger = logging.getLogger(__name__)

# PostgreSQL's SQLSTATEs for a transaction that lost a race and may simply be run again.
RETRYABLE_SQLSTATES = frozenset({"40001", "40P01"})  # serialization_failure, deadlock_detected


def is_retryable(error: BaseException) -> bool:
    cause = error.__cause__
    return getattr(cause, "sqlstate", None) in RETRYABLE_SQLSTATES


def retry_on_conflict(func):
    """Run a service that owns its transaction once more when PostgreSQL aborted it for a
    serialization failure or a deadlock (the second failure is raised)."""

    @functools.wraps(func)
    def run(*args, **kwargs):
        try:
            return func(*args, **kwargs)
        except OperationalError as error:
            if not is_retryable(error) or connection.in_atomic_block:
                raise
            logger.warning("%s lost a race (%s); running it once more", func.__qualname__, error.__cause__)
            return func(*args, **kwargs)

    return run


@contextmanager
def bound_cursor() -> Iterator:
    """A cursor that sends its statement's values apart from its text (PostgreSQL's extended protocol,
    an unnamed statement: nothing prepared, so a PgBouncer in transaction mode is fine) instead of
    psycopg writing each value into the SQL as Django's cursors do. For a hot fixed statement of a few
    values that saves a third of its client-side cost (about 0.04 ms; docs/benchmarks.md, "Public
    API"). Query logging and ``execute_wrapper`` see it as any other. Elsewhere, a plain cursor.

    The values are typed by psycopg (an ``int`` as the smallest integer type that holds it, an aware
    ``datetime`` as ``timestamptz``): write statements whose values PostgreSQL can take as such."""
    if connection.vendor != "postgresql":
        with connection.cursor() as cursor:
            yield cursor
        return
    connection.ensure_connection()
    connection.validate_thread_sharing()
    raw = _UnpreparedCursor(connection.connection)
    cursor = connection.make_debug_cursor(raw) if connection.queries_logged else connection.make_cursor(raw)
    with cursor:
        yield cursor


class _UnpreparedCursor(ServerBindingCursor):
    """psycopg's server-side binding cursor that never prepares (psycopg prepares a statement run
    five times on a connection by default)."""

    def execute(self, query, params=None, *, prepare=False, binary=None):
        return super().execute(query, params, prepare=prepare, binary=binary)


def subquery_sum(queryset: QuerySet, field: str, output_field: Field | None = None) -> Coalesce:
    """``SUM(field)`` of ``queryset`` as a scalar subquery (0 when it has no rows), for one query to
    read several figures (``queryset``: the rows to sum, filtered on what they are read for, or on
    ``OuterRef`` of the outer row)."""
    output_field = output_field or queryset.model._meta.get_field(field)
    total = (
        queryset.order_by()
        .annotate(_total=Func(F(field), function="SUM", output_field=output_field))
        .values("_total")
    )
    return Coalesce(Subquery(total, output_field=output_field), Value(0), output_field=output_field)


class _Totals(Field):
    """The totals ``subquery_sums`` reads: a PostgreSQL array (a list already), or SQLite's
    ``json_array`` (a JSON text, read with its numbers as Decimal)."""

    def get_internal_type(self) -> str:
        return "TextField"

    def from_db_value(self, value, expression, connection):
        if isinstance(value, str):
            return json.loads(value, parse_float=Decimal, parse_int=Decimal)
        return value


class _Row(Func):
    """The given totals as one value: ``ARRAY[...]`` on PostgreSQL, ``json_array(...)`` on SQLite
    (``make run`` serves SQLite)."""

    template = "ARRAY[%(expressions)s]"

    def as_sqlite(self, compiler, connection, **extra_context):
        return super().as_sql(compiler, connection, template="json_array(%(expressions)s)", **extra_context)


def subquery_sums(queryset: QuerySet, fields: Sequence[str]) -> Subquery:
    """The ``SUM`` of each of ``fields`` over ``queryset`` (0 when it has no rows), as one scalar
    subquery giving a list (one subquery for several totals of the same rows; see ``subquery_sum``)."""
    sums = [Coalesce(Func(F(f), function="SUM"), Value(0)) for f in fields]
    row = queryset.order_by().annotate(_sums=_Row(*sums, output_field=_Totals()))
    return Subquery(row.values("_sums"), output_field=_Totals())


def subquery_count(queryset: QuerySet) -> Subquery:
    """``COUNT(*)`` of ``queryset`` as a scalar subquery (see ``subquery_sum``)."""
    counted = queryset.order_by().annotate(_n=Func(Value(1), function="COUNT", output_field=IntegerField()))
    return Subquery(counted.values("_n"), output_field=IntegerField())


_prepared_on: dict[str, weakref.WeakSet] = {}  # statement name: the connections it was prepared on


def execute_prepared(
    cursor, name: str, sql: str, params: Sequence | Mapping, *, types: Sequence[str] | Mapping[str, str] = ()
) -> None:
    """Run ``sql`` on ``cursor`` as a PostgreSQL prepared statement called ``name``: prepared once per
    database session, then only executed (a hot query whose planning costs more than its run).

    ``params`` is a sequence for ``%s`` placeholders or a mapping for ``%(name)s`` ones (as Django
    writes them); ``types`` types the statement's parameters where PostgreSQL can't infer them:
    PostgreSQL type names in the parameters' order (a sequence), or by name (a mapping, for named
    parameters). Django's connections don't prepare
    (``prepare_threshold`` is None, parameters are bound client-side). A prepared statement belongs
    to the session, whatever becomes of the transaction it was prepared in; PostgreSQL plans it
    again by itself if a table it reads changes. The connections that have it are remembered per
    name. Without a pool or persistent connections (a connection a request) it would be prepared on
    every connection, so it is run as it is; other databases too.

    Prepared statements live in a PostgreSQL session: behind PgBouncer in transaction mode they
    don't work (docs/deploy.md)."""
    if connection.vendor != "postgresql":
        cursor.execute(sql, params)
        return
    connection.ensure_connection()
    if connection.pool is None and not connection.settings_dict.get("CONN_MAX_AGE"):
        cursor.execute(sql, params)
        return
    if isinstance(params, Mapping):
        # Numbered in the names' sorted order, the same on every call whatever order a caller
        # builds its mapping in (the statement is prepared once per connection, from the first call).
        names = sorted(params)
        values = [params[key] for key in names]
    else:
        names, values = None, list(params)
    done = _prepared_on.setdefault(name, weakref.WeakSet())
    if connection.connection not in done:
        # The statement's text is numbered only when it is prepared (a long one: microseconds).
        if names is not None:
            numbered = sql % {key: f"${i}" for i, key in enumerate(names, start=1)}
            types = [types[key] for key in names] if isinstance(types, Mapping) else ()
        else:
            numbered = sql % tuple(f"${i}" for i in range(1, len(values) + 1))
        typed = f" ({', '.join(types)})" if types else ""
        cursor.execute(f"PREPARE {name}{typed} AS {numbered}")
        done.add(connection.connection)
    if values:
        cursor.execute(f"EXECUTE {name} ({', '.join(['%s'] * len(values))})", values)
    else:
        cursor.execute(f"EXECUTE {name}")
