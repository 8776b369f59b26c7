from collections.abc import Callable, Iterable, Iterator
from datetime import UTC

from django.conf import settings
from django.http import HttpRequest, HttpResponse, HttpResponseNotAllowed
from django.template.loader import render_to_string
from django.utils import timezone

from support.models import AFFILIATE_PAGES, MERCHANT_PAGES


class SecurityHeadersMiddleware:
    """Adds the Content-Security-Policy and Permissions-Policy headers to every response.

    A view may set its own policy (the website widget does) and it is kept.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        response.headers.setdefault("Content-Security-Policy", settings.CONTENT_SECURITY_POLICY)
        response.headers.setdefault("Permissions-Policy", "camera=(), microphone=(), geolocation=()")
        return response


OPS_PREFIX = "/ops/"


def _in_utc(chunks: Iterable[bytes]) -> Iterator[bytes]:
    """A streaming response's content (an ops CSV export) written in UTC, as the page was."""
    with timezone.override(UTC):
        yield from chunks


class OpsInUtcMiddleware:
    """Every time in /ops/ is UTC, and the pages say so ("Times in UTC" in the header; detail pages
    write "19:57 UTC"): lists used to show the ops person's browser zone with no label beside detail
    pages that say UTC. After ``PersonLocaleMiddleware``, which activates the person's zone."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if not request.path.startswith(OPS_PREFIX):
            return self.get_response(request)
        with timezone.override(UTC):
            response = self.get_response(request)
        if response.streaming:
            response.streaming_content = _in_utc(response.streaming_content)
        return response


class MethodNotAllowedPageMiddleware:
    """A page for a 405: an address that only a form or a button sends to (a POST), opened with GET
    (typed in, a bookmark, a reload), answered Django's empty 405, a blank page. It gets a page in the
    reader's language saying so and where to go (``templates/405.html``), formal for a merchant's or
    an affiliate's page (``support.models.MERCHANT_PAGES``, ``AFFILIATE_PAGES``), informal else. A
    response with a body of its own (the API's problem+json) and a JSON address are left as they are.
    After ``PersonLocaleMiddleware`` and ``MessageMiddleware``: the page renders in the person's
    language with the site's header."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if response.status_code != 405 or response.streaming or response.content:
            return response
        if request.path.startswith("/api/") or request.path.endswith(".json"):
            return response
        path = request.path
        page = HttpResponseNotAllowed(
            [method.strip() for method in response.get("Allow", "").split(",") if method.strip()],
            content=render_to_string(
                "405.html",
                {
                    "formal": path.startswith(MERCHANT_PAGES + AFFILIATE_PAGES),
                    "console": path.startswith("/console/"),
                    "affiliates": path.startswith("/affiliates/"),
                },
                request=request,
            ),
        )
        return page
