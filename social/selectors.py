"""Reads of the social app."""

from __future__ import annotations

from datetime import datetime, timedelta

from allauth.socialaccount.models import SocialAccount, SocialToken
from django.conf import settings
from django.contrib.auth.base_user import AbstractBaseUser
from django.db import connection
from django.db.models import Exists, OuterRef, QuerySet, Subquery
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


def tiktok_profiles_left_holding(
    *, open_id: str, taker: AbstractBaseUser | None = None
) -> QuerySet[TikTokProfile]:
    """The TikTok profiles of other accounts than ``taker`` (None: an account being created) still
    holding ``open_id`` although that TikTok account is no longer theirs (no allauth ``SocialAccount``
    of theirs has it): it was removed by ops in ``/ops/``, or disconnected before the disconnect
    released the profile (``tiktok_profile_release``). The account signing in or connecting with it
    takes it over: ``tiktok_profile_update`` deletes them (``open_id`` is unique), and
    ``tikjoy.sign_in_identities`` first keeps the sign-in digests of the account it leaves."""
    holders = TikTokProfile.objects.filter(open_id=open_id).filter(
        ~Exists(SocialAccount.objects.filter(user=OuterRef("user"), provider="tiktok", uid=open_id))
    )
    return holders.exclude(user=taker) if taker is not None and taker.pk else holders


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


def login_channel_for(user: AbstractBaseUser, *, has_tiktok_account: bool | None = None) -> str | None:
    """How the person signs in: TikTok (a TikTok account), else WhatsApp (a verified phone), else None.

    None is a person who signed in with e-mail and password only: no login reward.
    ``has_tiktok_account``: read already with other facts (``tiktok_account_expression``), else here.
    """
    if has_tiktok_account is None:
        has_tiktok_account = has_tiktok_account_get(user=user)
    if has_tiktok_account:
        return TIKTOK_LOGIN
    if user.phone and user.phone_verified:
        return WHATSAPP_LOGIN
    return None


def has_tiktok_account_get(*, user: AbstractBaseUser) -> bool:
    """Whether the person has a TikTok account (signed in with TikTok, or connected it on /me/)."""
    return SocialAccount.objects.filter(user=user, provider="tiktok").exists()


def tiktok_account_expression(user) -> Exists:
    """Whether ``user`` (a person or an ``OuterRef``) has a TikTok account, as an SQL expression read
    with other facts (``login_channel_for(..., has_tiktok_account=)``)."""
    return Exists(SocialAccount.objects.filter(user=user, provider="tiktok"))


def tiktok_uid_expression(user) -> Subquery:
    """The uid of ``user``'s TikTok account (None: they have none), as an SQL expression read with
    other facts: whether they have one, and their identity for ``social.identity_digests``."""
    return Subquery(
        SocialAccount.objects.filter(user=user, provider="tiktok").order_by("pk").values("uid")[:1]
    )


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


# The figures kept with the snapshots (social.services.engagement_snapshots_record), recomputed from
# the snapshots themselves: rows where they differ.
_GAINS_DRIFT = """
SELECT s.id, s.post_id,
       s.views_added, s.likes_added, s.comments_added, s.shares_added,
       d.views_added, d.likes_added, d.comments_added, d.shares_added
  FROM social_engagementsnapshot s
  JOIN (
    SELECT id,
           views - COALESCE(LAG(views) OVER w, 0) AS views_added,
           likes - COALESCE(LAG(likes) OVER w, 0) AS likes_added,
           comments - COALESCE(LAG(comments) OVER w, 0) AS comments_added,
           shares - COALESCE(LAG(shares) OVER w, 0) AS shares_added
      FROM social_engagementsnapshot
    WINDOW w AS (PARTITION BY post_id ORDER BY taken_at, id)
  ) AS d ON d.id = s.id
 WHERE s.views_added <> d.views_added OR s.likes_added <> d.likes_added
    OR s.comments_added <> d.comments_added OR s.shares_added <> d.shares_added
 ORDER BY s.id
"""
_LATEST_DRIFT = """
SELECT p.id, p.latest_views, p.latest_likes, p.latest_comments, p.latest_shares, p.latest_at,
       s.views, s.likes, s.comments, s.shares, s.taken_at
  FROM social_trackedpost p
  LEFT JOIN (
    SELECT post_id, views, likes, comments, shares, taken_at,
           ROW_NUMBER() OVER (PARTITION BY post_id ORDER BY taken_at DESC, id DESC) AS n
      FROM social_engagementsnapshot
  ) AS s ON s.post_id = p.id AND s.n = 1
 WHERE (s.post_id IS NULL AND (p.latest_at IS NOT NULL OR p.latest_views <> 0 OR p.latest_likes <> 0
                               OR p.latest_comments <> 0 OR p.latest_shares <> 0))
    OR (s.post_id IS NOT NULL AND (p.latest_at IS NULL OR p.latest_at <> s.taken_at
                                   OR p.latest_views <> s.views OR p.latest_likes <> s.likes
                                   OR p.latest_comments <> s.comments OR p.latest_shares <> s.shares))
 ORDER BY p.id
"""


def engagement_figures_drift(*, limit: int = 100) -> list[str]:
    """Where the figures kept with the snapshots disagree with the snapshots (``rewards_check``
    reports them): a snapshot's gain over its post's previous one (``*_added``), a post's latest
    counts (``TrackedPost.latest_*``). Two set-based reads; at most ``limit`` lines each, then a count."""
    found: list[str] = []
    with connection.cursor() as cursor:
        cursor.execute(_GAINS_DRIFT)
        rows = cursor.fetchall()
        for row in rows[:limit]:
            found.append(
                f"gain of snapshot {row[0]} of post {row[1]}: the snapshots say views/likes/comments/shares "
                f"{tuple(row[6:10])}, the snapshot says {tuple(row[2:6])}"
            )
        if len(rows) > limit:
            found.append(f"gains of {len(rows) - limit} more snapshot(s) disagree with the snapshots")
        cursor.execute(_LATEST_DRIFT)
        rows = cursor.fetchall()
        for row in rows[:limit]:
            want = "no snapshot" if row[10] is None else f"{tuple(row[6:10])} at {row[10]}"
            found.append(
                f"latest counts of post {row[0]}: the snapshots say {want}, the post says "
                f"{tuple(row[1:5])} at {row[5]}"
            )
        if len(rows) > limit:
            found.append(f"latest counts of {len(rows) - limit} more post(s) disagree with the snapshots")
    return found
