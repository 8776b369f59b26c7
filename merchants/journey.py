"""The brand sign-in journey's last step: a consumer who signed in on a brand page joins it.

``brand_join_complete`` is where the reward engine plugs in: it will record the
sign-in as a social action (``action_record`` with ``login_channel_for(user)``)
for the merchant, with the touchpoint, device and IP as its source and fraud
signals. Until the engine exists it records nothing.
"""

from __future__ import annotations

from datetime import datetime

from allauth.socialaccount.models import SocialAccount

from accounts.models import User
from merchants.models import Merchant

TIKTOK_LOGIN = "TIKTOK_LOGIN"
WHATSAPP_LOGIN = "WHATSAPP_LOGIN"


def login_channel_for(user: User) -> str | None:
    """How the person signs in: TikTok (a TikTok account), else WhatsApp (a verified phone), else None.

    None is a person who signed in with e-mail and password only: no login reward.
    """
    if SocialAccount.objects.filter(user=user, provider="tiktok").exists():
        return TIKTOK_LOGIN
    if user.phone and user.phone_verified:
        return WHATSAPP_LOGIN
    return None


def brand_join_complete(
    *,
    user: User,
    merchant: Merchant,
    touchpoint_key: str | None,
    device_id: str,
    ip_address: str | None,
    now: datetime,
) -> None:
    """A signed-in consumer who consented joins ``merchant`` (the hook for the login reward).

    Called on every arrival at ``/b/<slug>/join/`` once the consent is in place,
    so what is plugged in here must be idempotent per user, merchant and channel.
    """
    # The reward engine plugs in here, e.g.:
    #   channel = login_channel_for(user)
    #   if channel: action_record(user=user, merchant=merchant, kind=channel, touchpoint_key=...,
    #                             device_id=device_id, ip_address=ip_address, now=now)
    return None
