from __future__ import annotations

from unittest import mock

import pytest
from django.conf import settings as django_settings
from django.core.cache import caches
from django.test import Client

pytestmark = pytest.mark.django_db


def test_a_sign_out_while_the_cache_is_unreachable_does_not_leave_the_session_alive(settings, make_consumer):
    settings.SESSION_ENGINE = "accounts.sessions"
    caches["default"].clear()
    client = Client(raise_request_exception=False)
    client.force_login(make_consumer("Ana"))
    assert client.get("/wallet/").status_code == 200  # the session is in the cache now
    cookie = client.cookies[django_settings.SESSION_COOKIE_NAME].value

    cache = caches["default"]
    with mock.patch.object(type(cache), "delete", side_effect=ConnectionError("cache down")):
        client.post("/accounts/logout/")  # a blip of Redis during the sign-out

    client.cookies[django_settings.SESSION_COOKIE_NAME] = cookie  # the browser kept its cookie (500)
    response = client.get("/wallet/")
    assert response.status_code == 302  # signed out
