"""Database helpers every app may use."""

from __future__ import annotations

import functools
import logging

from django.db import OperationalError, connection
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


def subquery_sum(queryset: QuerySet, field: str, output_field: Field | None = None) -> Coalesce:
    """``SUM(field)`` of ``queryset`` as a scalar subquery (0 when it has no rows), for one query to
    read several figures (``queryset`` filters on ``OuterRef``: the row it is read for)."""
    output_field = output_field or queryset.model._meta.get_field(field)
    total = (
        queryset.order_by()
        .annotate(_total=Func(F(field), function="SUM", output_field=output_field))
        .values("_total")
    )
    return Coalesce(Subquery(total, output_field=output_field), Value(0), output_field=output_field)


def subquery_count(queryset: QuerySet) -> Subquery:
    """``COUNT(*)`` of ``queryset`` as a scalar subquery (see ``subquery_sum``)."""
    counted = queryset.order_by().annotate(_n=Func(Value(1), function="COUNT", output_field=IntegerField()))
    return Subquery(counted.values("_n"), output_field=IntegerField())
