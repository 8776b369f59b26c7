"""TikTok identities, recognised shares and their engagement, webhook deliveries, creators."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class TikTokProfile(models.Model):
    """What TikTok tells us about a user (``user/info``), kept in our own columns."""

    class DisconnectReason(models.TextChoices):
        REVOKED_BY_USER = "REVOKED_BY_USER", _("you removed TikJoy's access in TikTok")
        GRANT_INVALID = "GRANT_INVALID", _("TikTok no longer accepts TikJoy's authorization")

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="tiktok")
    open_id = models.CharField(max_length=128, unique=True)
    username = models.CharField(max_length=128, blank=True)
    display_name = models.CharField(max_length=255, blank=True)
    avatar_url = models.URLField(max_length=1000, blank=True)
    follower_count = models.PositiveBigIntegerField(null=True, blank=True)
    following_count = models.PositiveBigIntegerField(null=True, blank=True)
    likes_count = models.PositiveBigIntegerField(null=True, blank=True)
    video_count = models.PositiveBigIntegerField(null=True, blank=True)
    is_creator = models.BooleanField(
        default=False, help_text=_("More than TIKTOK_CREATOR_MIN_FOLLOWERS followers at the last sync.")
    )
    synced_at = models.DateTimeField(null=True, blank=True)
    disconnected_at = models.DateTimeField(null=True, blank=True)
    disconnect_reason = models.CharField(max_length=32, choices=DisconnectReason.choices, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=(Q(disconnected_at__isnull=True) & Q(disconnect_reason=""))
                | (Q(disconnected_at__isnull=False) & ~Q(disconnect_reason="")),
                name="social_tiktokprofile_disconnect_has_reason",
                violation_error_message=_(
                    "A disconnected TikTok account needs the reason it was disconnected."
                ),
            ),
        ]

    def __str__(self) -> str:
        return f"@{self.username or self.open_id}"

    @property
    def is_connected(self) -> bool:
        return self.disconnected_at is None


class TrackedPostQuerySet(models.QuerySet["TrackedPost"]):
    def active(self) -> TrackedPostQuerySet:
        return self.filter(status=TrackedPost.Status.ACTIVE)

    def watched(self, *, now) -> TrackedPostQuerySet:
        return self.active().filter(track_until__gt=now)


class TrackedPost(models.Model):
    """A TikTok video of a consumer recognised as a share (one row per TikTok video, ever)."""

    class Status(models.TextChoices):
        ACTIVE = "ACTIVE", _("active")
        GONE = "GONE", _("gone (deleted or private)")

    video_id = models.CharField("TikTok video id", max_length=64, unique=True)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="tracked_posts")
    caption = models.TextField(blank=True)
    share_url = models.URLField(max_length=1000, blank=True)
    posted_at = models.DateTimeField(help_text=_("Created on TikTok at."))
    criterion_key = models.CharField(max_length=100, help_text=_("The share criterion it matched."))
    status = models.CharField(max_length=8, choices=Status.choices, default=Status.ACTIVE)
    gone_at = models.DateTimeField(null=True, blank=True)
    discovered_at = models.DateTimeField(default=timezone.now)
    track_until = models.DateTimeField(
        help_text=_(
            "Synced until then: the reward engine keeps it past the end of the hold of every reward it paid."
        )
    )
    last_synced_at = models.DateTimeField(null=True, blank=True)
    # Its latest snapshot's counts (the latest by taken_at, then id), kept with every snapshot
    # written (``social.services.engagement_snapshots_record``): read instead of looking it up.
    latest_views = models.BigIntegerField(default=0, help_text="Views at its latest snapshot.")
    latest_likes = models.BigIntegerField(default=0, help_text="Likes at its latest snapshot.")
    latest_comments = models.BigIntegerField(default=0, help_text="Comments at its latest snapshot.")
    latest_shares = models.BigIntegerField(default=0, help_text="Shares at its latest snapshot.")
    latest_at = models.DateTimeField(
        null=True, blank=True, help_text="When its latest snapshot was taken (none: no snapshot yet)."
    )

    objects = TrackedPostQuerySet.as_manager()

    class Meta:
        indexes = [models.Index(fields=["status", "track_until"])]
        constraints = [
            models.CheckConstraint(
                condition=(Q(status="ACTIVE") & Q(gone_at__isnull=True))
                | (Q(status="GONE") & Q(gone_at__isnull=False)),
                name="social_trackedpost_gone_at_iff_gone",
                violation_error_message=_("A post marked as gone needs the time it went, and only then."),
            ),
        ]

    def __str__(self) -> str:
        return f"TikTok video {self.video_id}"


class EngagementSnapshot(models.Model):
    """The counts TikTok reported for a tracked post at one moment, and what each added over the
    post's previous snapshot (by ``taken_at``, then id; the first adds all of its counts). A post's
    snapshots' ``*_added`` sum to its latest counts; they go negative when a count drops (an unlike).
    Kept by ``social.services.engagement_snapshots_record``, also when a snapshot arrives after a
    later one (the later one then adds less)."""

    post = models.ForeignKey(TrackedPost, on_delete=models.CASCADE, related_name="snapshots")
    views = models.PositiveBigIntegerField()
    likes = models.PositiveBigIntegerField()
    comments = models.PositiveBigIntegerField()
    shares = models.PositiveBigIntegerField()
    taken_at = models.DateTimeField()
    views_added = models.BigIntegerField(default=0)
    likes_added = models.BigIntegerField(default=0)
    comments_added = models.BigIntegerField(default=0)
    shares_added = models.BigIntegerField(default=0)

    class Meta:
        indexes = [models.Index(fields=["post", "taken_at"])]

    def __str__(self) -> str:
        return f"{self.post} at {self.taken_at:%Y-%m-%d %H:%M}"


class ApiRateWindow(models.Model):
    """Requests made to one endpoint in one window: a rate limiter shared by every process."""

    endpoint = models.CharField(max_length=64)
    window_start = models.DateTimeField()
    used = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["endpoint", "window_start"],
                name="social_apiratewindow_unique",
                violation_error_message=_("This API rate window is already counted."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.endpoint} @ {self.window_start:%H:%M:%S}: {self.used}"


class WebhookEvent(models.Model):
    """A webhook delivery, stored once per event however often it is delivered."""

    class Source(models.TextChoices):
        TIKTOK = "TIKTOK", "TikTok"
        WHATSAPP = "WHATSAPP", "WhatsApp"

    source = models.CharField(max_length=16, choices=Source.choices)
    event_key = models.CharField(max_length=64, help_text=_("SHA-256 of the signed body."))
    event_type = models.CharField(max_length=100, blank=True)
    payload = models.JSONField()
    received_at = models.DateTimeField(default=timezone.now)
    processed_at = models.DateTimeField(null=True, blank=True)
    unusable_reason = models.CharField(
        max_length=200,
        blank=True,
        default="",
        help_text=_("Why a validly signed delivery could not be used (its body is kept in the payload)."),
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["source", "event_key"],
                name="social_webhookevent_once",
                violation_error_message=_("This webhook event was already received."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.source} {self.event_type or 'event'} #{self.pk}"


class CreatorStatus(models.Model):
    """Ops' decision on whether a person counts as a creator, which wins over the follower count.

    A creator is a social fact: a TikTok identity with more than ``TIKTOK_CREATOR_MIN_FOLLOWERS``
    followers (``TikTokProfile.follower_count``, the one follower count, and ``is_creator`` set at
    each sync), unless ops decided otherwise here (``social.selectors.user_is_creator``).
    """

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="creator_status"
    )
    is_creator = models.BooleanField(default=False)
    set_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        db_table = "campaigns_creatorstatus"  # made by campaigns before creators moved here
        verbose_name = _("creator status (ops decision)")
        verbose_name_plural = _("creator statuses (ops decisions)")

    def __str__(self) -> str:
        return f"{self.user}: {'creator' if self.is_creator else 'not a creator'} (ops decision)"
