"""Turn environment variables into Django settings values.

Kept apart from ``settings.py`` so the parsing can be tested on its own.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import unquote

import environ


def database_config(url: str, *, pool: bool, pool_max_size: int = 20) -> dict[str, Any]:
    """Parse ``DATABASE_URL``; PostgreSQL gets psycopg 3 with Django's built-in pool."""
    config = environ.Env.db_url_config(url)
    # A Unix socket directory is written percent-encoded in the host part:
    # postgres://user@%2Ftmp%2Fpg:5432/name
    config["HOST"] = unquote(config.get("HOST") or "")
    if config["ENGINE"] == "django.db.backends.postgresql":
        options = config.setdefault("OPTIONS", {})
        if pool:
            options["pool"] = {"min_size": 1, "max_size": pool_max_size, "timeout": 10}
        config["CONN_MAX_AGE"] = 0
        config["CONN_HEALTH_CHECKS"] = not pool
    elif config["ENGINE"] == "django.db.backends.sqlite3":
        # WAL + a busy timeout let the web server and the queue worker share the file.
        config.setdefault("OPTIONS", {}).update(
            {"timeout": 20, "transaction_mode": "IMMEDIATE", "init_command": "PRAGMA journal_mode=WAL;"}
        )
    return config


def q_cluster_config(broker_url: str, *, workers: int = 2) -> dict[str, Any]:
    """django-q2 settings: the ORM broker by default, Redis when ``Q_BROKER`` is a redis:// URL."""
    config: dict[str, Any] = {
        "name": "tikjoy",
        "workers": workers,
        "timeout": 120,
        "retry": 180,
        "max_attempts": 3,
        "catch_up": False,
        "label": "Task queue",
    }
    if broker_url in ("", "orm"):
        config["orm"] = "default"
    elif broker_url.startswith(("redis://", "rediss://")):
        config["redis"] = broker_url
    else:
        raise environ.ImproperlyConfigured(f"Q_BROKER must be 'orm' or a redis:// URL, got {broker_url!r}")
    return config
