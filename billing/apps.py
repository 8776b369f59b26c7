from django.apps import AppConfig


class BillingConfig(AppConfig):
    name = "billing"
    verbose_name = "Statements and invoices"

    def ready(self) -> None:
        from billing import console  # noqa: F401  (registers the console pages)
