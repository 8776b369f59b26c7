from django.apps import AppConfig

from core.dates import day_of_month_install


class CoreConfig(AppConfig):
    """Building blocks every app uses; an installed app so that its translations (core/locale/) load."""

    name = "core"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        # "1er mars 2026" in French wherever Django formats a date (core/dates.py).
        day_of_month_install()
