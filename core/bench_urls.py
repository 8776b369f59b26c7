"""The project's URLs plus the bare view every HTTP benchmark compares its pages with."""

import os

from django.contrib.auth import get_user_model
from django.http import JsonResponse
from django.urls import include, path


def bare(request, pk: int):
    """One ORM get and a small JSON answer behind the project's full middleware: the floor a
    Django request costs on this machine, in the same run and server as the pages measured."""
    user = get_user_model().objects.only("pk", "date_joined").get(pk=pk)
    return JsonResponse({"id": user.pk, "joined": user.date_joined.isoformat()})


urlpatterns = [
    path("bench/bare/<int:pk>", bare),
    path("", include(os.environ["TIKJOY_BENCH_URLCONF"])),
]
