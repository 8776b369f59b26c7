from django.apps import AppConfig


class SupportConfig(AppConfig):
    """Help pages, support requests answered by ops, and the diagnostics a merchant runs (docs/support.md)."""

    name = "support"
    verbose_name = "Support"
