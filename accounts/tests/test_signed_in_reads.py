"""The signed-in request's two reads (accounts/session_db.py, accounts/backends.py): the session row
and the person, each one fixed statement, with Django's rules unchanged: an expired or unknown session
signs nobody in, a deactivated person is signed out, a session written before these classes existed
still signs its person in."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.conf import settings as django_settings
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
from django.contrib.auth.backends import ModelBackend as DjangoModelBackend
from django.contrib.sessions.backends.db import SessionStore as DjangoStore
from django.contrib.sessions.models import Session
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from accounts.backends import ModelBackend, user_by_id
from accounts.models import User
from accounts.session_db import SessionStore

pytestmark = pytest.mark.django_db


def _signed_in_as(client, user: User, *, backend: str) -> None:
    """A session as a sign-in with ``backend`` wrote it, its cookie in the client."""
    store = DjangoStore()
    store[SESSION_KEY] = str(user.pk)
    store[BACKEND_SESSION_KEY] = backend
    store[HASH_SESSION_KEY] = user.get_session_auth_hash()
    store.create()
    client.cookies[django_settings.SESSION_COOKIE_NAME] = store.session_key


def _wallet(client):
    with CaptureQueriesContext(connection) as queries:
        response = client.get("/wallet/")
    return response, [q["sql"] for q in queries.captured_queries]


def test_a_signed_in_request_reads_its_session_and_person_with_two_fixed_statements(client, make_consumer):
    ana = make_consumer("Ana")
    client.force_login(ana)

    response, sql = _wallet(client)

    assert response.status_code == 200 and "Ana" in response.content.decode()
    assert response.wsgi_request.user.pk == ana.pk
    assert sql[0].startswith('SELECT "session_data", "expire_date" FROM "django_session"')
    assert sql[1].startswith('SELECT "id", "password"') and 'FROM "accounts_user"' in sql[1]
    assert sum("django_session" in q for q in sql) == 1  # the session read once, by the fixed statement


def test_the_person_read_by_the_fixed_statement_is_the_orm_s_row(make_consumer):
    ana = make_consumer("Ana")
    ana.last_login = timezone.now()
    ana.save(update_fields=["last_login"])

    fixed, orm = user_by_id(str(ana.pk)), User.objects.get(pk=ana.pk)

    fields = [f.attname for f in User._meta.concrete_fields]
    assert [getattr(fixed, f) for f in fields] == [getattr(orm, f) for f in fields]
    assert fixed._state.adding is False and fixed._state.db == "default"
    assert user_by_id("not a number") is None and user_by_id(str(ana.pk + 10_000)) is None


def test_a_session_written_before_the_site_s_backends_still_signs_its_person_in(client, make_consumer):
    ben = make_consumer("Ben")
    _signed_in_as(client, ben, backend="django.contrib.auth.backends.ModelBackend")

    response, _ = _wallet(client)

    assert response.status_code == 200 and response.wsgi_request.user.pk == ben.pk
    assert response.wsgi_request.session[BACKEND_SESSION_KEY] == "accounts.backends.ModelBackend"


def test_an_expired_or_unknown_session_signs_nobody_in(client, make_consumer):
    ana = make_consumer("Ana")
    _signed_in_as(client, ana, backend="accounts.backends.ModelBackend")
    key = client.cookies[django_settings.SESSION_COOKIE_NAME].value
    Session.objects.filter(session_key=key).update(expire_date=timezone.now() - timedelta(seconds=1))

    response, _ = _wallet(client)
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]
    assert SessionStore(key).load() == {}

    client.cookies[django_settings.SESSION_COOKIE_NAME] = "x" * 32
    assert _wallet(client)[0].status_code == 302


def test_a_deactivated_person_is_signed_out(client, make_consumer):
    ana = make_consumer("Ana")
    client.force_login(ana)
    User.objects.filter(pk=ana.pk).update(is_active=False)

    response, _ = _wallet(client)

    assert response.status_code == 302 and "/accounts/login/" in response["Location"]
    assert ModelBackend().get_user(str(ana.pk)) is None
    assert DjangoModelBackend().get_user(str(ana.pk)) is None  # the same answer as Django's


def test_a_new_password_still_ends_the_other_sessions(client, make_user):
    person = make_user("pat@example.com")
    client.force_login(person)
    assert _wallet(client)[0].status_code == 200

    person.set_password("a new long passphrase 2026")
    person.save()

    assert _wallet(client)[0].status_code == 302
