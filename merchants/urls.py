from django.urls import path

from merchants import views

app_name = "merchants"

urlpatterns = [
    path("merchants/new/", views.merchant_create, name="create"),
    path("merchants/invitations/<str:token>/", views.invitation, name="invitation"),
]
