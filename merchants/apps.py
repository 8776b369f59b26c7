from django.apps import AppConfig
from django.utils.module_loading import autodiscover_modules
from django.utils.translation import gettext_lazy as _


class MerchantsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "merchants"
    verbose_name = _("Merchants")

    def ready(self) -> None:
        # Every app's console.py registers its console pages, views and dashboard panels; its
        # wallet_details.py says the merchant wallet lines it writes in words (merchants.selectors).
        autodiscover_modules("console", "wallet_details")
