import pytest
from django.db import OperationalError, connection
from django_q.conf import Conf

from tikjoy.config import cache_config


@pytest.mark.django_db
def test_healthz_reports_database_queue_and_cache_ok(client):
    response = client.get("/healthz")

    assert response.status_code == 200
    assert response.json() == {"database": "ok", "queue": "ok", "cache": "ok"}


@pytest.mark.django_db
def test_healthz_is_503_naming_the_database_when_it_is_down(client, monkeypatch):
    def refuse(*args, **kwargs):
        raise OperationalError("connection refused")

    monkeypatch.setattr(connection, "cursor", refuse)

    response = client.get("/healthz")

    assert response.status_code == 503
    assert response.json()["database"] == "down"


@pytest.mark.django_db
def test_healthz_is_503_naming_the_queue_when_redis_is_unreachable(client, monkeypatch):
    # A Redis broker on a port where nothing listens.
    monkeypatch.setattr(Conf, "ORM", None)
    monkeypatch.setattr(Conf, "REDIS", "redis://127.0.0.1:1/0")

    response = client.get("/healthz")

    assert response.status_code == 503
    assert response.json() == {"database": "ok", "queue": "down", "cache": "ok"}


@pytest.mark.django_db
def test_healthz_is_503_naming_the_cache_when_redis_is_unreachable(client, settings):
    # The cache on a Redis port where nothing listens (production's CACHE_URL, its server down).
    settings.CACHES = {"default": cache_config("redis://127.0.0.1:1/1")}

    response = client.get("/healthz")

    assert response.status_code == 503
    assert response.json() == {"database": "ok", "queue": "ok", "cache": "down"}
