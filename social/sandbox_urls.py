from django.urls import path

from social import sandbox

urlpatterns = [
    path("tiktok/v2/auth/authorize/", sandbox.tiktok_authorize, name="sandbox_tiktok_authorize"),
    path("tiktok/open-api/v2/oauth/token/", sandbox.tiktok_token, name="sandbox_tiktok_token"),
    path("tiktok/open-api/v2/user/info/", sandbox.tiktok_user_info, name="sandbox_tiktok_user_info"),
    path("tiktok/open-api/v2/video/list/", sandbox.tiktok_video_list, name="sandbox_tiktok_video_list"),
    path("tiktok/open-api/v2/video/query/", sandbox.tiktok_video_query, name="sandbox_tiktok_video_query"),
    path("tiktok/studio/", sandbox.tiktok_studio, name="sandbox_tiktok_studio"),
    path(
        "whatsapp/v21.0/<str:phone_number_id>/messages",
        sandbox.whatsapp_messages,
        name="sandbox_whatsapp_messages",
    ),
    path("whatsapp/inbox/", sandbox.whatsapp_inbox, name="sandbox_whatsapp_inbox"),
]
