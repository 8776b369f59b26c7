"""The project's URLs plus a view that fails, to see the 500 page as a person would."""

from django.urls import path

from tikjoy.urls import urlpatterns as project_urls


def boom(request):
    raise RuntimeError("a bug")


urlpatterns = [path("boom/", boom), *project_urls]
