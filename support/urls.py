from django.urls import path

from support import views

app_name = "support"

urlpatterns = [
    path("help/", views.help_consumers, name="help"),
    path("help/merchants/", views.help_merchants, name="help_merchants"),
    path("help/affiliates/", views.help_affiliates, name="help_affiliates"),
    path("support/new/", views.request_new, name="request_new"),
    path("support/requests/", views.request_list, name="requests"),
    path("support/requests/<int:request_id>/", views.request_detail, name="request"),
    path("support/requests/<int:request_id>/<str:token>/", views.request_by_link, name="request_by_link"),
]
