from django.urls import path

from privacy import views

app_name = "privacy"

urlpatterns = [
    path("me/delete/", views.account_delete_view, name="delete"),
]
