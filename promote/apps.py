from datetime import datetime

from django.apps import AppConfig


class PromoteConfig(AppConfig):
    name = "promote"
    verbose_name = "Promote (coins and promotion orders)"

    def has_live_offers(self, now: datetime) -> bool:
        """Promote is on offer (the home page says so) when coins have a price and some kind of
        order is launched in at least one country: a person could buy coins and place an order."""
        return (
            self.get_model("CoinPrice").objects.exists()
            and self.get_model("LaunchedCountry").objects.exists()
        )
