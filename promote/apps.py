from django.apps import AppConfig


class PromoteConfig(AppConfig):
    name = "promote"
    verbose_name = "Promote (coins and promotion orders)"
