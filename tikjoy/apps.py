from django.apps import AppConfig


class TikJoyConfig(AppConfig):
    name = "tikjoy"
    verbose_name = "TikJoy"
