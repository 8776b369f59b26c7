"""``/r/<code>`` ahead of the middleware it doesn't need (docs/affiliates.md, "Tracked links and clicks").

The redirect reads no session, no user, no CSRF token and no message, so it is answered here, after the
security headers, static files and NUL-byte checks and before sessions, CSRF, authentication, messages
and allauth: that stack is most of a small view's cost. The host is still checked (ALLOWED_HOSTS), the
same view answers, and anything it doesn't answer with a redirect (an unknown code: 404, another
method: 405) goes on through the full stack, which renders the site's error pages.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from django.http import Http404, HttpRequest, HttpResponse

from affiliates.views import tracked_redirect

_REDIRECT_PATH = re.compile(r"/r/([A-Za-z0-9]{1,16})")


class TrackedRedirectMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        match = _REDIRECT_PATH.fullmatch(request.path_info)
        if match is None or request.method not in ("GET", "HEAD"):
            return self.get_response(request)
        request.get_host()  # DisallowedHost (a 400) for a host that isn't ours, as on every page
        try:
            return tracked_redirect(request, match.group(1))
        except Http404:
            return self.get_response(request)
