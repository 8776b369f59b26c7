from django.apps import AppConfig


class AffiliatesConfig(AppConfig):
    name = "affiliates"
    verbose_name = "Affiliates"

    def ready(self) -> None:
        from affiliates import receivers  # noqa: F401 - connects to merchants' signals
