"""Database helpers every app may use."""

from __future__ import annotations

import functools
import json
import logging
import weakref
from collections.abc import Iterator, Mapping, Sequence
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
    with connection.cursor() as cursor:
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
    with connection.cursor() as cursor:
        cursor.execute(sql, [*params, obj.pk])
        if cursor.rowcount != 1:
            raise DatabaseError("Save with update_fields did not affect any rows.")


@functools.cache
def _update_sql(model: type[Model], names: tuple[str, ...]) -> tuple[str, tuple[Field, ...]]:
    meta, quote = model._meta, connection.ops.quote_name
    fields = tuple(meta.get_field(name) for name in names)
    sets = ", ".join(f"{quote(f.column)} = %s" for f in fields)
    return f"UPDATE {quote(meta.db_table)} SET {sets} WHERE {quote(meta.pk.column)} = %s", fields  # noqa: S608
