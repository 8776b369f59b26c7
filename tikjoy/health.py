"""What /healthz checks: the database, the task queue's broker and the cache answer.

Each check fails fast (the cache and Redis broker time out after a second) so a load balancer's
probe gets its answer while the outage lasts.
"""

from __future__ import annotations

import logging
import secrets

from django.core.cache import cache
from django.db import connection
from django_q.brokers import get_broker
from django_q.conf import Conf
from django_q.models import OrmQ

logger = logging.getLogger(__name__)


def database_ok() -> bool:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            return cursor.fetchone() == (1,)
    except Exception:
        logger.exception("health: database check failed")
        return False


def queue_ok() -> bool:
    """The broker answers: its table for the ORM broker (whose own ping always says yes), else its ping."""
    try:
        if Conf.ORM:
            OrmQ.objects.using(Conf.ORM).exists()
            return True
        return bool(get_broker().ping())
    except Exception:
        logger.exception("health: queue broker check failed")
        return False


def cache_ok() -> bool:
    """The cache (Redis in production) stores and returns a value."""
    try:
        token = secrets.token_hex(8)
        cache.set("healthz", token, timeout=30)
        return cache.get("healthz") == token
    except Exception:
        logger.exception("health: cache check failed")
        return False


def health_report() -> dict[str, str]:
    return {
        "database": "ok" if database_ok() else "down",
        "queue": "ok" if queue_ok() else "down",
        "cache": "ok" if cache_ok() else "down",
    }
