"""The brand sign-in journey's last step: a consumer who signed in on a brand page joins it.

``brand_join_complete`` records the sign-in as a social action of the
merchant (``rewards.services.action_record`` with ``login_channel_for(user)``),
with the touchpoint, device and IP as its source and fraud signals. The engine
pays the login reward of a live campaign at once, as pending; a later visit
records nothing new (one login action per person and brand).
"""

from __future__ import annotations

from datetime import datetime

from allauth.socialaccount.models import SocialAccount

from accounts.models import User
from merchants.models import Merchant, Touchpoint

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
    from rewards.services import action_record

    channel = login_channel_for(user)
    if channel is None:  # e-mail and password only: nothing social to reward
        return
    touchpoint = (
        Touchpoint.objects.filter(merchant=merchant, public_key=touchpoint_key).first()
        if touchpoint_key
        else None
    )
    action_record(
        user=user,
        merchant=merchant,
        action_type=channel,
        touchpoint=touchpoint,
        device_id=device_id,
        ip_address=ip_address,
        now=now,
    )
