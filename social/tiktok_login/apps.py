from django.apps import AppConfig


class TikTokLoginConfig(AppConfig):
    """Registers TikJoy's TikTok provider with allauth (allauth imports ``<app>.provider``)."""

    name = "social.tiktok_login"
    label = "social_tiktok_login"
    verbose_name = "TikTok login"
