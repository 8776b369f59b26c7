"""What the production topology needs from the app (docs/deploy.md): the read-replica router,
the shared cache, the smoke-test flag that only loopback accepts, and a 503 page (not a 500)
while the database can't be reached."""

from __future__ import annotations

import re
import subprocess
import sys

import environ
import pytest
from django.contrib.sessions.models import Session
from django.db import OperationalError, transaction
from django.test import RequestFactory
from django.urls import resolve
from redis.exceptions import ConnectionError as RedisConnectionError

from accounts.models import User
from merchants.models import Merchant
from rewards.models import Reward
from tikjoy import views
from tikjoy.config import cache_config, replica_config, smoke_test_check
from tikjoy.db_router import REPLICA, ReplicaReadsMiddleware, ReplicaRouter, replica_reads
from wallets.models import Account

# --- the read replica ----------------------------------------------------------------------


def test_reads_go_to_the_replica_only_inside_replica_reads():
    router = ReplicaRouter()

    assert router.db_for_read(Reward) == "default"
    with replica_reads():
        assert router.db_for_read(Reward) == REPLICA
        assert router.db_for_read(Account) == REPLICA
    assert router.db_for_read(Reward) == "default"


def test_identity_permissions_and_writes_stay_on_the_primary():
    router = ReplicaRouter()

    with replica_reads():
        for model in (Session, User, Merchant):
            assert router.db_for_read(model) == "default"
        assert router.db_for_write(Reward) == "default"
    assert router.allow_migrate("default", "rewards") is True
    assert router.allow_migrate(REPLICA, "rewards") is False
    assert router.allow_relation(object(), object()) is True


@pytest.mark.django_db
def test_a_service_reading_before_it_writes_reads_the_primary():
    router = ReplicaRouter()

    with replica_reads(), transaction.atomic():
        assert router.db_for_read(Reward) == "default"


@pytest.mark.parametrize(
    ("method", "path", "replica"),
    [
        ("GET", "/console/", True),
        ("GET", "/console/billing/statement/", True),
        ("GET", "/console/campaigns/campaign/7/report/", True),
        ("GET", "/affiliates/3/report/", True),
        ("HEAD", "/api/v1/statements", True),
        ("POST", "/console/", False),  # a form posted to the dashboard writes: the primary
        ("GET", "/console/rewards/reward/", False),  # lists an operator acts on: fresh
        ("GET", "/wallet/", False),
    ],
)
def test_the_middleware_picks_dashboards_statements_and_reports(settings, method, path, replica):
    seen = []

    def view(request):
        seen.append(ReplicaRouter().db_for_read(Reward))
        return "response"

    middleware = ReplicaReadsMiddleware(view)
    request = RequestFactory().generic(method, path)

    assert middleware(request) == "response"
    assert seen == [REPLICA if replica else "default"]


# One page of the site for each default pattern: a pattern that matched no URL (a page renamed)
# would leave its page on the primary without anyone noticing.
REPLICA_PAGES = [
    "/console/",
    "/console/billing/statement/",
    "/console/billing/invoice/",
    "/console/campaigns/campaign/7/report/",
    "/console/affiliates/report/",
    "/console/promote/7/csv/",
    "/affiliates/7/report/",
    "/api/v1/statements",
]


def test_every_default_replica_path_is_a_page_of_the_site(settings):
    for pattern in settings.DATABASE_REPLICA_PATHS:
        pages = [path for path in REPLICA_PAGES if re.search(pattern, path)]
        assert pages, pattern
        for path in pages:
            assert resolve(path).func, path


def test_replica_url_mirrors_default_in_tests():
    config = replica_config("postgres://reader@replica.internal:5432/tikjoy", pool=True, pool_max_size=5)

    assert config["HOST"] == "replica.internal"
    assert config["TEST"] == {"MIRROR": "default"}
    assert config["OPTIONS"]["pool"]["max_size"] == 5


def _settings_in_a_fresh_interpreter(env: dict[str, str], code: str) -> subprocess.CompletedProcess:
    base = {
        "DJANGO_ENV": "production",
        "SECRET_KEY": "x" * 50,
        "CONSUMER_ID_KEY": "y" * 50,
        "DATABASE_URL": "postgres://tikjoy@localhost/tikjoy",
        "PATH": "/usr/bin:/bin",
    }
    return subprocess.run(  # noqa: S603 - a fresh interpreter: settings are read once per process
        [sys.executable, "-c", "import tikjoy.settings as s; " + code],
        env={**base, **env},
        capture_output=True,
        text=True,
        check=False,
    )


def test_a_replica_url_installs_the_router_and_its_middleware():
    result = _settings_in_a_fresh_interpreter(
        {"ALLOWED_HOSTS": "tikjoy.example.com", "DATABASE_REPLICA_URL": "postgres://reader@replica/tikjoy"},
        "print(s.DATABASES['replica']['HOST'], s.DATABASE_ROUTERS, s.MIDDLEWARE[-1])",
    )

    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == [
        "replica",
        "['tikjoy.db_router.ReplicaRouter']",
        "tikjoy.db_router.ReplicaReadsMiddleware",
    ]


# --- the shared cache ----------------------------------------------------------------------


def test_cache_url_picks_redis_or_local_memory():
    assert cache_config("redis://cache.internal:6379/1") == {
        "BACKEND": "django.core.cache.backends.redis.RedisCache",
        "LOCATION": "redis://cache.internal:6379/1",
        "OPTIONS": {"socket_connect_timeout": 1, "socket_timeout": 1},
    }
    assert cache_config("locmem://")["BACKEND"] == "django.core.cache.backends.locmem.LocMemCache"
    with pytest.raises(environ.ImproperlyConfigured):
        cache_config("memcached://cache:11211")


# --- the smoke-test flag -------------------------------------------------------------------


def test_the_smoke_flag_is_accepted_only_on_loopback():
    assert (
        smoke_test_check("", allowed_hosts=["tikjoy.example.com"], site_url="https://tikjoy.example.com")
        is False
    )
    assert (
        smoke_test_check(
            "loopback-only", allowed_hosts=["127.0.0.1", "localhost"], site_url="http://127.0.0.1:8400"
        )
        is True
    )
    for hosts, site in (
        (["tikjoy.example.com"], "http://127.0.0.1:8400"),
        (["127.0.0.1", "tikjoy.example.com"], "http://127.0.0.1:8400"),
        (["127.0.0.1"], "https://tikjoy.example.com"),
        ([], "http://127.0.0.1:8400"),
    ):
        with pytest.raises(environ.ImproperlyConfigured, match="loopback only"):
            smoke_test_check("loopback-only", allowed_hosts=hosts, site_url=site)
    with pytest.raises(environ.ImproperlyConfigured, match="unset or 'loopback-only'"):
        smoke_test_check("1", allowed_hosts=["127.0.0.1"], site_url="http://127.0.0.1:8400")


def test_production_refuses_to_start_with_the_smoke_flag_on_a_real_host():
    result = _settings_in_a_fresh_interpreter(
        {"ALLOWED_HOSTS": "tikjoy.example.com", "SMOKE_TEST_PLAIN_HTTP": "loopback-only"}, "print(s.DEBUG)"
    )

    assert result.returncode != 0
    assert (
        "SMOKE_TEST_PLAIN_HTTP=loopback-only needs ALLOWED_HOSTS and SITE_URL on loopback only"
        in result.stderr
    )


def test_the_smoke_flag_relaxes_only_the_https_expectations_on_loopback():
    result = _settings_in_a_fresh_interpreter(
        {
            "ALLOWED_HOSTS": "127.0.0.1",
            "SITE_URL": "http://127.0.0.1:8400",
            "SMOKE_TEST_PLAIN_HTTP": "loopback-only",
        },
        "print(s.DEBUG, s.SECURE_SSL_REDIRECT, s.SESSION_COOKIE_SECURE, s.SECURE_HSTS_SECONDS, s.SOCIAL_BACKEND)",
    )
    without = _settings_in_a_fresh_interpreter(
        {"ALLOWED_HOSTS": "127.0.0.1", "SITE_URL": "http://127.0.0.1:8400"},
        "print(s.DEBUG, s.SECURE_SSL_REDIRECT, s.SESSION_COOKIE_SECURE, s.SECURE_HSTS_SECONDS, s.SOCIAL_BACKEND)",
    )

    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["False", "False", "False", "0", "sandbox"]
    assert without.stdout.split() == ["False", "True", "True", "31536000", "live"]


# --- the database unavailable: 503, not 500 ---------------------------------------------------


@pytest.fixture
def database_down(settings, monkeypatch):
    settings.DEBUG = False

    def refuse(**kwargs):
        raise OperationalError('connection failed: connection to server at "db" failed: Connection refused')

    monkeypatch.setattr(views, "home_context", refuse)


@pytest.mark.django_db
def test_a_page_while_the_database_is_down_is_a_503_back_in_a_moment(client, database_down):
    client.raise_request_exception = False

    response = client.get("/")

    body = response.content.decode()
    assert response.status_code == 503
    assert response["Retry-After"] == "30"
    assert "TikJoy is back in a moment" in body
    assert "this request changed nothing" in body
    assert "Traceback" not in body and "OperationalError" not in body


@pytest.mark.django_db
def test_an_api_call_while_the_database_is_down_is_a_503_problem():
    request = RequestFactory().get("/api/v1/rewards")
    try:
        raise OperationalError("the database system is starting up")
    except OperationalError:
        response = views.server_error(request)

    assert response.status_code == 503
    assert response["Content-Type"] == "application/problem+json"
    assert b'"status": 503' in response.content


@pytest.mark.django_db
def test_any_other_error_is_still_the_500_page(rf):
    request = rf.get("/")
    try:
        raise RuntimeError("a bug")
    except RuntimeError:
        response = views.server_error(request)

    assert response.status_code == 500
    assert b"Something went wrong on our side" in response.content


@pytest.mark.django_db
def test_a_page_while_redis_is_down_is_a_503_too(rf):
    request = rf.get("/api/v1/rewards")
    try:
        raise RedisConnectionError("Error 111 connecting to redis.internal:6379. Connection refused.")
    except RedisConnectionError:
        response = views.server_error(request)

    assert response.status_code == 503
    assert b"could not be reached" in response.content


def test_task_clusters_use_plain_connections_not_the_pool():
    # qcluster forks workers from processes that used the database: no pool sockets to share.
    code = "import sys; sys.argv = ['manage.py', '{}']; import tikjoy.settings as s; print('pool' in s.DATABASES['default']['OPTIONS'])"
    base = {
        "DJANGO_ENV": "test",
        "DATABASE_URL": "postgres://tikjoy@localhost/tikjoy",
        "PATH": "/usr/bin:/bin",
    }
    results = [
        subprocess.run(  # noqa: S603 - a fresh interpreter: settings are read once per process
            [sys.executable, "-c", code.format(command)], env=base, capture_output=True, text=True, check=True
        ).stdout.strip()
        for command in ("qcluster", "runserver")
    ]

    assert results == ["False", "True"]
