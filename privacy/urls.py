from django.urls import path

from privacy import views

app_name = "privacy"

urlpatterns = [
    path("me/delete/", views.account_delete_view, name="delete"),
    path("me/export/", views.data_export_view, name="export"),
    path("me/export/<int:export_id>/download/", views.data_export_download, name="export_download"),
]
