from django.conf import settings
from django.urls import path

from api import widget

app_name = "embed"

urlpatterns = [
    path("v1/widget.js", widget.widget_js, name="widget_js"),
    path("v1/frame", widget.widget_frame, name="frame"),
    path("v1/connect", widget.widget_connect, name="connect"),
    path("v1/pass", widget.widget_pass, name="pass"),
    path("v1/forget", widget.widget_forget, name="forget"),
]

if settings.SOCIAL_SANDBOX:  # the demo shop of `make run` (docs/api.md, "The website widget")
    urlpatterns.append(path("demo-shop/", widget.demo_shop, name="demo_shop"))
