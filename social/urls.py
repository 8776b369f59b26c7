from django.urls import path

from social import views, webhooks

app_name = "social"

urlpatterns = [
    path("me/", views.me, name="me"),
    path("me/language/", views.me_locale, name="me_locale"),
    path("me/whatsapp/", views.whatsapp_connect, name="whatsapp_connect"),
    path("me/whatsapp/code/", views.whatsapp_connect_code, name="whatsapp_connect_confirm"),
    path("accounts/whatsapp/", views.whatsapp_login, name="whatsapp_login"),
    path("webhooks/tiktok/", webhooks.tiktok_webhook, name="tiktok_webhook"),
    path("webhooks/whatsapp/", webhooks.whatsapp_webhook, name="whatsapp_webhook"),
]
