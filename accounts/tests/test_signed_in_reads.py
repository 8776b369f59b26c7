"""The signed-in request's reads (accounts/session_db.py, accounts/backends.py, accounts/middleware.py):
the session's row and its person in one statement, with Django's rules unchanged: an expired or
unknown session signs nobody in, a deactivated person is signed out, a new password ends the other
sessions, signing in rotates the key and signing out ends the session; a session written before
``accounts.Session`` existed (Django's ``django_session``) or before these backends still signs its
person in."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.conf import settings as django_settings
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
from django.contrib.auth.backends import ModelBackend as DjangoModelBackend
from django.contrib.sessions.backends.base import UpdateError
from django.contrib.sessions.backends.db import SessionStore as DjangoStore
from django.contrib.sessions.models import Session as DjangoSession
from django.core.cache import caches
from django.core.management import call_command
from django.db import connection
from django.http import JsonResponse
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import include, path
from django.utils import timezone

from accounts.backends import ModelBackend, user_by_id
from accounts.models import Session, User
from accounts.session_db import SessionStore
from privacy.selectors import deletion_plan_get
from privacy.services import account_delete
from tikjoy.tests.factories import NOW, PASSWORD

pytestmark = pytest.mark.django_db


def whoami(request):
    """A view that reads nothing itself: what a signed-in request costs before any page's own work."""
    user = request.user
    return JsonResponse({"id": user.pk, "active": user.is_authenticated})


urlpatterns = [path("whoami", whoami), path("", include(django_settings.ROOT_URLCONF))]


def _legacy_session(user: User, *, backend: str) -> str:
    """A session in Django's table as a sign-in before this release wrote it: its key."""
    store = DjangoStore()
    store[SESSION_KEY] = str(user.pk)
    store[BACKEND_SESSION_KEY] = backend
    store[HASH_SESSION_KEY] = user.get_session_auth_hash()
    store.create()
    return store.session_key


def _signed_in_as(client, user: User, *, backend: str) -> str:
    """``_legacy_session``, its cookie in the client."""
    key = _legacy_session(user, backend=backend)
    client.cookies[django_settings.SESSION_COOKIE_NAME] = key
    return key


def _get(client, url: str):
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    return response, [q["sql"] for q in queries.captured_queries]


def _cookie(client) -> str:
    return client.cookies[django_settings.SESSION_COOKIE_NAME].value


@pytest.mark.urls(__name__)
def test_a_signed_in_request_reads_its_session_and_person_in_one_statement(client, make_consumer):
    ana = make_consumer("Ana")
    client.force_login(ana)

    response, sql = _get(client, "/whoami")

    assert response.json() == {"id": ana.pk, "active": True}
    # One statement in all: the session's row with its person's joined. A second read of the
    # person (or of the session) makes this fail.
    assert len(sql) == 1, sql
    assert sql[0].startswith('SELECT s."session_data", s."expire_date", u."id", u."password"')
    assert 'FROM "accounts_session" s LEFT JOIN "accounts_user" u' in sql[0]


def test_a_page_reads_the_session_and_person_once(client, make_consumer):
    ana = make_consumer("Ana")
    client.force_login(ana)

    response, sql = _get(client, "/wallet/")

    assert response.status_code == 200 and "Ana" in response.content.decode()
    assert response.wsgi_request.user.pk == ana.pk
    assert 'FROM "accounts_session"' in sql[0]
    assert sum('"accounts_session"' in q or '"django_session"' in q for q in sql) == 1
    assert not any(q.startswith('SELECT "id", "password"') for q in sql)  # no second read of the person


@pytest.mark.urls(__name__)
def test_a_session_from_the_cache_reads_its_person_fresh_in_one_statement(settings, client, make_consumer):
    settings.SESSION_ENGINE = "accounts.sessions"
    caches["default"].clear()
    ana = make_consumer("Ana")
    client.force_login(ana)
    _get(client, "/whoami")  # the session is in the cache now

    response, sql = _get(client, "/whoami")
    assert response.json()["active"] is True
    assert len(sql) == 1 and sql[0].startswith('SELECT "id", "password"') and '"accounts_user"' in sql[0]

    User.objects.filter(pk=ana.pk).update(is_active=False)  # the cache's copy must not keep her in
    response, _ = _get(client, "/whoami")
    assert response.json() == {"id": None, "active": False}
    caches["default"].clear()


def test_the_person_read_by_the_fixed_statements_is_the_orm_s_row(client, make_consumer):
    ana = make_consumer("Ana")
    ana.last_login = timezone.now()
    ana.save(update_fields=["last_login"])
    client.force_login(ana)
    store = SessionStore(_cookie(client))
    store.load()

    fields = [f.attname for f in User._meta.concrete_fields]
    orm = User.objects.get(pk=ana.pk)
    for person in (user_by_id(str(ana.pk)), store.person_read(ana.pk)):
        assert [getattr(person, f) for f in fields] == [getattr(orm, f) for f in fields]
        assert person._state.adding is False and person._state.db == "default"
    assert user_by_id("not a number") is None and user_by_id(str(ana.pk + 10_000)) is None
    assert store.person_read(ana.pk + 1) is None  # only the session's own person is handed over


@pytest.mark.urls(__name__)
def test_off_postgresql_the_orm_reads_the_session_and_person_in_one_query(monkeypatch, client, make_consumer):
    """``make run`` on SQLite: the ORM's query, still one, and the same person handed over."""
    ana = make_consumer("Ana")
    client.force_login(ana)
    monkeypatch.setattr(SessionStore, "_on_postgresql", lambda self: False)

    response, sql = _get(client, "/whoami")

    assert response.json() == {"id": ana.pk, "active": True}
    assert len(sql) == 1, sql
    assert sql[0].startswith('SELECT "accounts_session"."session_key"') and 'JOIN "accounts_user"' in sql[0]


def test_the_session_s_row_names_its_person_and_signing_in_rotates_the_key(client, make_user):
    pat = make_user("pat@example.com")
    client.get("/accounts/login/")
    before = _cookie(client) if django_settings.SESSION_COOKIE_NAME in client.cookies else None

    response = client.post("/accounts/login/", {"login": "pat@example.com", "password": PASSWORD})

    assert response.status_code == 302
    key = _cookie(client)
    assert key != before and Session.objects.get(session_key=key).user_id == pat.pk
    assert before is None or not Session.objects.filter(session_key=before).exists()

    client.post("/accounts/logout/")
    assert not Session.objects.filter(session_key=key).exists()
    client.cookies[django_settings.SESSION_COOKIE_NAME] = key  # the old cookie, sent again
    assert client.get("/wallet/").status_code == 302


def test_a_session_written_before_accounts_session_still_signs_its_person_in(client, make_consumer):
    ben = make_consumer("Ben")
    key = _signed_in_as(client, ben, backend="django.contrib.auth.backends.ModelBackend")

    response, sql = _get(client, "/wallet/")

    assert response.status_code == 200 and response.wsgi_request.user.pk == ben.pk
    assert response.wsgi_request.session[BACKEND_SESSION_KEY] == "accounts.backends.ModelBackend"
    assert 'FROM "django_session"' in sql[1]  # not in the new table: Django's is read
    assert DjangoSession.objects.filter(session_key=key).exists() and not Session.objects.exists()


def test_a_session_from_django_s_table_moves_on_its_first_save(client, make_consumer):
    ben = make_consumer("Ben")
    key = _signed_in_as(client, ben, backend="accounts.backends.ModelBackend")
    store = SessionStore(key)
    store["seen"] = True

    store.save()

    assert not DjangoSession.objects.filter(session_key=key).exists()
    moved = Session.objects.get(session_key=key)
    assert moved.user_id == ben.pk and SessionStore().decode(moved.session_data)["seen"] is True
    response, sql = _get(client, "/wallet/")
    assert response.wsgi_request.user.pk == ben.pk and not any("django_session" in q for q in sql)


def test_signing_out_of_a_session_from_django_s_table_ends_it(client, make_consumer):
    ben = make_consumer("Ben")
    key = _signed_in_as(client, ben, backend="accounts.backends.ModelBackend")
    assert client.get("/wallet/").status_code == 200

    client.post("/accounts/logout/")

    assert not DjangoSession.objects.filter(session_key=key).exists()
    client.cookies[django_settings.SESSION_COOKIE_NAME] = key
    assert client.get("/wallet/").status_code == 302


def test_a_session_that_ended_in_both_tables_is_not_written_back(make_consumer):
    """A request still holding a session that was signed out meanwhile: its save is Django's
    "session deleted" error (the middleware's SessionInterrupted), not a revived session."""
    store = SessionStore()
    store[SESSION_KEY] = str(make_consumer("Ana").pk)
    store.create()
    SessionStore(store.session_key).delete()
    store["seen"] = True

    with pytest.raises(UpdateError):
        store.save()
    assert not Session.objects.exists() and not DjangoSession.objects.exists()


def test_clearsessions_clears_expired_sessions_of_both_tables(client, make_consumer):
    ana, ben = make_consumer("Ana"), make_consumer("Ben")
    client.force_login(ana)
    kept = _cookie(client)
    legacy = _legacy_session(ben, backend="accounts.backends.ModelBackend")
    other = Client()
    other.force_login(ben)
    expired = _cookie(other)
    past = timezone.now() - timedelta(seconds=1)
    Session.objects.filter(session_key=expired).update(expire_date=past)
    DjangoSession.objects.filter(session_key=legacy).update(expire_date=past)

    call_command("clearsessions")

    assert list(Session.objects.values_list("session_key", flat=True)) == [kept]
    assert not DjangoSession.objects.exists()


def test_deleting_the_account_signs_out_every_session_read_with_its_person(make_consumer):
    ana = make_consumer("Ana")
    phone, laptop = Client(), Client()
    for browser in (phone, laptop):
        browser.force_login(ana)
        assert browser.get("/wallet/").status_code == 200

    account_delete(user=ana, confirmed=deletion_plan_get(user=ana, now=NOW).fingerprint, now=NOW)

    assert phone.get("/wallet/").status_code == 302
    assert laptop.get("/wallet/").status_code == 302


def test_deleting_a_person_deletes_their_sessions(client, make_consumer):
    ana = make_consumer("Ana")
    client.force_login(ana)

    User.objects.filter(pk=ana.pk).delete()

    assert not Session.objects.exists()


def test_an_expired_or_unknown_session_signs_nobody_in(client, make_consumer):
    ana = make_consumer("Ana")
    client.force_login(ana)
    key = _cookie(client)
    Session.objects.filter(session_key=key).update(expire_date=timezone.now() - timedelta(seconds=1))

    response, _ = _get(client, "/wallet/")
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]
    assert SessionStore(key).load() == {}

    client.cookies[django_settings.SESSION_COOKIE_NAME] = "x" * 32
    assert _get(client, "/wallet/")[0].status_code == 302


def test_a_deactivated_person_is_signed_out(client, make_consumer):
    ana = make_consumer("Ana")
    client.force_login(ana)
    User.objects.filter(pk=ana.pk).update(is_active=False)

    response, _ = _get(client, "/wallet/")

    assert response.status_code == 302 and "/accounts/login/" in response["Location"]
    assert ModelBackend().get_user(str(ana.pk)) is None
    assert DjangoModelBackend().get_user(str(ana.pk)) is None  # the same answer as Django's


def test_a_new_password_still_ends_the_other_sessions(client, make_user):
    person = make_user("pat@example.com")
    client.force_login(person)
    assert _get(client, "/wallet/")[0].status_code == 200

    person.set_password("a new long passphrase 2026")
    person.save()

    assert _get(client, "/wallet/")[0].status_code == 302


def test_a_session_read_again_is_the_same_data_and_each_read_its_own_copy(make_consumer):
    # The second read of a session's text doesn't check its signature again (SessionStore.decode).
    store = SessionStore()
    store["basket"] = {"brand": "joycoffee", "items": [1, 2]}
    store.create()

    first = SessionStore(store.session_key)
    first["basket"]["items"].append(3)  # a request changing its copy in place, unsaved
    second = SessionStore(store.session_key)

    assert second["basket"] == {"brand": "joycoffee", "items": [1, 2]}


def test_a_tampered_session_signs_nobody_in_even_after_its_original_was_read(client, make_consumer):
    ana = make_consumer("Ana")
    client.force_login(ana)
    assert _get(client, "/wallet/")[0].status_code == 200  # its text read and its signature checked
    key = _cookie(client)
    text = Session.objects.get(session_key=key).session_data
    forged = text[:-1] + ("A" if text[-1] != "A" else "B")  # the same data, another signature
    Session.objects.filter(session_key=key).update(session_data=forged)

    response, _ = _get(client, "/wallet/")

    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_a_new_secret_key_without_the_old_as_fallback_signs_everybody_out(settings, client, make_consumer):
    ana = make_consumer("Ana")
    client.force_login(ana)
    assert _get(client, "/wallet/")[0].status_code == 200  # the session and its hash checked once

    settings.SECRET_KEY = "another secret key, the old one not kept as a fallback"
    settings.SECRET_KEY_FALLBACKS = []

    response, _ = _get(client, "/wallet/")
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_a_new_secret_key_with_the_old_as_fallback_keeps_everybody_signed_in(settings, client, make_consumer):
    ana = make_consumer("Ana")
    client.force_login(ana)
    assert _get(client, "/wallet/")[0].status_code == 200

    settings.SECRET_KEY_FALLBACKS = [settings.SECRET_KEY]
    settings.SECRET_KEY = "another secret key"

    assert _get(client, "/wallet/")[0].status_code == 200


def test_a_remembered_session_text_is_checked_again_under_another_secret_key(settings):
    """The per-process memory of checked texts (SessionStore.decode) is keyed by the secret keys: a
    text signed with a key no longer held reads as no session at all, even right after it was read."""
    store = SessionStore()
    store["basket"] = {"brand": "joycoffee"}
    store.create()
    text = Session.objects.get(session_key=store.session_key).session_data
    assert SessionStore().decode(text) == {"basket": {"brand": "joycoffee"}}  # checked and remembered

    old_key = settings.SECRET_KEY
    settings.SECRET_KEY = "another secret key, the old one not kept"
    settings.SECRET_KEY_FALLBACKS = []
    assert SessionStore().decode(text) == {}

    settings.SECRET_KEY_FALLBACKS = [old_key]  # kept as a fallback: still valid
    assert SessionStore().decode(text) == {"basket": {"brand": "joycoffee"}}
    settings.SECRET_KEY_FALLBACKS = []  # and dropped again: refused again
    assert SessionStore().decode(text) == {}
