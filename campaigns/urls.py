from django.urls import path

from campaigns import views

app_name = "campaigns"

urlpatterns = [
    path("b/<slug:slug>/videos/<int:slot>/download/", views.video_download, name="video_download"),
    path("b/<slug:slug>/campaigns/<int:campaign_id>/my-video/", views.ugc, name="ugc"),
    path(
        "b/<slug:slug>/campaigns/<int:campaign_id>/my-video/<int:submission_id>/resubmit/",
        views.ugc_resubmit,
        name="ugc_resubmit",
    ),
]
