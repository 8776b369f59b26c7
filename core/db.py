"""Database helpers every app may use."""

from __future__ import annotations

import functools
import logging

from django.db import OperationalError, connection

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
