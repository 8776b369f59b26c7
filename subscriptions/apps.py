from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

from cards.signals import stripe_event


class SubscriptionsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "subscriptions"
    verbose_name = _("Consumer subscriptions (JoyPlus, JoyFast)")

    def ready(self) -> None:
        # Django's way: services (which use models) are imported once the app registry is ready.
        from subscriptions.services import subscription_stripe_event

        stripe_event.connect(subscription_stripe_event, dispatch_uid="subscriptions.card_payments")
