"""Writes of the social app: TikTok identities and tokens, shares, engagement, webhooks, phone sign-in."""

from __future__ import annotations

import base64
import hashlib
import hmac
import logging
import secrets
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, TypeVar

import requests
from allauth.core import ratelimit as allauth_ratelimit
from allauth.socialaccount.models import SocialAccount, SocialToken
from django.conf import settings
from django.contrib.auth.base_user import AbstractBaseUser
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils.translation import gettext, gettext_lazy

from accounts.models import User
from accounts.phones import phone_display
from core.errors import DomainError
from social import signals
from social.matching import ShareCriterion, caption_matches
from social.models import CreatorStatus, EngagementSnapshot, TikTokProfile, TrackedPost, WebhookEvent
from social.selectors import tiktok_profiles_left_holding
from social.signals import EngagementGain
from social.tiktok import (
    VIDEO_QUERY_MAX_IDS,
    TikTokClient,
    TikTokError,
    TikTokGrantRevoked,
    TikTokRateLimited,
    TikTokTokenInvalid,
    TikTokVideo,
)
from social.whatsapp import WhatsAppSendError, whatsapp_code_send

logger = logging.getLogger(__name__)
T = TypeVar("T")


class TikTokNotConnected(DomainError):
    """The user has no usable TikTok authorization (never connected, or revoked)."""


# --- profiles -------------------------------------------------------------------------------


def _count(data: dict[str, Any], key: str) -> int | None:
    value = data.get(key)
    try:
        return max(int(value), 0) if value is not None else None
    except (TypeError, ValueError):
        return None


def tiktok_profile_update(*, user: AbstractBaseUser, data: dict[str, Any], now: datetime) -> TikTokProfile:
    """Store ``user/info`` fields for ``user``; a fresh authorization clears any disconnection."""
    followers = _count(data, "follower_count")
    fields = {
        "open_id": str(data["open_id"]),
        "username": (data.get("username") or "")[:128],
        "display_name": (data.get("display_name") or "")[:255],
        "avatar_url": (data.get("avatar_url") or "")[:1000],
        "following_count": _count(data, "following_count"),
        "likes_count": _count(data, "likes_count"),
        "video_count": _count(data, "video_count"),
        "synced_at": now,
        "disconnected_at": None,
        "disconnect_reason": "",
    }
    if followers is not None:
        fields["follower_count"] = followers
        fields["is_creator"] = followers > settings.TIKTOK_CREATOR_MIN_FOLLOWERS
    with transaction.atomic():
        released = tiktok_profiles_left_holding(open_id=fields["open_id"], taker=user).delete()[0]
        profile, _ = TikTokProfile.objects.update_or_create(user=user, defaults=fields)
    if released:
        logger.info("TikTok open id of user %s released by another account's profile", user.pk)
    if not user.display_name and profile.display_name:
        user.display_name = profile.display_name[:150]
        user.save(update_fields=["display_name"])
    return profile


def tiktok_profile_release(*, user: AbstractBaseUser, open_id: str) -> int:
    """The TikTok account ``open_id`` left ``user``'s account (disconnected on allauth's
    ``/accounts/3rdparty/``): their TikTok profile, which describes that TikTok account (its handle,
    followers, creator status), goes with it, so it holds the TikTok account hostage for nobody: a new
    account can sign in with it, and ``/me/`` offers to connect TikTok again. Their rewards, posts and
    wallet stay. Runs in the caller's transaction; returns how many profiles went (0 or 1).

    A profile TikTok itself disconnected first (``tiktok_identity_disconnect``: the person removed
    TikJoy's access in TikTok, or TikTok refused the grant) stays, marked so: it is what fails their
    pending TikTok rewards at settlement ("TikTok disconnected", rewards), which disconnecting on the
    page too must not undo. Another account signing in with that TikTok account takes it over
    (``tiktok_profile_update``)."""
    return TikTokProfile.objects.filter(user=user, open_id=open_id, disconnected_at__isnull=True).delete()[0]


def tiktok_profile_sync(
    *, user: AbstractBaseUser, now: datetime, client: TikTokClient | None = None
) -> TikTokProfile:
    """Fetch ``user/info`` (follower count included) and store it."""
    client = client or TikTokClient()
    data = _with_tiktok_token(
        user=user, now=now, client=client, call=lambda t: client.user_info(access_token=t)
    )
    return tiktok_profile_update(user=user, data=data, now=now)


def tiktok_identity_disconnect(
    *, open_id: str, reason: TikTokProfile.DisconnectReason, now: datetime
) -> TikTokProfile | None:
    """Mark the identity disconnected and forget its tokens; the user sees why on /me/."""
    with transaction.atomic():
        profile = TikTokProfile.objects.select_for_update().filter(open_id=open_id).first()
        SocialToken.objects.filter(account__provider="tiktok", account__uid=open_id).delete()
        if profile is None:
            return None
        if profile.disconnected_at is None:
            profile.disconnected_at = now
            profile.disconnect_reason = reason
            profile.save(update_fields=["disconnected_at", "disconnect_reason"])
    logger.info("TikTok identity of user %s disconnected: %s", profile.user_id, reason)
    return profile


def person_social_erase(*, user: AbstractBaseUser, now: datetime) -> dict[str, int]:
    """Forget a deleted person's social identities: what privacy's account deletion erases here.

    The sign-in accounts (allauth's, with their tokens and TikTok's ``extra_data``), the
    TikTok profile (handle, name, avatar), ops' creator decision; tracked posts keep their
    row (rewards point at them) but lose caption and link (the link holds the handle) and
    are no longer synced. Runs inside the caller's transaction; returns counts by kind.
    """
    counts = {
        "sign_in_accounts": SocialAccount.objects.filter(user=user)
        .delete()[1]
        .get("socialaccount.SocialAccount", 0),
        "tiktok_profiles": TikTokProfile.objects.filter(user=user).delete()[0],
        "creator_decisions": CreatorStatus.objects.filter(user=user).delete()[0],
        "tracked_posts": TrackedPost.objects.filter(user=user).update(caption="", share_url=""),
    }
    TrackedPost.objects.filter(user=user, status=TrackedPost.Status.ACTIVE).update(
        status=TrackedPost.Status.GONE, gone_at=now
    )
    logger.info("social identities of deleted user %s erased: %s", user.pk, counts)
    return counts


def tiktok_tokens_revoke(*, user: AbstractBaseUser, client: TikTokClient | None = None) -> int:
    """Revoke the person's TikTok authorizations at TikTok (their account is being deleted).

    Outside any transaction (it calls TikTok). A refusal or an unreachable TikTok is logged
    and does not stop the deletion: the tokens are deleted here anyway
    (``person_social_erase``), so nobody can use them. Returns how many TikTok revoked.
    """
    client = client or TikTokClient()
    revoked = 0
    for token in SocialToken.objects.filter(account__provider="tiktok", account__user=user).order_by("pk"):
        try:
            client.token_revoke(access_token=token.token)
        except (TikTokError, requests.RequestException) as exc:
            logger.warning("TikTok token %s of user %s not revoked at TikTok: %s", token.pk, user.pk, exc)
        else:
            revoked += 1
    return revoked


# --- tokens ---------------------------------------------------------------------------------


def _tiktok_token(user: AbstractBaseUser) -> SocialToken:
    token = (
        SocialToken.objects.select_related("account")
        .filter(account__provider="tiktok", account__user=user)
        .order_by("-id")
        .first()
    )
    if token is None or TikTokProfile.objects.filter(user=user, disconnected_at__isnull=False).exists():
        raise TikTokNotConnected(f"user {user.pk} has no TikTok authorization")
    return token


def tiktok_token_refresh(*, token_id: int, now: datetime, client: TikTokClient | None = None) -> SocialToken:
    """Swap the refresh token for a new access token (and refresh token).

    No transaction is held while TikTok answers (on SQLite the sandbox, served
    by the same database, must be able to write). The new tokens are written
    only if nobody refreshed meanwhile (compare-and-set on the old access
    token); otherwise the other worker's tokens are kept. ``invalid_grant``
    means the user revoked access: the identity is disconnected.
    """
    client = client or TikTokClient()
    token = SocialToken.objects.select_related("account").get(pk=token_id)
    if token.expires_at and token.expires_at > now + timedelta(hours=23):
        return token  # refreshed moments ago by someone else
    try:
        fresh = client.token_refresh(refresh_token=token.token_secret)
    except TikTokGrantRevoked:
        tiktok_identity_disconnect(
            open_id=token.account.uid, reason=TikTokProfile.DisconnectReason.GRANT_INVALID, now=now
        )
        raise TikTokNotConnected("TikTok refused the refresh token (invalid_grant)") from None
    SocialToken.objects.filter(pk=token.pk, token=token.token).update(
        token=fresh.access_token,
        token_secret=fresh.refresh_token or token.token_secret,
        expires_at=now + timedelta(seconds=fresh.expires_in or 86400),
    )
    return SocialToken.objects.select_related("account").get(pk=token.pk)


def _with_tiktok_token(
    *, user: AbstractBaseUser, now: datetime, client: TikTokClient, call: Callable[[str], T]
) -> T:
    """Run ``call(access_token)``; on ``access_token_invalid`` refresh once and retry."""
    token = _tiktok_token(user)
    try:
        return call(token.token)
    except TikTokTokenInvalid:
        # Force the refresh even when expires_at says the token is young: TikTok says it is not.
        SocialToken.objects.filter(pk=token.pk).update(expires_at=now)
        token = tiktok_token_refresh(token_id=token.pk, now=now, client=client)
        return call(token.token)


# --- shares ---------------------------------------------------------------------------------


def _criterion_for(video: TikTokVideo, criteria: Sequence[ShareCriterion]) -> ShareCriterion | None:
    for criterion in criteria:
        if video.created_at > criterion.not_before and caption_matches(
            video.caption, hashtag=criterion.hashtag, mention=criterion.mention
        ):
            return criterion
    return None


def tracked_post_record(
    *, user: AbstractBaseUser, video: TikTokVideo, criterion_key: str, now: datetime
) -> tuple[TrackedPost, bool]:
    """Insert the post once per TikTok video id; returns ``(post, created)``."""
    try:
        with transaction.atomic():
            post = TrackedPost.objects.create(
                video_id=video.id,
                user=user,
                caption=video.caption,
                share_url=video.share_url[:1000],
                posted_at=video.created_at,
                criterion_key=criterion_key,
                discovered_at=now,
                # Watched once the reward engine records the share (tracked_posts_watch).
                track_until=now,
            )
    except IntegrityError:
        return TrackedPost.objects.get(video_id=video.id), False
    return post, True


def shares_discover(
    *,
    user: AbstractBaseUser,
    criteria: Sequence[ShareCriterion],
    now: datetime,
    client: TikTokClient | None = None,
    max_pages: int = 50,
) -> list[TrackedPost]:
    """List the user's own videos (``video/list``, paged by cursor) and record new shares.

    Returns only posts recognised for the first time: a video seen again (in
    this run or a later one) is not returned twice.
    """
    if not criteria:
        return []
    client = client or TikTokClient()
    earliest = min(c.not_before for c in criteria)
    found: list[TrackedPost] = []
    cursor: int | None = None
    for _ in range(max_pages):
        page = _with_tiktok_token(
            user=user,
            now=now,
            client=client,
            call=lambda token, cursor=cursor: client.video_list(access_token=token, cursor=cursor),
        )
        for video in page.videos:
            criterion = _criterion_for(video, criteria)
            if criterion is None:
                continue
            post, created = tracked_post_record(user=user, video=video, criterion_key=criterion.key, now=now)
            if created:
                found.append(post)
        # video/list is newest first: once a whole page predates every criterion, stop.
        older = page.videos and all(v.created_at <= earliest for v in page.videos)
        if not page.has_more or page.cursor is None or older:
            break
        cursor = page.cursor
    return found


# --- engagement -----------------------------------------------------------------------------


def tracked_posts_watch(*, post_ids: Sequence[int], until: datetime) -> int:
    """Keep syncing these posts until at least ``until`` (never shortens a watch); returns how many moved.

    The reward engine calls it so that a post is watched for as long as money earned by
    it is held: until a sync after the last of its rewards becomes available.
    """
    return TrackedPost.objects.filter(pk__in=list(post_ids), track_until__lt=until).update(track_until=until)


@dataclass
class EngagementSyncResult:
    snapshots: int = 0
    gone: int = 0
    users_skipped: int = 0
    rate_limited: bool = False


def engagement_sync(*, now: datetime, client: TikTokClient | None = None) -> EngagementSyncResult:
    """Snapshot every tracked post still watched (``video/query``, 20 ids a call).

    A post TikTok no longer returns (deleted or made private) is marked GONE.
    When the per-minute budget is spent or TikTok keeps answering 429, the run
    stops; the next run picks up the rest. Safe to run twice.
    """
    client = client or TikTokClient()
    result = EngagementSyncResult()
    posts = list(TrackedPost.objects.watched(now=now).select_related("user").order_by("user_id", "id"))
    by_user: dict[int, list[TrackedPost]] = {}
    for post in posts:
        by_user.setdefault(post.user_id, []).append(post)
    for user_posts in by_user.values():
        user = user_posts[0].user
        for start in range(0, len(user_posts), VIDEO_QUERY_MAX_IDS):
            batch = user_posts[start : start + VIDEO_QUERY_MAX_IDS]
            ids = [p.video_id for p in batch]
            try:
                videos = _with_tiktok_token(
                    user=user,
                    now=now,
                    client=client,
                    call=lambda token, ids=ids: client.video_query(access_token=token, video_ids=ids),
                )
            except TikTokNotConnected:
                result.users_skipped += 1
                break
            except TikTokRateLimited:
                result.rate_limited = True
                return result
            except TikTokError as exc:
                logger.warning("video/query failed for user %s: %s", user.pk, exc.code)
                result.users_skipped += 1
                break
            snapshots, gone = _engagement_record(batch=batch, videos=videos, now=now)
            result.snapshots += snapshots
            result.gone += gone
    return result


def _engagement_record(
    *, batch: list[TrackedPost], videos: list[TikTokVideo], now: datetime
) -> tuple[int, int]:
    by_id = {v.id: v for v in videos}
    present = [p for p in batch if p.video_id in by_id]
    missing = [p.pk for p in batch if p.video_id not in by_id]
    with transaction.atomic():
        # Every post of the batch locked first, in id order, those TikTok no longer has included:
        # the engagement days are written after the posts' locks, as when a share is recorded
        # (its post locked first), so the two never wait on each other in opposite orders.
        list(
            TrackedPost.objects.select_for_update()
            .filter(pk__in=sorted(p.pk for p in batch))
            .order_by("pk")
            .values_list("pk", flat=True)
        )
        engagement_snapshots_record(
            counts={
                p.pk: EngagementCounts(
                    views=by_id[p.video_id].views or 0,
                    likes=by_id[p.video_id].likes or 0,
                    comments=by_id[p.video_id].comments or 0,
                    shares=by_id[p.video_id].shares or 0,
                )
                for p in present
            },
            taken_at=now,
        )
        TrackedPost.objects.filter(pk__in=[p.pk for p in present]).update(last_synced_at=now)
        gone = TrackedPost.objects.filter(pk__in=missing, status=TrackedPost.Status.ACTIVE).update(
            status=TrackedPost.Status.GONE, gone_at=now, last_synced_at=now
        )
    return len(present), gone


@dataclass(frozen=True)
class EngagementCounts:
    """What TikTok reported for a post at one moment."""

    views: int
    likes: int
    comments: int
    shares: int

    def minus(self, other: EngagementCounts) -> EngagementCounts:
        return EngagementCounts(*(getattr(self, f) - getattr(other, f) for f in ENGAGEMENT_FIGURES))


ENGAGEMENT_FIGURES = ("views", "likes", "comments", "shares")
NO_COUNTS = EngagementCounts(0, 0, 0, 0)


def _counts_of(row, prefix: str = "", suffix: str = "") -> EngagementCounts:
    return EngagementCounts(*(getattr(row, f"{prefix}{f}{suffix}") for f in ENGAGEMENT_FIGURES))


def engagement_snapshots_record(
    *, counts: dict[int, EngagementCounts], taken_at: datetime
) -> list[EngagementSnapshot]:
    """Store what TikTok reported for these posts (post id -> counts) at ``taken_at``, with the
    figures kept beside the snapshots: each snapshot's gain over the post's previous one
    (``*_added``) and each post's latest counts (``TrackedPost.latest_*``). Returns the snapshots.

    The posts' rows are locked first (by primary key), so two syncs of one post at once write one
    after the other and the second measures its gain from the first. A snapshot older than the
    post's latest (a sync that started earlier and finished later) gains over the snapshot before
    it, and the snapshot after it then gains that much less: each post's gains still add up to its
    latest counts. A snapshot equal in time to the latest comes after it (ids break the tie).

    The apps above are told what changed on which day (``signals.engagement_gained``), in this
    transaction: rewards adds it up per campaign and day. Runs inside the caller's transaction.
    """
    if not counts:
        return []
    with transaction.atomic():
        posts = list(
            TrackedPost.objects.select_for_update()
            .filter(pk__in=sorted(counts))
            .order_by("pk")
            .only("pk", "latest_at", *(f"latest_{f}" for f in ENGAGEMENT_FIGURES))
        )
        snapshots, moved, gains = [], [], []
        for post in posts:
            now_counts = counts[post.pk]
            following = None
            if post.latest_at is None or taken_at >= post.latest_at:
                before = _counts_of(post, prefix="latest_") if post.latest_at else NO_COUNTS
            else:  # out of order: between two snapshots already stored
                earlier = (
                    EngagementSnapshot.objects.filter(post_id=post.pk, taken_at__lte=taken_at)
                    .order_by("-taken_at", "-pk")
                    .first()
                )
                before = _counts_of(earlier) if earlier else NO_COUNTS
                following = (
                    EngagementSnapshot.objects.filter(post_id=post.pk, taken_at__gt=taken_at)
                    .order_by("taken_at", "pk")
                    .first()
                )
            added = now_counts.minus(before)
            snapshots.append(
                EngagementSnapshot(
                    post_id=post.pk,
                    taken_at=taken_at,
                    **{f: getattr(now_counts, f) for f in ENGAGEMENT_FIGURES},
                    **{f"{f}_added": getattr(added, f) for f in ENGAGEMENT_FIGURES},
                )
            )
            gains.append(EngagementGain(post.pk, taken_at, *(getattr(added, f) for f in ENGAGEMENT_FIGURES)))
            if following is None:
                for f in ENGAGEMENT_FIGURES:
                    setattr(post, f"latest_{f}", getattr(now_counts, f))
                post.latest_at = taken_at
                moved.append(post)
            elif added != NO_COUNTS:
                EngagementSnapshot.objects.filter(pk=following.pk).update(
                    **{f"{f}_added": F(f"{f}_added") - getattr(added, f) for f in ENGAGEMENT_FIGURES}
                )
                gains.append(
                    EngagementGain(
                        post.pk, following.taken_at, *(-getattr(added, f) for f in ENGAGEMENT_FIGURES)
                    )
                )
        EngagementSnapshot.objects.bulk_create(snapshots)
        if moved:
            TrackedPost.objects.bulk_update(
                moved, ["latest_at", *(f"latest_{f}" for f in ENGAGEMENT_FIGURES)]
            )
        signals.engagement_gained.send(sender=EngagementSnapshot, gains=gains)
    return snapshots


def engagement_gains_of_post(*, post_id: int) -> list[EngagementGain]:
    """The gains of every snapshot of the post so far, with the post's row locked until the caller's
    transaction ends (no snapshot of it is written meanwhile): what the engine counts for a share
    recorded after some of its post's snapshots."""
    list(TrackedPost.objects.select_for_update().filter(pk=post_id).values_list("pk", flat=True))
    return [
        EngagementGain(post_id, s.taken_at, s.views_added, s.likes_added, s.comments_added, s.shares_added)
        for s in EngagementSnapshot.objects.filter(post_id=post_id).order_by("taken_at", "pk")
    ]


# --- webhooks -------------------------------------------------------------------------------


def webhook_event_record(
    *, source: WebhookEvent.Source, body: bytes, payload: dict[str, Any], event_type: str, now: datetime
) -> tuple[WebhookEvent, bool]:
    """Store a delivery once (keyed by the SHA-256 of its signed body); ``(event, created)``."""
    key = hashlib.sha256(body).hexdigest()
    try:
        with transaction.atomic():
            event = WebhookEvent.objects.create(
                source=source, event_key=key, event_type=event_type[:100], payload=payload, received_at=now
            )
    except IntegrityError:
        return WebhookEvent.objects.get(source=source, event_key=key), False
    return event, True


def webhook_unusable_record(
    *, source: WebhookEvent.Source, body: bytes, reason: str, now: datetime
) -> tuple[WebhookEvent, bool]:
    """Keep a validly signed delivery we can't use, once per body: the reason and the body as base64."""
    payload = {
        "unusable": reason,
        "body_sha256": hashlib.sha256(body).hexdigest(),
        "body_size": len(body),
        "body_base64": base64.b64encode(body).decode("ascii"),
    }
    with transaction.atomic(durable=True):
        event, created = webhook_event_record(
            source=source, body=body, payload=payload, event_type="", now=now
        )
        if created:
            event.unusable_reason = reason[:200]
            event.processed_at = now
            event.save(update_fields=["unusable_reason", "processed_at"])
    if created:
        logger.warning("Unusable %s webhook delivery #%s: %s", source, event.pk, reason)
    return event, created


def webhook_events_purge(*, before: datetime) -> int:
    """Retention: delete the received webhook deliveries (their bodies) older than ``before``."""
    return WebhookEvent.objects.filter(received_at__lt=before).delete()[0]


def tiktok_webhook_receive(
    *, body: bytes, payload: dict[str, Any], now: datetime
) -> tuple[WebhookEvent, bool]:
    """Record a TikTok event and act on it the first time it arrives."""
    event_type = str(payload.get("event") or "")
    with transaction.atomic():
        event, created = webhook_event_record(
            source=WebhookEvent.Source.TIKTOK, body=body, payload=payload, event_type=event_type, now=now
        )
        if not created:
            return event, False
        if event_type == "authorization.removed" and payload.get("user_openid"):
            tiktok_identity_disconnect(
                open_id=str(payload["user_openid"]),
                reason=TikTokProfile.DisconnectReason.REVOKED_BY_USER,
                now=now,
            )
        event.processed_at = now
        event.save(update_fields=["processed_at"])
    return event, True


def whatsapp_webhook_receive(
    *, body: bytes, payload: dict[str, Any], now: datetime
) -> tuple[WebhookEvent, bool]:
    """Record a WhatsApp delivery (incoming messages, message statuses) once and tell the apps
    above (``signals.whatsapp_webhook_received``, in this transaction: chats acts on it)."""
    event_type = str(payload.get("object") or "")
    with transaction.atomic():
        event, created = webhook_event_record(
            source=WebhookEvent.Source.WHATSAPP, body=body, payload=payload, event_type=event_type, now=now
        )
        if created:
            event.processed_at = now
            event.save(update_fields=["processed_at"])
            signals.whatsapp_webhook_received.send(sender=WebhookEvent, event=event, payload=payload, now=now)
    return event, created


# --- phone sign-in --------------------------------------------------------------------------


def consumer_get_or_create_by_phone(*, phone: str) -> tuple[User, bool]:
    """The user with this E.164 number, created (no password, unverified number) when missing."""
    user = User.objects.filter(phone=phone).first()
    if user is not None:
        return user, False
    try:
        with transaction.atomic():
            user = User.objects.create_user(phone=phone, phone_verified=False)
            user.set_unusable_password()
            user.save(update_fields=["password"])
    except IntegrityError:
        return User.objects.get(phone=phone), False
    return user, True


class PhoneLoginRefused(DomainError):
    """The code was not sent; ``user_message`` says why, in words for the person signing in."""

    def __init__(self, user_message: str):
        super().__init__(user_message)
        self.user_message = user_message


def whatsapp_login_start(*, request, phone: str) -> User:
    """Start allauth's login by code for an E.164 number, the code sent over WhatsApp.

    An unknown number gets a consumer account; when WhatsApp refuses the
    message that new account is removed again, so nothing is left behind. allauth
    keeps the code's expiry and attempt limit; its rate limit applies per number.
    """
    from allauth.account.internal.flows.login_by_code import LoginCodeVerificationProcess
    from allauth.account.internal.stagekit import clear_login
    from allauth.core import ratelimit

    if not ratelimit.consume(request, action="request_login_code", key=phone.lower()):
        raise PhoneLoginRefused(
            gettext("Too many codes were requested for this number. Please wait and try again.")
        )
    user, created = consumer_get_or_create_by_phone(phone=phone)
    if not user.is_active:
        raise PhoneLoginRefused(gettext("This account is closed."))
    try:
        # No transaction is held across the HTTP call (on SQLite the sandbox, served by this
        # same database, must be able to write); a failed send undoes the new account instead.
        LoginCodeVerificationProcess.initiate(request=request, user=user, phone=phone)
    except WhatsAppSendError as exc:
        clear_login(request)
        if created:
            User.objects.filter(pk=user.pk, last_login__isnull=True, phone_verified=False).delete()
        raise PhoneLoginRefused(exc.user_message) from exc
    return user


def creator_status_set(
    *, user: AbstractBaseUser, is_creator: bool, actor: AbstractBaseUser | None = None
) -> CreatorStatus:
    """Ops decide whether ``user`` counts as a creator, whatever their follower count says."""
    status, _ = CreatorStatus.objects.update_or_create(
        user=user, defaults={"is_creator": is_creator, "set_by": actor}
    )
    return status


# --- connecting WhatsApp to the signed-in account -------------------------------------------

WHATSAPP_CONNECT_SESSION_KEY = "tikjoy_whatsapp_connect"
WHATSAPP_NUMBER_OF_ANOTHER_ACCOUNT = gettext_lazy(
    "This WhatsApp number already belongs to another TikJoy account, with its own wallet. "
    "Nothing was connected and nothing was merged. To use that account, sign out and continue "
    "with WhatsApp; to keep this one, connect a different number."
)


class PhoneConnectRefused(DomainError):
    """The number was not connected; ``str(e)`` says why and what to do."""


def _code_digest(*, user_id: int, phone: str, code: str) -> str:
    return hashlib.sha256(f"{settings.SECRET_KEY}:{user_id}:{phone}:{code}".encode()).hexdigest()


def whatsapp_connect_start(*, request, user: AbstractBaseUser, phone: str, now: datetime) -> None:
    """Send a 6-digit code to ``phone`` over WhatsApp, to prove it is the signed-in person's number.

    Only the code's digest, the number and the time are kept, in the person's session; the
    number is connected by ``whatsapp_connect_confirm``. Same limits as signing in by code:
    ``ACCOUNT_LOGIN_BY_CODE_TIMEOUT`` seconds, ``ACCOUNT_LOGIN_BY_CODE_MAX_ATTEMPTS`` tries,
    allauth's per-number rate limit.
    """
    if user.phone == phone and user.phone_verified:
        raise PhoneConnectRefused(gettext("This number is already connected to your account."))
    if user.phone and user.phone_verified:
        raise PhoneConnectRefused(
            gettext("Your account already signs in with WhatsApp number %(phone)s. Nothing was changed.")
            % {"phone": phone_display(user.phone)}
        )
    if not allauth_ratelimit.consume(request, action="request_login_code", key=phone.lower()):
        raise PhoneConnectRefused(
            gettext("Too many codes were requested for this number. Please wait and try again.")
        )
    code = f"{secrets.randbelow(1_000_000):06d}"
    try:
        whatsapp_code_send(to=phone, code=code, person=user)
    except WhatsAppSendError as exc:
        raise PhoneConnectRefused(exc.user_message) from exc
    request.session[WHATSAPP_CONNECT_SESSION_KEY] = {
        "user": user.pk,
        "phone": phone,
        "digest": _code_digest(user_id=user.pk, phone=phone, code=code),
        "at": now.timestamp(),
        "failed": 0,
    }


def whatsapp_connect_pending(*, request, user: AbstractBaseUser, now: datetime) -> str | None:
    """The number waiting for its code in this session, or None (none, another user's, or expired)."""
    state = request.session.get(WHATSAPP_CONNECT_SESSION_KEY)
    if not isinstance(state, dict) or state.get("user") != user.pk:
        return None
    if now.timestamp() - float(state.get("at", 0)) > settings.ACCOUNT_LOGIN_BY_CODE_TIMEOUT:
        return None
    return state.get("phone")


def whatsapp_connect_confirm(*, request, user: AbstractBaseUser, code: str, now: datetime) -> str:
    """Connect the number once its code is right; return it. Never takes a number from another account.

    A number held by an account that never signed in and never verified it (a WhatsApp sign-in
    started and abandoned) is not anybody's yet: it moves to this account. A number that
    signs in to another account is refused (``WHATSAPP_NUMBER_OF_ANOTHER_ACCOUNT``).
    """
    phone = whatsapp_connect_pending(request=request, user=user, now=now)
    if phone is None:
        request.session.pop(WHATSAPP_CONNECT_SESSION_KEY, None)
        raise PhoneConnectRefused(gettext("The code has expired or was never sent. Ask for a new code."))
    state = request.session[WHATSAPP_CONNECT_SESSION_KEY]
    expected = _code_digest(user_id=user.pk, phone=phone, code=code.strip())
    if not hmac.compare_digest(expected, state["digest"]):
        state["failed"] = int(state.get("failed", 0)) + 1
        if state["failed"] >= settings.ACCOUNT_LOGIN_BY_CODE_MAX_ATTEMPTS:
            request.session.pop(WHATSAPP_CONNECT_SESSION_KEY, None)
            raise PhoneConnectRefused(gettext("That code was wrong too many times. Ask for a new code."))
        request.session[WHATSAPP_CONNECT_SESSION_KEY] = state
        raise PhoneConnectRefused(
            gettext("That code is not right. Check the latest WhatsApp message and try again.")
        )
    request.session.pop(WHATSAPP_CONNECT_SESSION_KEY, None)
    with transaction.atomic(durable=True):
        holder_ids = list(User.objects.filter(phone=phone).exclude(pk=user.pk).values_list("pk", flat=True))
        locked = {
            u.pk: u
            for u in User.objects.select_for_update().filter(pk__in=[user.pk, *holder_ids]).order_by("pk")
        }
        for holder_id in holder_ids:
            holder = locked[holder_id]
            if holder.phone_verified or holder.last_login is not None:
                raise PhoneConnectRefused(str(WHATSAPP_NUMBER_OF_ANOTHER_ACCOUNT))
            User.objects.filter(pk=holder.pk).update(phone=None)
        try:
            with transaction.atomic():
                User.objects.filter(pk=user.pk).update(phone=phone, phone_verified=True)
        except IntegrityError:  # the number was taken by a sign-in in the same instant
            raise PhoneConnectRefused(str(WHATSAPP_NUMBER_OF_ANOTHER_ACCOUNT)) from None
    user.phone, user.phone_verified = phone, True
    logger.info("WhatsApp number connected to user %s", user.pk)
    return phone
