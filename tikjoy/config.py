"""Turn environment variables into Django settings values.

Kept apart from ``settings.py`` so the parsing can be tested on its own.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import unquote

import environ
from django.utils.translation import gettext_lazy


def database_config(
    url: str, *, pool: bool, pool_max_size: int = 20, pool_timeout: float = 10.0
) -> dict[str, Any]:
    """Parse ``DATABASE_URL``; PostgreSQL gets psycopg 3 with Django's built-in pool."""
    config = environ.Env.db_url_config(url)
    # A Unix socket directory is written percent-encoded in the host part:
    # postgres://user@%2Ftmp%2Fpg:5432/name
    config["HOST"] = unquote(config.get("HOST") or "")
    if config["ENGINE"] == "django.db.backends.postgresql":
        options = config.setdefault("OPTIONS", {})
        if pool:
            # timeout: how long a request waits for a connection (PostgreSQL down: then the 503 page).
            options["pool"] = {"min_size": 1, "max_size": pool_max_size, "timeout": pool_timeout}
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
        "label": gettext_lazy("Task queue"),  # the ops menu's name of django-q's app
    }
    if broker_url in ("", "orm"):
        config["orm"] = "default"
    elif broker_url.startswith(("redis://", "rediss://")):
        config["redis"] = broker_url
    else:
        raise environ.ImproperlyConfigured(f"Q_BROKER must be 'orm' or a redis:// URL, got {broker_url!r}")
    return config


def cache_config(url: str) -> dict[str, Any]:
    """``CACHE_URL``: ``locmem://`` (one process's memory: development and tests) or ``redis://host:6379/1``.

    With more than one web process the cache must be shared (rate limits, API key cache, sign-in
    code attempts are counted in it): production points it at Redis.
    """
    if url in ("", "locmem://"):
        return {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "tikjoy"}
    if url.startswith(("redis://", "rediss://", "unix://")):
        return {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": url,
            # A cache that is down must not hang a request: fail fast, the callers degrade.
            "OPTIONS": {"socket_connect_timeout": 1, "socket_timeout": 1},
        }
    raise environ.ImproperlyConfigured(f"CACHE_URL must be 'locmem://' or a redis:// URL, got {url!r}")


def replica_config(url: str, *, pool: bool, pool_max_size: int, pool_timeout: float = 10.0) -> dict[str, Any]:
    """``DATABASE_REPLICA_URL``: a read-only replica of the database, for dashboards, statements and reports.

    Tests never create it: it mirrors ``default`` there (``tikjoy.db_router``).
    """
    config = database_config(url, pool=pool, pool_max_size=pool_max_size, pool_timeout=pool_timeout)
    config["TEST"] = {"MIRROR": "default"}
    return config


def smoke_test_check(flag: str, *, allowed_hosts: list[str], site_url: str) -> bool:
    """``SMOKE_TEST_PLAIN_HTTP``: relax the production profile's HTTPS expectations for ``make prod-smoke``.

    Only the exact value ``loopback-only`` switches it on, and only when every allowed host and the
    site URL are this machine's loopback names: a real deployment (whose hosts are public names)
    refuses to start with it, so it can't be left on by accident.
    """
    if flag == "":
        return False
    if flag != "loopback-only":
        raise environ.ImproperlyConfigured("SMOKE_TEST_PLAIN_HTTP must be unset or 'loopback-only'")
    loopback = {"127.0.0.1", "localhost", "::1", "[::1]"}
    host = site_url.split("://", 1)[-1].split("/", 1)[0].rsplit(":", 1)[0]
    if not allowed_hosts or any(h not in loopback for h in allowed_hosts) or host not in loopback:
        raise environ.ImproperlyConfigured(
            "SMOKE_TEST_PLAIN_HTTP=loopback-only needs ALLOWED_HOSTS and SITE_URL on loopback only"
        )
    return True
