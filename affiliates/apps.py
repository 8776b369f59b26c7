from datetime import datetime

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AffiliatesConfig(AppConfig):
    name = "affiliates"
    verbose_name = _("Affiliates")

    def ready(self) -> None:
        from affiliates import receivers  # noqa: F401 - connects to merchants' signals

    def has_live_offers(self, now: datetime) -> bool:
        """Affiliates is on offer (the home page says so) while some program takes applications."""
        return self.get_model("Program").objects.filter(is_active=True).exists()
