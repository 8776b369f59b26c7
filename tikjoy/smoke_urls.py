"""The site's URLs plus the bare view the load test compares with (``make prod-smoke`` only).

Installed as ROOT_URLCONF only by ``SMOKE_TEST_PLAIN_HTTP=loopback-only`` (tikjoy/settings.py).
"""

from django.http import HttpRequest, JsonResponse
from django.urls import include, path

from merchants.models import Merchant


def bare(request: HttpRequest, slug: str) -> JsonResponse:
    """One ORM get and a JSON answer: the floor a Django request costs under the same server."""
    merchant = Merchant.objects.only("pk", "slug").get(slug=slug)
    return JsonResponse({"id": merchant.pk, "slug": merchant.slug})


handler500 = "tikjoy.views.server_error"

urlpatterns = [
    path("smoke/bare/<slug:slug>", bare),
    path("", include("tikjoy.urls")),
]
