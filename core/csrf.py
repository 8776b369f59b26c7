"""The CSRF token of a page kept whole (the brand page, the wallet): Django's token, made cheaper.

A kept page is sent with the request's own CSRF token put where its forms carry one. Django's
``get_token`` draws each of the 32 characters of the mask (and of a new secret, for a browser
without the CSRF cookie) with its own ``secrets.choice``: a read of the operating system's random
generator a character, about 40 microseconds a string, more than a kept page's other work in Python
besides the database. :func:`csrf_token_get` does what ``get_token`` does (the same secret in
``request.META``, the same request to the middleware to send the cookie, the same masked token of
64 characters that ``CsrfViewMiddleware`` checks) with one read of the generator a string. The
characters are drawn without bias: a byte is kept only below the largest multiple of 62 (248), so
each of the 62 characters is as likely as with ``secrets.choice``.
"""

from __future__ import annotations

import os

from django.http import HttpRequest
from django.middleware.csrf import CSRF_ALLOWED_CHARS, CSRF_SECRET_LENGTH

_CHARS = CSRF_ALLOWED_CHARS
_INDEX = {char: i for i, char in enumerate(_CHARS)}
_LIMIT = 256 - 256 % len(_CHARS)  # 248: bytes at or above it are dropped (no bias)


def _random_string(length: int = CSRF_SECRET_LENGTH) -> str:
    """``length`` characters of ``CSRF_ALLOWED_CHARS``, each drawn uniformly from ``os.urandom``."""
    chars: list[str] = []
    while len(chars) < length:
        chars += [_CHARS[byte % len(_CHARS)] for byte in os.urandom(length + 8) if byte < _LIMIT]
    return "".join(chars[:length])


def csrf_token_get(request: HttpRequest) -> str:
    """``django.middleware.csrf.get_token``: the request's CSRF token, masked afresh (BREACH), its
    secret the CSRF cookie's (a new one when the browser sent none); the middleware sends the
    cookie with the response, as for a rendered page."""
    secret = request.META.get("CSRF_COOKIE")
    if secret is None:
        secret = _random_string()
        request.META["CSRF_COOKIE"] = secret
    request.META["CSRF_COOKIE_NEEDS_UPDATE"] = True
    mask = _random_string()
    return mask + "".join(
        _CHARS[(_INDEX[s] + _INDEX[m]) % len(_CHARS)]
        for s, m in zip(secret, mask, strict=False)  # as Django masks
    )
