"""The project's URLs plus the bare view ``bench_affiliates`` compares ``/r/<code>`` with (benchmarks only)."""

from django.http import JsonResponse
from django.urls import include, path

from affiliates.models import Link


def bare(request, code: str):
    """One ORM get and a JSON answer: the floor a Django request costs on this machine."""
    link = Link.objects.only("pk", "code").get(code=code)
    return JsonResponse({"id": link.pk, "code": link.code})


urlpatterns = [
    path("bench/bare/<str:code>", bare),
    path("", include("tikjoy.urls")),
]
