from django.apps import AppConfig


class CoreConfig(AppConfig):
    """Building blocks every app uses; an installed app so that its translations (core/locale/) load."""

    name = "core"
    default_auto_field = "django.db.models.BigAutoField"
