"""``/api/v1/`` answered ahead of the site's session middleware (``api.middleware``): the same headers
as every page, no session, the language from the request alone."""

from __future__ import annotations

import pytest
from django.http import HttpResponse
from django.test import Client

from accounts.models import Session
from api.middleware import REPLICA_MIDDLEWARE, ApiRequestMiddleware
from api.models import Scope

pytestmark = pytest.mark.django_db


def test_an_api_answer_carries_the_site_s_headers(brand, make_key, api):
    client = api(make_key(brand()["merchant"], scope=Scope.READ))

    response = client.get("/api/v1/rewards", HTTP_ACCEPT_LANGUAGE="de-AT")

    assert response.status_code == 200
    assert {d.strip() for d in response["Cache-Control"].split(",")} == {"private", "no-store"}
    assert response["X-Frame-Options"] == "DENY"
    assert response["Content-Language"] == "de"
    assert [v.strip() for v in response["Vary"].split(",")] == ["Accept", "Accept-Language", "Cookie"]
    assert "frame-ancestors 'none'" in response["Content-Security-Policy"]
    assert response["X-Content-Type-Options"] == "nosniff"
    assert int(response["Content-Length"]) == len(response.content)
    assert response["RateLimit-Policy"] == '"per-key";q=600;w=60'


def test_an_api_error_starts_no_session(brand, make_key, api):
    """A key's 404 used to be recorded for support in a new session (a row and a cookie per error)."""
    client = api(make_key(brand()["merchant"], scope=Scope.READ))

    response = client.get("/api/v1/rewards/rwd_999999")

    assert (response.status_code, response.json()["code"]) == (404, "not_found")
    assert "sessionid" not in response.cookies
    assert not Session.objects.exists()


def test_the_language_comes_from_the_request_not_from_a_browser_s_session(brand, make_key, make_consumer):
    """A browser signed in as someone who chose Italian, calling the API with a key: the key's request
    is nobody's, so its Accept-Language (or the language cookie) decides."""
    key = make_key(brand()["merchant"], scope=Scope.READ)
    person = make_consumer("Pia")
    person.language = "it"
    person.save(update_fields=["language"])
    browser = Client()
    browser.force_login(person)

    german = browser.get(
        "/api/v1/rewards?limit=0", HTTP_AUTHORIZATION=f"Bearer {key}", HTTP_ACCEPT_LANGUAGE="de"
    )
    browser.cookies["django_language"] = "fr"
    french = browser.get(
        "/api/v1/rewards?limit=0", HTTP_AUTHORIZATION=f"Bearer {key}", HTTP_ACCEPT_LANGUAGE="de"
    )

    assert (german.status_code, german["Content-Language"]) == (400, "de")
    assert german.json()["detail"] == "limit ist eine ganze Zahl von 1 bis 100."
    assert (french.status_code, french["Content-Language"]) == (400, "fr")


def test_a_host_that_isn_t_ours_is_refused_on_the_api_too(brand, make_key, api):
    client = api(make_key(brand()["merchant"], scope=Scope.READ))

    assert client.get("/api/v1/rewards", HTTP_HOST="evil.example").status_code == 400


def test_an_unknown_api_address_is_the_site_s_404_page(api):
    response = api().get("/api/v1/no-such-thing")

    assert response.status_code == 404
    assert response["Content-Type"].startswith("text/html")


@pytest.mark.parametrize("with_replica", [False, True])
def test_with_a_read_replica_its_paths_go_through_the_full_stack(settings, rf, with_replica):
    """The replica's middleware (last in MIDDLEWARE) routes /api/v1/statements' reads: not skipped."""
    if with_replica:
        settings.MIDDLEWARE = [*settings.MIDDLEWARE, REPLICA_MIDDLEWARE]
    full_stack = []
    middleware = ApiRequestMiddleware(lambda request: full_stack.append(request.path) or HttpResponse())

    response = middleware(rf.get("/api/v1/statements"))

    if with_replica:
        assert (full_stack, response.status_code) == (["/api/v1/statements"], 200)
    else:  # answered by the API's view itself: no key
        assert (full_stack, response.status_code) == ([], 401)
