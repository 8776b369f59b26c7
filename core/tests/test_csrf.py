"""``core.csrf.csrf_token_get``: Django's CSRF token for the kept pages, drawn with fewer reads of the
random generator; Django's middleware takes it as its own."""

from __future__ import annotations

from collections import Counter

from django.middleware.csrf import CSRF_ALLOWED_CHARS, CsrfViewMiddleware, _unmask_cipher_token
from django.test import RequestFactory

from core.csrf import _random_string, csrf_token_get


def _accepted(request) -> bool:
    middleware = CsrfViewMiddleware(lambda r: None)
    middleware.process_request(request)
    return middleware.process_view(request, lambda r: None, (), {}) is None


def test_a_browser_without_the_cookie_gets_a_new_secret_its_token_and_the_cookie_posts_with():
    request = RequestFactory().get("/")
    CsrfViewMiddleware(lambda r: None).process_request(request)
    assert "CSRF_COOKIE" not in request.META

    token = csrf_token_get(request)

    secret = request.META["CSRF_COOKIE"]
    assert len(secret) == 32 and len(token) == 64 and set(token) <= set(CSRF_ALLOWED_CHARS)
    assert _unmask_cipher_token(token) == secret
    assert request.META["CSRF_COOKIE_NEEDS_UPDATE"] is True  # the middleware sends the cookie
    post = RequestFactory().post("/", {"csrfmiddlewaretoken": token})
    post.COOKIES["csrftoken"] = secret
    assert _accepted(post)
    forged = RequestFactory().post("/", {"csrfmiddlewaretoken": csrf_token_get(RequestFactory().get("/"))})
    forged.COOKIES["csrftoken"] = secret
    assert not _accepted(forged)


def test_the_cookies_secret_is_kept_and_each_token_is_masked_afresh():
    request = RequestFactory().get("/")
    request.COOKIES["csrftoken"] = secret = "a" * 16 + "Z" * 16
    CsrfViewMiddleware(lambda r: None).process_request(request)

    first, second = csrf_token_get(request), csrf_token_get(request)

    assert first != second
    assert _unmask_cipher_token(first) == _unmask_cipher_token(second) == secret


def test_every_character_is_as_likely():
    counts = Counter("".join(_random_string(32) for _ in range(4000)))
    # 128,000 draws: each of the 62 characters about 2,065 times (standard deviation 45). A byte
    # taken modulo 62 without dropping those from 248 up would draw the first 8 about 2,500 times.
    assert set(counts) == set(CSRF_ALLOWED_CHARS)
    assert min(counts.values()) > 1830 and max(counts.values()) < 2300
