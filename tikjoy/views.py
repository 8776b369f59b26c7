import sys

from django.contrib import admin
from django.contrib.staticfiles.storage import staticfiles_storage
from django.db import InterfaceError, OperationalError
from django.http import HttpRequest, HttpResponse, HttpResponsePermanentRedirect, JsonResponse
from django.shortcuts import render
from django.template import loader
from django.template.response import TemplateResponse
from django.utils import timezone
from django.utils.translation import gettext
from django.views import defaults
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

from rewards.brand_directory import home_context
from tikjoy.diagnostics import checks_run, queue_report
from tikjoy.health import health_report


@require_GET
def home(request: HttpRequest) -> HttpResponse:
    return render(request, "home.html", home_context(now=timezone.now()))


@never_cache
@require_GET
@require_GET
def favicon(request: HttpRequest) -> HttpResponse:
    """``/favicon.ico``, which browsers ask for on a page that names no icon (a JSON response, a file):
    the site's icon, ``static/favicon.svg``, which every page names."""
    return HttpResponsePermanentRedirect(staticfiles_storage.url("favicon.svg"))


def healthz(request: HttpRequest) -> JsonResponse:
    report = health_report()
    healthy = all(value == "ok" for value in report.values())
    return JsonResponse(report, status=200 if healthy else 503)


@never_cache
@require_GET
def ops_diagnostics(request: HttpRequest) -> HttpResponse:
    """/ops/diagnostics/ (staff only, through the admin site): the invariant checks and queue health."""
    now = timezone.now()
    context = {
        **admin.site.each_context(request),
        "title": gettext("Diagnostics"),
        "now": now,
        "checks": checks_run(),
        "queue": queue_report(now=now),
    }
    return TemplateResponse(request, "admin/ops_diagnostics.html", context)


def csrf_failure(request: HttpRequest, reason: str = "") -> HttpResponse:
    """A form refused by the CSRF check (``CSRF_FAILURE_VIEW``): in the site's design, saying what to do."""
    return render(request, "403_csrf.html", status=403)


DATABASE_RETRY_AFTER_SECONDS = 30


def server_error(request: HttpRequest) -> HttpResponse:
    """``handler500``: a database that can't be reached (down, restarting, failing over, or the
    connection pool exhausted) answers 503 "back in a moment" with Retry-After: nothing was
    written, the request's transaction never committed. So does Redis (the cache) unreachable.
    Anything else is the 500 page.

    Like Django's own handler it renders without a request context (no session, no database).
    """
    exc = sys.exc_info()[1]
    database = isinstance(exc, (OperationalError, InterfaceError))
    if not database and not isinstance(exc, (RedisConnectionError, RedisTimeoutError)):
        return defaults.server_error(request)
    if request.path.startswith("/api/"):
        response = JsonResponse(
            {
                "type": "about:blank",
                "title": gettext("Service unavailable"),
                "status": 503,
                "detail": gettext("The database could not be reached. Nothing was changed; retry later.")
                if database
                else gettext("A service this request needs could not be reached; retry later."),
            },
            status=503,
            content_type="application/problem+json",
        )
    else:
        response = HttpResponse(loader.get_template("503.html").render({"database": database}), status=503)
    response["Retry-After"] = str(DATABASE_RETRY_AFTER_SECONDS)
    response["Cache-Control"] = "no-store"
    return response
