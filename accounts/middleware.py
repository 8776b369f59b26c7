"""The signed-in person of each request (``AuthenticationMiddleware``), and its language and time
zone (docs/i18n.md, ``core.i18n``)."""

from __future__ import annotations

import zoneinfo
from collections.abc import Iterable, Iterator

from django.conf import settings
from django.contrib import auth
from django.contrib.auth.middleware import AuthenticationMiddleware as DjangoAuthenticationMiddleware
from django.http import HttpRequest, HttpResponse
from django.middleware.locale import LocaleMiddleware
from django.utils import timezone, translation
from django.utils.functional import SimpleLazyObject
from django.utils.translation.trans_real import parse_accept_lang_header

from accounts.backends import persons_read_with
from core.i18n import (
    SOURCE_ACCOUNT,
    SOURCE_BROWSER,
    SOURCE_COOKIE,
    SOURCE_DEFAULT,
    is_time_zone,
    language_cookie_set,
    supported_language,
)


class AuthenticationMiddleware(DjangoAuthenticationMiddleware):
    """Django's, where the person read with the session's row (``accounts.session_db``: one statement
    for both) is handed to the backend instead of read again (``accounts.backends``). The rest is
    Django's ``get_user``: the backend named in the session, the person active, the session's
    password hash checked against the person's row on every request."""

    def process_request(self, request: HttpRequest) -> None:
        super().process_request(request)
        request.user = SimpleLazyObject(lambda: request_user(request))


def request_user(request: HttpRequest):
    if not hasattr(request, "_cached_user"):
        with persons_read_with(request.session):
            request._cached_user = auth.get_user(request)
    return request._cached_user


def request_language(request: HttpRequest) -> tuple[str, str]:
    """(language, source): the person's saved choice, else the switcher's cookie, else the
    browser's ``Accept-Language``, else the site default (a view may then apply its own fallback,
    ``core.i18n.fallback_language_activate``)."""
    user = getattr(request, "user", None)
    if user is not None and user.is_authenticated:
        language = supported_language(getattr(user, "language", ""))
        if language:
            return language, SOURCE_ACCOUNT
    language = supported_language(request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME))
    if language:
        return language, SOURCE_COOKIE
    for accepted, _quality in parse_accept_lang_header(request.headers.get("Accept-Language", "")):
        if accepted == "*":
            break
        language = supported_language(accepted)
        if language:
            return language, SOURCE_BROWSER
    return settings.LANGUAGE_CODE, SOURCE_DEFAULT


# The browser's time zone, written by static/js/time_zone_cookie.js (IANA name, e.g. Europe/Berlin).
TIME_ZONE_COOKIE = "tikjoy_tz"


def request_time_zone(request: HttpRequest) -> tuple[str, str]:
    """(zone, source): the person's saved choice, else the browser's zone from its cookie (only a
    zone zoneinfo knows; anything else is ignored), else ``("", "")``: unknown, the site's UTC."""
    user = getattr(request, "user", None)
    name = getattr(user, "time_zone", "") if user is not None and user.is_authenticated else ""
    if is_time_zone(name):
        return name, SOURCE_ACCOUNT
    name = browser_time_zone(request)
    if name:
        return name, SOURCE_BROWSER
    return "", ""


def browser_time_zone(request: HttpRequest) -> str:
    """The zone the browser told us (its cookie), if zoneinfo knows it; else ``""``."""
    name = request.COOKIES.get(TIME_ZONE_COOKIE, "")
    return name if is_time_zone(name) else ""


class PersonLocaleMiddleware(LocaleMiddleware):
    """Django's ``LocaleMiddleware`` that also knows the signed-in person's saved language and
    time zone: it must come after ``AuthenticationMiddleware``. The response keeps Django's
    ``Content-Language`` and ``Vary: Accept-Language``."""

    def process_request(self, request: HttpRequest) -> None:
        language, source = request_language(request)
        # The person is read now (the language may be theirs): the rest of the request reads
        # ``request.user`` itself, not through the lazy object (a proxy call per attribute).
        if hasattr(request, "_cached_user"):
            request.user = request._cached_user
        translation.activate(language)
        request.LANGUAGE_CODE = translation.get_language()
        request.language_source = source
        name, request.time_zone_source = request_time_zone(request)
        if name:
            timezone.activate(zoneinfo.ZoneInfo(name))
        else:
            timezone.deactivate()

    def process_response(self, request: HttpRequest, response: HttpResponse) -> HttpResponse:
        """Content-Language and Vary (Django's), then back to the defaults: the next thing this
        thread does (another request, a test) starts in English and UTC. A streaming response is
        written later, so it carries the request's language and time zone with it."""
        response = super().process_response(request, response)
        # Signed out by this request (logging out, deleting the account): the device keeps reading the
        # person's language, not the browser's, unless the response sets one itself.
        if (
            getattr(request, "language_source", "") == SOURCE_ACCOUNT
            and not request.user.is_authenticated
            and settings.LANGUAGE_COOKIE_NAME not in response.cookies
        ):
            language_cookie_set(response, request.LANGUAGE_CODE)
        if response.streaming:
            response.streaming_content = _in_locale(
                response.streaming_content, translation.get_language(), timezone.get_current_timezone()
            )
        translation.deactivate()
        timezone.deactivate()
        return response


def _in_locale(chunks: Iterable[bytes], language: str, zone) -> Iterator[bytes]:
    with translation.override(language), timezone.override(zone):
        yield from chunks
