from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from rewards.brand_directory import home_context
from tikjoy.health import health_report


@require_GET
def home(request: HttpRequest) -> HttpResponse:
    return render(request, "home.html", home_context(now=timezone.now()))


@never_cache
@require_GET
def healthz(request: HttpRequest) -> JsonResponse:
    report = health_report()
    healthy = all(value == "ok" for value in report.values())
    return JsonResponse(report, status=200 if healthy else 503)
