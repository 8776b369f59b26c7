from django.urls import path

from merchants import views

app_name = "merchants"

urlpatterns = [
    path("merchants/new/", views.merchant_create, name="create"),
    path("merchants/invitations/<str:token>/", views.invitation, name="invitation"),
    path("b/<slug:slug>/", views.landing, name="landing"),
    path("b/<slug:slug>/join/", views.join, name="join"),
    path("b/<slug:slug>/consent/withdraw/", views.consent_withdraw, name="consent_withdraw"),
]
