from django.apps import AppConfig


class RewardsConfig(AppConfig):
    name = "rewards"
    verbose_name = "JoyBack rewards"

    def ready(self) -> None:
        from rewards import console  # noqa: F401  (registers the console pages)
