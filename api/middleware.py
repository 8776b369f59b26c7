"""``/api/v1/`` ahead of the middleware it doesn't use (docs/api.md, "Requests"; docs/benchmarks.md).

An API request is authenticated by its key (``api.auth``), never by a session: it reads no session,
no cookie-based user, no CSRF token and no message. So it is answered here, after the security
headers, static files, the NUL-byte check and ``/r/`` (the middleware above this one in
``MIDDLEWARE``) and before sessions, CSRF, authentication, the person's locale, messages, allauth and
the recent-errors record: that stack was about a quarter of the rewards list's CPU. What those give an
API answer is given here, the same:

- the host is checked (``ALLOWED_HOSTS``: a 400 otherwise), as ``CommonMiddleware`` does;
- the language of the messages: the language cookie, else ``Accept-Language``, else English
  (``accounts.middleware.request_language`` with no signed-in person), with ``Content-Language``
  and ``Vary: Accept-Language, Cookie``; English and UTC again afterwards;
- ``Cache-Control: private, no-store`` once a key authenticated the request (``NoStoreMiddleware``),
  ``X-Frame-Options`` and ``Content-Length``.

What changes: an API error no longer starts a session (``RecentErrorsMiddleware`` used to record a
key's 4xx in a new session, a row in ``django_session`` and a ``Set-Cookie`` per error), and a
browser's session cookie no longer chooses the language (the key's requests are no person's).
A path that is not an API view (an unknown route: the site's 404 page) and, with a read replica,
the replica's paths (``DATABASE_REPLICA_PATHS``: ``tikjoy.db_router``) go on through the full stack.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.urls import URLResolver, include, path
from django.urls.exceptions import Resolver404
from django.urls.resolvers import RegexPattern
from django.utils import timezone, translation
from django.utils.cache import patch_cache_control, patch_vary_headers

from accounts.middleware import request_language
from api.base import ApiView

PREFIX = "/api/v1/"
REPLICA_MIDDLEWARE = "tikjoy.db_router.ReplicaReadsMiddleware"


class ApiRequestMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response
        # The API's own URLs (``api.urls`` under ``api/``, as ``tikjoy.urls`` includes them): the same
        # matches, namespace and names, without walking the site's other patterns first.
        self.resolver = URLResolver(RegexPattern(r"^/"), [path("api/", include("api.urls"))])
        # With a read replica, its middleware (installed by DATABASE_REPLICA_URL: settings.py) routes
        # the reads of these paths: they go through the full stack.
        self.replica_paths = (
            [re.compile(p) for p in settings.DATABASE_REPLICA_PATHS]
            if REPLICA_MIDDLEWARE in settings.MIDDLEWARE
            else []
        )

    def __call__(self, request: HttpRequest) -> HttpResponse:
        path_info = request.path_info
        if not path_info.startswith(PREFIX):
            return self.get_response(request)
        try:
            match = self.resolver.resolve(path_info)
        except Resolver404:
            return self.get_response(request)
        view_class = getattr(match.func, "view_class", None)
        if view_class is None or not issubclass(view_class, ApiView) or self._replica_read(request):
            return self.get_response(request)
        request.get_host()  # DisallowedHost (a 400) for a host that isn't ours, as on every page
        language, source = request_language(request)
        translation.activate(language)
        request.LANGUAGE_CODE = translation.get_language()
        request.language_source = source
        timezone.deactivate()
        try:
            request.resolver_match = match
            response = match.func(request, *match.args, **match.kwargs)
            if hasattr(response, "render") and callable(response.render):
                response = response.render()
            if response.get("X-Frame-Options") is None and not getattr(
                response, "xframe_options_exempt", False
            ):
                response.headers["X-Frame-Options"] = settings.X_FRAME_OPTIONS.upper()
            user = getattr(request, "user", None)  # the key's creator, set by the key's authentication
            if user is not None and user.is_authenticated:
                patch_cache_control(response, private=True, no_store=True)
            patch_vary_headers(response, ("Accept-Language", "Cookie"))
            response.headers.setdefault("Content-Language", translation.get_language())
            if not response.streaming and not response.has_header("Content-Length"):
                response.headers["Content-Length"] = str(len(response.content))
            return response
        finally:
            translation.deactivate()
            timezone.deactivate()

    def _replica_read(self, request: HttpRequest) -> bool:
        return request.method in ("GET", "HEAD") and any(
            p.search(request.path_info) for p in self.replica_paths
        )
