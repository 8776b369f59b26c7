"""Demo data of the social app for ``seed_demo``."""

from __future__ import annotations

from datetime import datetime

from allauth.socialaccount.models import SocialAccount
from django.contrib.auth.base_user import AbstractBaseUser

from social.services import tiktok_profile_update


def demo_tiktok_identity(*, user: AbstractBaseUser, now: datetime) -> bool:
    """``user`` signed in with TikTok in the demo's history (a TikTok sign-in or a shared video was
    rewarded): their account shows the TikTok identity such a person has (a linked account and its
    profile), not "TikTok: not connected". Idempotent; returns whether it was linked now. Without a
    token, TikJoy never calls TikTok for them (the demo's posts and counts are seeded)."""
    handle = user.email.split("@", 1)[0]
    open_id = f"demo-{handle}"
    _account, created = SocialAccount.objects.get_or_create(
        provider="tiktok", uid=open_id, defaults={"user": user, "extra_data": {"open_id": open_id}}
    )
    data = {"open_id": open_id, "username": f"{handle}.demo", "display_name": user.display_name}
    tiktok_profile_update(user=user, data={**data, "follower_count": 240, "video_count": 12}, now=now)
    return created
