"""Reads of the social app."""

from __future__ import annotations

from datetime import datetime, timedelta

from allauth.socialaccount.models import SocialAccount, SocialToken
from django.conf import settings
from django.contrib.auth.base_user import AbstractBaseUser
from django.db.models import Exists, Subquery
from django.db.models.functions import Coalesce

from social.models import CreatorStatus, TikTokProfile, TrackedPost


def tiktok_token_ids_due(*, now: datetime) -> list[int]:
    """Tokens of connected identities whose access token expires within the refresh margin."""
    margin = now + timedelta(hours=settings.TIKTOK_TOKEN_REFRESH_MARGIN_HOURS)
    return list(
        SocialToken.objects.filter(account__provider="tiktok", expires_at__lt=margin)
        .exclude(token_secret="")
        .exclude(account__user__tiktok__disconnected_at__isnull=False)
        .order_by("pk")
        .values_list("pk", flat=True)
    )


def connected_accounts_get(*, user: AbstractBaseUser) -> dict:
    """What /me/ shows: the TikTok identity (or its disconnection), the WhatsApp number, posts."""
    profile = TikTokProfile.objects.filter(user=user).first()
    has_tiktok_account = SocialAccount.objects.filter(user=user, provider="tiktok").exists()
    posts = list(
        TrackedPost.objects.filter(user=user).prefetch_related("snapshots").order_by("-posted_at")[:20]
    )
    return {
        "tiktok": profile,
        "has_tiktok_account": has_tiktok_account,
        "phone": getattr(user, "phone", None),
        "phone_verified": getattr(user, "phone_verified", False),
        "posts": posts,
        "creator_min_followers": settings.TIKTOK_CREATOR_MIN_FOLLOWERS,
    }


def tiktok_disconnection_notice(*, user: AbstractBaseUser) -> str:
    """What to tell a person whose TikTok was disconnected, or "" when it is not."""
    profile = TikTokProfile.objects.filter(user=user, disconnected_at__isnull=False).first()
    if profile is None:
        return ""
    return (
        f"Your TikTok account is disconnected: {profile.get_disconnect_reason_display()}. "
        "Connect it again on Connected accounts so your shares can be verified."
    )


TIKTOK_LOGIN = "TIKTOK_LOGIN"  # campaigns.ActionType values: how a person signs in
WHATSAPP_LOGIN = "WHATSAPP_LOGIN"


def login_channel_for(user: AbstractBaseUser) -> str | None:
    """How the person signs in: TikTok (a TikTok account), else WhatsApp (a verified phone), else None.

    None is a person who signed in with e-mail and password only: no login reward.
    """
    if SocialAccount.objects.filter(user=user, provider="tiktok").exists():
        return TIKTOK_LOGIN
    if user.phone and user.phone_verified:
        return WHATSAPP_LOGIN
    return None


def creator_expression(user_ref) -> Coalesce:
    """``user_is_creator`` as an SQL expression on the person ``user_ref`` (an ``OuterRef`` of a User
    queryset), so a page reads it with its other facts about the person in one query."""
    return Coalesce(
        Subquery(CreatorStatus.objects.filter(user=user_ref).order_by("pk").values("is_creator")[:1]),
        Exists(TikTokProfile.objects.filter(user=user_ref, is_creator=True)),
    )


def user_is_creator(user) -> bool:
    """Whether ``user`` counts as a creator (more than ``TIKTOK_CREATOR_MIN_FOLLOWERS`` TikTok followers).

    An ops decision (``CreatorStatus``) wins when there is one; otherwise the TikTok profile's
    follower count at the last sync decides (``TikTokProfile.is_creator``).
    """
    if user is None or not user.is_authenticated:
        return False
    decided = CreatorStatus.objects.filter(user=user).values_list("is_creator", flat=True).first()
    if decided is not None:
        return decided
    return TikTokProfile.objects.filter(user=user, is_creator=True).exists()
