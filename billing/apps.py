from django.apps import AppConfig


class BillingConfig(AppConfig):
    name = "billing"
    verbose_name = "Statements and invoices"
    # billing/console.py (the console pages) is imported by merchants' autodiscovery of console modules.
