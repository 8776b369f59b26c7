"""What /healthz checks: the database answers and the task queue's broker answers."""

from __future__ import annotations

import logging

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


def health_report() -> dict[str, str]:
    return {
        "database": "ok" if database_ok() else "down",
        "queue": "ok" if queue_ok() else "down",
    }
