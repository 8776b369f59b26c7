"""The CSRF token of a page kept whole (the brand page, the wallet): Django's token, made cheaper.

A kept page is sent with the request's own CSRF token put where its forms carry one. Django's
``get_token`` draws each of the 32 characters of the mask (and of a new secret, for a browser
without the CSRF cookie) with its own ``secrets.choice``: a read of the operating system's random
generator a character, about 40 microseconds a string, more than a kept page's other work in Python
besides the database. :func:`csrf_token_get` does what ``get_token`` does (the same secret in
``request.META``, the same request to the middleware to send the cookie, the same masked token of
64 characters that ``CsrfViewMiddleware`` checks) with one read of the generator a string, made into
characters and masked by table look-ups in C (``bytes.translate``, a dict: no Python per character). The
characters are drawn without bias: a byte is kept only below the largest multiple of 62 (248), so
each of the 62 characters is as likely as with ``secrets.choice``.
"""

from __future__ import annotations

import os

from django.http import HttpRequest
from django.middleware.csrf import CSRF_ALLOWED_CHARS, CSRF_SECRET_LENGTH

_CHARS = CSRF_ALLOWED_CHARS
_LIMIT = 256 - 256 % len(_CHARS)  # 248: bytes at or above it are dropped (no bias)
# A random byte below _LIMIT becomes the character of its value modulo 62 (``bytes.translate``), the
# bytes from _LIMIT up are deleted by the same call: one pass in C, no Python per character.
_TO_CHAR = bytes(ord(_CHARS[byte % len(_CHARS)]) for byte in range(_LIMIT)) + bytes(256 - _LIMIT)
_DROPPED = bytes(range(_LIMIT, 256))
# Django's masking of a secret character by a mask character (the sum of their positions modulo 62),
# looked up by the pair.
_MASKED = {s + m: _CHARS[(i + j) % len(_CHARS)] for i, s in enumerate(_CHARS) for j, m in enumerate(_CHARS)}


def _random_string(length: int = CSRF_SECRET_LENGTH) -> str:
    """``length`` characters of ``CSRF_ALLOWED_CHARS``, each drawn uniformly from ``os.urandom``."""
    drawn = b""
    while len(drawn) < length:
        drawn += os.urandom(length + 8).translate(_TO_CHAR, _DROPPED)
    return drawn[:length].decode("ascii")


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
    # As Django masks: each secret character moved by its mask character's position.
    return mask + "".join(map(_MASKED.__getitem__, map(str.__add__, secret, mask)))
