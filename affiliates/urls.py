from django.urls import path

from affiliates import views

app_name = "affiliates"

urlpatterns = [
    path("r/<str:code>", views.tracked_redirect, name="redirect"),
    path("affiliates/", views.programs, name="programs"),
    path("affiliates/<int:program_id>/", views.program_page, name="program"),
    path("affiliates/<int:program_id>/links/", views.link_create, name="link_create"),
    path("affiliates/<int:program_id>/report/", views.report, name="report"),
    path("affiliates/<int:program_id>/inquiries/", views.inquiry_open, name="inquiry_open"),
]
