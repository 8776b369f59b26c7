"""Database helpers every app may use."""

from __future__ import annotations

import functools
import json
import logging
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from decimal import Decimal

from django.db import DatabaseError, OperationalError, connection
from django.db.backends.postgresql.base import ServerBindingCursor
from django.db.models import F, Field, Func, IntegerField, Model, QuerySet, Subquery, Value, signals
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
def bound_cursor(*, prepare: bool = True) -> Iterator:
    """A cursor for a hot fixed statement: its values are sent apart from its text (PostgreSQL's
    extended protocol) instead of psycopg writing each value into the SQL as Django's cursors do, and
    on a connection that outlives the request (the pool, or ``CONN_MAX_AGE``) the statement is
    prepared the first time and only executed after that: PostgreSQL parses and plans it once per
    connection (psycopg keeps the connection's prepared statements, keyed by the text and the values'
    types, and forgets the least used past ``prepared_max``). Planning was half of what PostgreSQL
    spent on a paid action (docs/benchmarks.md, "prepared"). A connection opened for one request
    prepares nothing (a second round trip for nothing). Query logging and ``execute_wrapper`` see it
    as any other. Elsewhere than PostgreSQL, a plain cursor.

    ``prepare=False``: bound but not prepared, for a statement whose text is made for its values (a
    batch's ``VALUES`` list of as many rows as it has): prepared, each length would keep a plan of its
    own in the session for one use.

    The values are typed by psycopg (an ``int`` as the smallest integer type that holds it, an aware
    ``datetime`` as ``timestamptz``, a ``str`` as unknown, for PostgreSQL to infer): write statements
    whose values PostgreSQL can take as such. Prepared statements live in the database session:
    behind PgBouncer use session pooling (docs/deploy.md)."""
    if connection.vendor != "postgresql":
        with connection.cursor() as cursor:
            yield cursor
        return
    connection.ensure_connection()
    connection.validate_thread_sharing()
    pg = connection.connection
    if prepare and (connection.pool is not None or connection.settings_dict.get("CONN_MAX_AGE")):
        if pg.prepare_threshold is None:
            # Django turns psycopg's preparing off; on, but never on its own: only this cursor asks.
            pg.prepare_threshold = _ONLY_WHEN_ASKED
        raw = _PreparedCursor(pg)
    else:
        raw = _UnpreparedCursor(pg)
    cursor = connection.make_debug_cursor(raw) if connection.queries_logged else connection.make_cursor(raw)
    with cursor:
        yield cursor


# psycopg prepares a statement run this many times on a connection by itself: never, in practice. Django's
# own cursors bind on the client and can't be prepared; ``bound_cursor`` asks for it.
_ONLY_WHEN_ASKED = 2**62


class _UnpreparedCursor(ServerBindingCursor):
    """psycopg's server-side binding cursor that never prepares (psycopg prepares a statement run
    five times on a connection by default)."""

    def execute(self, query, params=None, *, prepare=False, binary=None):
        return super().execute(query, params, prepare=prepare, binary=binary)


class _PreparedCursor(ServerBindingCursor):
    """psycopg's server-side binding cursor that prepares its statement the first time it is run on
    the connection (a statement's values can't change its text: only a fixed statement's cursor)."""

    def execute(self, query, params=None, *, prepare=True, binary=None):
        return super().execute(query, params, prepare=prepare, binary=binary)

    def _send_query_prepared(self, name, pgq, *, binary=None):
        # psycopg (3.3, pinned) records the statement it sends only when it is not prepared: Django's
        # query log (``connection.queries``, ``CaptureQueriesContext``) reads it from there.
        self._query = pgq
        super()._send_query_prepared(name, pgq, binary=binary)


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


# --- fixed statements for a model's rows (hot paths: no ORM compilation) --------------------------


@functools.cache
def model_columns(model: type[Model], alias: str = "") -> str:
    """The model's concrete columns, quoted and in ``_meta.concrete_fields`` order (optionally prefixed
    by a table alias): the select list ``model_rows`` reads."""
    quote = connection.ops.quote_name
    prefix = f"{alias}." if alias else ""
    return ", ".join(f"{prefix}{quote(f.column)}" for f in model._meta.concrete_fields)


@functools.cache
def _converters(model: type[Model]) -> tuple[int, tuple]:
    """The model's number of concrete fields, and for those whose values are converted after they are
    read (what a queryset applies: the backend's and the field's database converters) their
    offset, the field and its converters."""
    out = []
    for offset, f in enumerate(model._meta.concrete_fields):
        converters = list(connection.ops.get_db_converters(f.get_col(model._meta.db_table)))
        converters += f.get_db_converters(connection)
        if converters:
            out.append((offset, f, tuple(converters)))
    return len(model._meta.concrete_fields), tuple(out)


def model_rows(row: Sequence, *models: type[Model]) -> list[Model]:
    """One fetched row holding each of ``models``' ``model_columns`` in turn, as model instances (the
    fields' converters applied, as a queryset does), for a fixed statement of a hot path."""
    out, start = [], 0
    for model in models:
        count, converted = _converters(model)
        values = list(row[start : start + count])
        for offset, f, converters in converted:
            value = values[offset]
            for converter in converters:
                value = converter(value, f, connection)
            values[offset] = value
        start += count
        out.append(model.from_db(connection.alias, None, values))
    return out


@functools.cache
def _insert_sql(model: type[Model]) -> tuple[str, tuple[Field, ...]]:
    meta, quote = model._meta, connection.ops.quote_name
    returning = tuple(meta.db_returning_fields)
    fields = tuple(f for f in meta.local_concrete_fields if f not in returning and not f.generated)
    sql = (
        f"INSERT INTO {quote(meta.db_table)} ({', '.join(quote(f.column) for f in fields)}) "  # noqa: S608 - names from the model
        f"VALUES ({', '.join(['%s'] * len(fields))}) RETURNING {', '.join(quote(f.column) for f in returning)}"
    )
    return sql, fields


class SignalsWouldBeSkipped(RuntimeError):
    """A fixed write was asked of a model that has ``pre_save``/``post_save`` receivers: they would be
    skipped silently, so the write is refused (use ``save`` there, or move the receiver's work)."""


def _no_save_receivers(model: type[Model]) -> None:
    if signals.pre_save.has_listeners(model) or signals.post_save.has_listeners(model):
        raise SignalsWouldBeSkipped(f"{model._meta.label} has save signal receivers: write it with save().")


def model_insert(
    obj: Model,
    *,
    update: tuple[Model, Sequence[str]] | None = None,
    also: tuple[str, Sequence] | None = None,
) -> None:
    """``obj.save(force_insert=True)`` for a model with a database-generated primary key and no
    signal receivers, as one fixed ``INSERT ... RETURNING`` (the same values the ORM would send:
    each field's ``pre_save`` and ``get_db_prep_save``), without compiling a query. A unique
    violation raises Django's ``IntegrityError`` as ``save`` does. Elsewhere than PostgreSQL, ``save``.

    ``update``: ``(row, fields)``, a ``model_update`` of another row sent in the same statement (one
    round trip for both): only for a row this transaction holds locked already, since the two
    writes of one statement happen in no set order.

    ``also``: ``(sql, params)``, another write (PostgreSQL's, e.g. an ``INSERT ... ON CONFLICT DO
    UPDATE`` of a counter) sent in the same statement, as a data-modifying ``WITH``; it is done only
    if the insert is (a unique violation of the insert fails the whole statement). PostgreSQL only:
    elsewhere the caller writes it apart."""
    if connection.vendor != "postgresql":
        if also is not None:
            raise ValueError("model_insert's also= is PostgreSQL's (write it apart elsewhere).")
        if update is not None:
            model_update(*update)
        obj.save(force_insert=True)
        return
    _no_save_receivers(type(obj))
    if update is not None:
        _no_save_receivers(type(update[0]))
    sql, fields = _insert_sql(type(obj))
    params = [f.get_db_prep_save(f.pre_save(obj, True), connection) for f in fields]
    if update is not None:
        row, names = update
        update_sql, update_fields = _update_sql(type(row), tuple(names))
        sql = f"WITH updated AS ({update_sql}) {sql}"
        params = [
            *(f.get_db_prep_save(f.pre_save(row, False), connection) for f in update_fields),
            row.pk,
            *params,
        ]
    if also is not None:
        also_sql, also_params = also
        if update is not None:
            sql = f"WITH also AS ({also_sql}), {sql.removeprefix('WITH ')}"
        else:
            sql = f"WITH also AS ({also_sql}) {sql}"
        params = [*also_params, *params]
    with bound_cursor() as cursor:
        cursor.execute(sql, params)
        returned = cursor.fetchone()
    for f, value in zip(obj._meta.db_returning_fields, returned, strict=True):
        setattr(obj, f.attname, value)
    obj._state.adding, obj._state.db = False, connection.alias


def model_update(obj: Model, fields: Sequence[str]) -> None:
    """``obj.save(update_fields=fields)`` for a model without signal receivers, as one fixed
    ``UPDATE ... WHERE pk`` (the values as the ORM would send them). Elsewhere than PostgreSQL, ``save``."""
    if connection.vendor != "postgresql":
        obj.save(update_fields=fields)
        return
    _no_save_receivers(type(obj))
    sql, model_fields = _update_sql(type(obj), tuple(fields))
    params = [f.get_db_prep_save(f.pre_save(obj, False), connection) for f in model_fields]
    with bound_cursor() as cursor:
        cursor.execute(sql, [*params, obj.pk])
        if cursor.rowcount != 1:
            raise DatabaseError("Save with update_fields did not affect any rows.")


@functools.cache
def _update_sql(model: type[Model], names: tuple[str, ...]) -> tuple[str, tuple[Field, ...]]:
    meta, quote = model._meta, connection.ops.quote_name
    fields = tuple(meta.get_field(name) for name in names)
    sets = ", ".join(f"{quote(f.column)} = %s" for f in fields)
    return f"UPDATE {quote(meta.db_table)} SET {sets} WHERE {quote(meta.pk.column)} = %s", fields  # noqa: S608
