"""Where a person continues after signing in or signing up, whatever path they take to do it.

A page that needs a signed-in person (a merchant's team invitation) keeps its address in the
session; allauth's adapter sends the person back to it after any sign-in or sign-up (the header's
"Sign up", a password reset, an e-mail confirmation link opened in the same browser), not only
when a ``next`` parameter survived. The page clears it once it has been shown to the signed-in person.
"""

from __future__ import annotations

from django.http import HttpRequest
from django.utils.http import url_has_allowed_host_and_scheme

CONTINUE_SESSION_KEY = "tikjoy_continue_after_sign_in"


def continue_after_sign_in_set(request: HttpRequest, *, url: str) -> None:
    request.session[CONTINUE_SESSION_KEY] = url


def local_path(url: object) -> str | None:
    """``url`` when it is one of this site's paths ("/merchants/new/"), else None (never an open
    redirect: no scheme, no host, no "//host")."""
    if (
        isinstance(url, str)
        and url.startswith("/")
        and url_has_allowed_host_and_scheme(url, allowed_hosts=None)
    ):
        return url
    return None


def continue_after_sign_in_get(request: HttpRequest) -> str | None:
    """The kept address when it is one of this site's paths, else None."""
    return local_path(request.session.get(CONTINUE_SESSION_KEY))


def continue_after_sign_in_clear(request: HttpRequest) -> None:
    request.session.pop(CONTINUE_SESSION_KEY, None)
