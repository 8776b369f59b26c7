"""The project's URLs plus the bare view ``bench_api`` compares the API with (benchmarks only)."""

from django.http import JsonResponse
from django.urls import include, path

from merchants.models import Merchant


def bare(request, pk: int):
    """One ORM get and a JSON answer: the floor a Django request costs on this machine."""
    merchant = Merchant.objects.only("pk", "slug").get(pk=pk)
    return JsonResponse({"id": merchant.pk, "slug": merchant.slug})


urlpatterns = [
    path("bench/bare/<int:pk>", bare),
    path("", include("tikjoy.urls")),
]
