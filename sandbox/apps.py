from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SandboxConfig(AppConfig):
    """Fakes of outside parties (TikTok, WhatsApp), installed only with SOCIAL_BACKEND=sandbox."""

    default_auto_field = "django.db.models.BigAutoField"
    name = "sandbox"
    verbose_name = _("Sandbox (fakes of TikTok and WhatsApp)")
