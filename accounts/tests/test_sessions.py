"""Sessions in the database with a copy in the shared cache (accounts/sessions.py): a signed-in
request reads no session row, and signing out or changing the password still ends the session."""

from __future__ import annotations

import pytest
from django.conf import settings as django_settings
from django.core.cache import caches
from django.db import connection
from django.test.utils import CaptureQueriesContext

from accounts.models import Session
from accounts.sessions import SessionStore

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def cached_sessions(settings):
    # The test cache is one process's memory; what matters here is the store, not Redis.
    settings.SESSION_ENGINE = "accounts.sessions"
    caches["default"].clear()
    yield
    caches["default"].clear()


def _session_reads(client, path: str) -> tuple[int, int]:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(path)
    return response.status_code, sum('FROM "accounts_session"' in q["sql"] for q in queries.captured_queries)


def test_a_signed_in_request_reads_its_session_from_the_cache(client, make_consumer):
    client.force_login(make_consumer("Ana"))

    status, reads = _session_reads(client, "/wallet/")

    assert (status, reads) == (200, 0)


def test_a_session_the_cache_lost_is_read_from_the_database(client, make_consumer):
    client.force_login(make_consumer("Ana"))
    caches["default"].clear()

    assert _session_reads(client, "/wallet/") == (200, 1)
    assert _session_reads(client, "/wallet/") == (200, 0)


def test_signing_out_ends_the_session_in_the_cache_too(client, make_consumer):
    client.force_login(make_consumer("Ana"))
    cookie = client.cookies[django_settings.SESSION_COOKIE_NAME].value
    assert client.get("/wallet/").status_code == 200

    client.post("/accounts/logout/")
    client.cookies[django_settings.SESSION_COOKIE_NAME] = cookie  # the old cookie, sent again

    response = client.get("/wallet/")
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]
    assert not Session.objects.filter(session_key=cookie).exists()


def test_a_new_password_ends_the_other_sessions(client, make_user):
    user = make_user("merchant@example.com")
    client.force_login(user)
    assert client.get("/accounts/email/").status_code == 200

    user.set_password("A-new-long-passphrase-42")
    user.save()

    response = client.get("/accounts/email/")
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


class _DownCache:
    def get(self, *args, **kwargs):
        raise ConnectionError("cache down")

    set = get


def test_a_cache_that_is_down_costs_a_database_read_not_an_error(client, make_consumer):
    client.force_login(make_consumer("Ana"))
    key = client.cookies[django_settings.SESSION_COOKIE_NAME].value
    store = SessionStore(key)
    store._cache = _DownCache()

    assert store.load()["_auth_user_id"]
