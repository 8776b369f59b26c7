from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

from campaigns.signals import campaign_went_live
from merchants.signals import top_up_credited
from social.signals import engagement_gained


class RewardsConfig(AppConfig):
    name = "rewards"
    verbose_name = _("JoyBack rewards")

    def ready(self) -> None:
        # Django's way: receivers (which use models) are imported once the app registry is ready.
        from rewards import receivers

        top_up_credited.connect(receivers.on_top_up_credited, dispatch_uid="rewards.funds_arrived")
        campaign_went_live.connect(receivers.on_campaign_went_live, dispatch_uid="rewards.campaign_went_live")
        engagement_gained.connect(receivers.on_engagement_gained, dispatch_uid="rewards.engagement_gained")
