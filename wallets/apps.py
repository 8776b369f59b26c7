from django.apps import AppConfig
from django.utils.module_loading import autodiscover_modules
from django.utils.translation import gettext_lazy as _


class WalletsConfig(AppConfig):
    name = "wallets"
    verbose_name = _("Ledger")

    def ready(self) -> None:
        from wallets import checks  # noqa: F401 - registers the system checks

        # wallet_details.py says a person's movements it writes in words (wallets.movements).
        autodiscover_modules("wallet_details")
