from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SupportConfig(AppConfig):
    """Help pages, support requests answered by ops, and the diagnostics a merchant runs (docs/support.md)."""

    name = "support"
    verbose_name = _("Support")

    def ready(self) -> None:
        from django.contrib.auth.signals import user_logged_in

        from support.middleware import forget_recent_errors

        # Errors seen before signing in (perhaps by someone else on this browser) are not the person's.
        user_logged_in.connect(forget_recent_errors, dispatch_uid="support.forget_recent_errors")
