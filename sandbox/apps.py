from django.apps import AppConfig


class SandboxConfig(AppConfig):
    """Fakes of outside parties (TikTok, WhatsApp), installed only with SOCIAL_BACKEND=sandbox."""

    default_auto_field = "django.db.models.BigAutoField"
    name = "sandbox"
    verbose_name = "Sandbox (fakes of TikTok and WhatsApp)"
