"""The API with a shared cache (Redis, as in production): the rate limit counted there, the keys
confirmed there (a revocation is refused at once by every process), the database when it is down."""

from __future__ import annotations

import shutil
import socket
import subprocess
import time

import pytest
from django.core.cache import caches
from django.utils import timezone

import api.services as key_services
from api.models import ApiKey, KeyKind, RateWindow, Scope
from tikjoy.config import cache_config
from tikjoy.tests.factories import owner_of

pytestmark = pytest.mark.django_db


@pytest.fixture(scope="module")
def redis_url(tmp_path_factory):
    """A redis-server of the test's own (Debian's, as scripts/ensure-redis.sh installs it)."""
    server = shutil.which("redis-server")
    if server is None:
        pytest.skip("redis-server is not installed (scripts/ensure-redis.sh)")
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    folder = tmp_path_factory.mktemp("redis")
    process = subprocess.Popen(  # noqa: S603 - fixed arguments
        [server, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--dir", str(folder)],
        stdout=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
                break
            except OSError:
                time.sleep(0.05)
        yield f"redis://127.0.0.1:{port}/1"
    finally:
        process.terminate()
        process.wait(10)


@pytest.fixture
def shared_cache(settings, redis_url):
    settings.CACHES = {"default": cache_config(redis_url)}
    caches["default"].clear()
    key_services._key_cache.clear()
    yield
    key_services._key_cache.clear()


def test_a_page_of_the_list_is_one_query_with_the_shared_cache(
    shared_cache, brand, make_key, api, django_assert_max_num_queries
):
    client = api(make_key(brand()["merchant"], scope=Scope.READ))
    assert client.get("/api/v1/rewards").status_code == 200  # the key read, kept for a few seconds

    with django_assert_max_num_queries(1):  # the page: counted and confirmed in the cache
        response = client.get("/api/v1/rewards", {"limit": 50})

    assert len(response.json()["data"]) == 1
    assert response["RateLimit"].startswith('"per-key";r=598;')
    assert not RateWindow.objects.exists()


def test_the_rate_limit_counts_in_the_shared_cache(shared_cache, settings, brand, make_key, api):
    settings.API_RATE_LIMIT_PER_MINUTE = 3
    client = api(make_key(brand()["merchant"], scope=Scope.READ))

    answers = [client.get("/api/v1/wallet") for _ in range(4)]

    assert [a.status_code for a in answers] == [200, 200, 200, 429]
    assert answers[3].json()["code"] == "rate_limited"
    assert not RateWindow.objects.exists()


def test_a_publishable_key_s_ceiling_counts_in_the_shared_cache(shared_cache, settings, brand, make_key, api):
    settings.API_PUBLIC_RATE_LIMIT_PER_MINUTE = 2
    settings.API_PUBLIC_KEY_RATE_LIMIT_PER_MINUTE = 3
    client = api(make_key(brand()["merchant"], kind=KeyKind.PUBLISHABLE))

    looping = [client.get("/api/v1/offer", REMOTE_ADDR="203.0.113.7") for _ in range(4)]
    others = [client.get("/api/v1/offer", REMOTE_ADDR=f"2001:db8:{n}::1") for n in (1, 2)]

    assert [a.status_code for a in looping] == [200, 200, 429, 429]  # the visitor's own limit
    assert [a.status_code for a in others] == [200, 429]  # the key's third request, then the ceiling
    assert others[1].json()["code"] == "rate_limited"
    assert '"per-key";r=0;' in others[1]["RateLimit"]
    assert not RateWindow.objects.exists()


def test_a_key_revoked_by_another_process_is_refused_at_once_with_the_shared_cache(
    shared_cache, brand, make_key, api
):
    merchant = brand()["merchant"]
    raw = make_key(merchant)
    client = api(raw)
    assert client.get("/api/v1/wallet").status_code == 200  # read, and kept by this process
    hashed = key_services.key_hash(raw)
    copy = key_services._key_cache[hashed]

    # another server process revokes it: this process's own copy is not told
    key_services.api_key_revoke(
        key=ApiKey.objects.get(key_hash=hashed), actor=owner_of(merchant), now=timezone.now()
    )
    key_services._key_cache[hashed] = copy
    refused = client.get("/api/v1/wallet")

    assert (refused.status_code, refused.json()["code"]) == (401, "unauthenticated")


def test_a_copy_whose_token_the_cache_lost_is_read_again(shared_cache, brand, make_key, api):
    """The cache restarted (or evicted the token): the key's copies are read again, never trusted."""
    raw = make_key(brand()["merchant"])
    client = api(raw)
    assert client.get("/api/v1/wallet").status_code == 200
    caches["default"].clear()
    ApiKey.objects.filter(key_hash=key_services.key_hash(raw)).update(revoked_at=timezone.now())

    assert client.get("/api/v1/wallet").status_code == 401


def test_with_the_cache_down_the_database_counts_and_confirms(settings, brand, make_key, api):
    settings.CACHES = {"default": cache_config("redis://127.0.0.1:1/1")}  # nothing listens there
    key_services._key_cache.clear()
    raw = make_key(brand()["merchant"], scope=Scope.READ)
    client = api(raw)

    assert [client.get("/api/v1/wallet").status_code for _ in range(2)] == [200, 200]
    assert sum(RateWindow.objects.values_list("count", flat=True)) == 2
    ApiKey.objects.filter(key_hash=key_services.key_hash(raw)).update(revoked_at=timezone.now())
    assert client.get("/api/v1/wallet").status_code == 401
    key_services._key_cache.clear()
