from django.urls import path

from sandbox import views as sandbox

app_name = "sandbox"

urlpatterns = [
    path("tiktok/v2/auth/authorize/", sandbox.tiktok_authorize, name="tiktok_authorize"),
    path("tiktok/open-api/v2/oauth/token/", sandbox.tiktok_token, name="tiktok_token"),
    path("tiktok/open-api/v2/oauth/revoke/", sandbox.tiktok_revoke, name="tiktok_revoke"),
    path("tiktok/open-api/v2/user/info/", sandbox.tiktok_user_info, name="tiktok_user_info"),
    path("tiktok/open-api/v2/video/list/", sandbox.tiktok_video_list, name="tiktok_video_list"),
    path("tiktok/open-api/v2/video/query/", sandbox.tiktok_video_query, name="tiktok_video_query"),
    path("tiktok/studio/", sandbox.tiktok_studio, name="tiktok_studio"),
    path(
        "whatsapp/v21.0/<str:phone_number_id>/messages",
        sandbox.whatsapp_messages,
        name="whatsapp_messages",
    ),
    path("whatsapp/inbox/", sandbox.whatsapp_inbox, name="whatsapp_inbox"),
]
