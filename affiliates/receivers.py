"""What affiliates hears from the apps below it (connected in ``AffiliatesConfig.ready``).

TikJoy's own program: a person who signs up after clicking a link of the program
(the ``tj_ref`` cookie set by ``/r/<code>``) is remembered; the first top-up credited
to a merchant they created is the program's conversion, recorded by a task after commit.
"""

from __future__ import annotations

from allauth.account.signals import user_signed_up
from django.dispatch import receiver
from django.utils import timezone

from affiliates.services import REFERRAL_COOKIE, platform_referral_remember
from core.tasks import after_commit
from merchants.signals import top_up_credited


@receiver(user_signed_up, dispatch_uid="affiliates.referral_on_sign_up")
def _remember_referral(sender, request, user, **kwargs) -> None:
    click_id = request.COOKIES.get(REFERRAL_COOKIE, "") if request is not None else ""
    if click_id:
        platform_referral_remember(user=user, click_id=click_id, now=timezone.now())


@receiver(top_up_credited, dispatch_uid="affiliates.platform_conversion_on_top_up")
def _convert_referral(sender, merchant, now, **kwargs) -> None:
    after_commit("affiliates.tasks.platform_conversion_record", merchant.pk)
