from datetime import datetime

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

from cards.signals import stripe_event


class PromoteConfig(AppConfig):
    name = "promote"
    verbose_name = _("Promote (coins and promotion orders)")

    def ready(self) -> None:
        # Django's way: services (which use models) are imported once the app registry is ready.
        from promote.services import card_checkout_stripe_event

        stripe_event.connect(card_checkout_stripe_event, dispatch_uid="promote.card_checkout")

    def has_live_offers(self, now: datetime) -> bool:
        """Promote is on offer (the home page says so) when coins have a price and some kind of
        order is launched in at least one country: a person could buy coins and place an order."""
        return (
            self.get_model("CoinPrice").objects.exists()
            and self.get_model("LaunchedCountry").objects.exists()
        )
