from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class BillingConfig(AppConfig):
    name = "billing"
    verbose_name = _("Statements and invoices")
    # billing/console.py (the console pages) is imported by merchants' autodiscovery of console modules.
