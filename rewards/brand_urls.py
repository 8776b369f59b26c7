from django.urls import path

from rewards import brand

app_name = "brand"

urlpatterns = [
    path("b/<slug:slug>/", brand.landing, name="landing"),
    path("b/<slug:slug>/join/", brand.join, name="join"),
    path("b/<slug:slug>/consent/withdraw/", brand.consent_withdraw, name="consent_withdraw"),
    path("b/<slug:slug>/claim/<str:action>/", brand.claim, name="claim"),
]
