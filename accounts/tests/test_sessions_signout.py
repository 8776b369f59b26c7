"""Ending a session while the shared cache can't be reached (accounts/sessions.py): the cache's copy of
the session must not sign anyone back in once the cache answers again. Signing out, a new password,
signing in (a new session key), deleting the account and withdrawing a consent take effect at once."""

from __future__ import annotations

from contextlib import contextmanager
from unittest import mock

import pytest
from django.conf import settings as django_settings
from django.core.cache import caches
from django.test import Client

from accounts.models import Session, User
from accounts.sessions import SessionStore
from merchants.services import consent_give
from privacy.selectors import deletion_plan_get
from privacy.services import account_delete
from tikjoy.tests.factories import NOW, PASSWORD

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def cached_sessions(settings):
    settings.SESSION_ENGINE = "accounts.sessions"
    caches["default"].clear()
    yield
    caches["default"].clear()


@contextmanager
def cache_cannot_delete():
    """A blip of Redis: whatever the cache is asked to delete or overwrite stays there."""
    cache = type(caches["default"])
    down = ConnectionError("cache down")
    with (
        mock.patch.object(cache, "delete", side_effect=down),
        mock.patch.object(cache, "set", side_effect=down),
    ):
        yield


def _signed_in(user) -> Client:
    client = Client(raise_request_exception=False)
    client.force_login(user)
    assert client.get("/wallet/").status_code == 200  # the session is in the cache now
    return client


def _cookie(client) -> str:
    return client.cookies[django_settings.SESSION_COOKIE_NAME].value


def _with_cookie(cookie: str) -> Client:
    client = Client(raise_request_exception=False)
    client.cookies[django_settings.SESSION_COOKIE_NAME] = cookie
    return client


def test_a_sign_out_while_the_cache_is_unreachable_does_not_leave_the_session_alive(settings, make_consumer):
    settings.SESSION_ENGINE = "accounts.sessions"
    caches["default"].clear()
    client = Client(raise_request_exception=False)
    client.force_login(make_consumer("Ana"))
    assert client.get("/wallet/").status_code == 200  # the session is in the cache now
    cookie = client.cookies[django_settings.SESSION_COOKIE_NAME].value

    with cache_cannot_delete():
        client.post("/accounts/logout/")  # a blip of Redis during the sign-out

    client.cookies[django_settings.SESSION_COOKIE_NAME] = cookie  # the browser kept its cookie (500)
    response = client.get("/wallet/")
    assert response.status_code == 302  # signed out


def test_a_sign_out_the_cache_missed_is_a_sign_out_and_ends_the_persons_other_sessions(make_consumer):
    ana = make_consumer("Ana")
    phone, laptop = _signed_in(ana), _signed_in(ana)
    cookie = _cookie(phone)

    with cache_cannot_delete():
        response = phone.post("/accounts/logout/")

    assert response.status_code == 302  # signed out, no error page
    assert not Session.objects.filter(session_key=cookie).exists()
    assert _with_cookie(cookie).get("/wallet/").status_code == 302
    assert laptop.get("/wallet/").status_code == 302  # the price of a sign-out the cache missed
    assert (
        _signed_in(User.objects.get(pk=ana.pk)).get("/wallet/").status_code == 200
    )  # signing in again works


def test_a_sign_out_with_the_cache_up_leaves_the_persons_other_sessions_alone(make_consumer):
    ana = make_consumer("Ana")
    phone, laptop = _signed_in(ana), _signed_in(ana)
    cookie = _cookie(phone)

    phone.post("/accounts/logout/")

    assert _with_cookie(cookie).get("/wallet/").status_code == 302
    assert laptop.get("/wallet/").status_code == 200
    assert User.objects.get(pk=ana.pk).session_generation == 0


def test_a_new_password_while_the_cache_is_unreachable_ends_the_old_session(make_user):
    user = make_user("merchant@example.com")
    client = Client(raise_request_exception=False)
    client.force_login(user)
    assert client.get("/accounts/email/").status_code == 200
    old = _cookie(client)

    with cache_cannot_delete():
        response = client.post(
            "/accounts/password/change/",
            {
                "oldpassword": PASSWORD,
                "password1": "An-other-long-phrase-77",
                "password2": "An-other-long-phrase-77",
            },
        )

    assert response.status_code == 302
    assert _cookie(client) != old  # a new session key, which carries the new password's hash
    assert client.get("/accounts/email/").status_code == 200
    response = _with_cookie(old).get("/accounts/email/")
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_signing_in_while_the_cache_is_unreachable_leaves_the_old_key_signed_in_as_nobody(make_consumer):
    client = Client(raise_request_exception=False)
    session = client.session
    session["visited"] = True  # an anonymous visitor's session, then they sign in
    session.save()
    anonymous = session.session_key

    with cache_cannot_delete():
        client.force_login(make_consumer("Ana"))

    assert _cookie(client) != anonymous
    assert client.get("/wallet/").status_code == 200
    assert _with_cookie(anonymous).get("/wallet/").status_code == 302


def test_deleting_the_account_signs_out_every_session_at_once(make_consumer):
    ana = make_consumer("Ana")
    phone, laptop = _signed_in(ana), _signed_in(ana)

    account_delete(user=ana, confirmed=deletion_plan_get(user=ana, now=NOW).fingerprint, now=NOW)

    assert phone.get("/wallet/").status_code == 302
    assert laptop.get("/wallet/").status_code == 302


def test_a_withdrawn_consent_shows_at_once_on_the_brand_page(make_merchant, make_consumer):
    merchant = make_merchant("fizz")
    ana = make_consumer("Ana")
    consent_give(user=ana, merchant=merchant, fields=["DISPLAY_NAME"], now=NOW)
    client = _signed_in(ana)
    assert "You already joined" in client.get("/b/fizz/").content.decode()

    client.post("/b/fizz/consent/withdraw/")

    page = client.get("/b/fizz/").content.decode()
    assert "You already joined" not in page
    assert 'data-testid="join-cta"' in page


@contextmanager
def cache_down():
    """Redis unreachable: every command raises (as django's RedisCache does: redis ConnectionError)."""
    cache = type(caches["default"])
    boom = ConnectionError("cache down")
    with (
        mock.patch.object(cache, "get", side_effect=boom),
        mock.patch.object(cache, "set", side_effect=boom),
        mock.patch.object(cache, "has_key", side_effect=boom),
        mock.patch.object(cache, "delete", side_effect=boom),
    ):
        yield


def test_signing_in_while_the_cache_is_down_is_no_500(make_user):
    user = make_user("owner@brand.example")
    client = Client(raise_request_exception=False)
    with cache_down():
        response = client.post("/accounts/login/", {"login": user.email, "password": PASSWORD})
    assert response.status_code == 302, response.status_code


def test_a_signed_in_person_keeps_browsing_while_the_cache_is_down(make_consumer):
    client = Client(raise_request_exception=False)
    client.force_login(make_consumer("Ana"))
    with cache_down():
        response = client.get("/wallet/")
    assert response.status_code == 200, response.status_code


def test_a_sign_out_during_another_requests_cold_read_does_not_bring_the_session_back(make_consumer):
    """Redis came back empty (a restart): a request of the session reads it from the database while
    the person signs out in another tab; the reader then copies the ended session into the cache."""
    client = Client(raise_request_exception=False)
    client.force_login(make_consumer("Ana"))
    cookie = client.cookies[django_settings.SESSION_COOKIE_NAME].value
    caches["default"].clear()  # Redis restarted: no copy of any session

    reader = SessionStore(cookie)  # a request of the same browser, in flight
    real_read = reader._get_session_from_db

    def read_then_the_person_signs_out():
        row = real_read()
        assert client.post("/accounts/logout/").status_code == 302  # the other tab, meanwhile
        return row

    with mock.patch.object(reader, "_get_session_from_db", side_effect=read_then_the_person_signs_out):
        reader.load()

    thief = Client(raise_request_exception=False)
    thief.cookies[django_settings.SESSION_COOKIE_NAME] = cookie
    assert thief.get("/wallet/").status_code == 302  # signed out: the cookie signs nobody in
