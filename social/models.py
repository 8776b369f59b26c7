"""TikTok identities, recognised shares and their engagement, webhook deliveries, creators."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext, pgettext_lazy
from django.utils.translation import gettext_lazy as _


class TikTokProfile(models.Model):
    """What TikTok tells us about a user (``user/info``), kept in our own columns."""

    class DisconnectReason(models.TextChoices):
        REVOKED_BY_USER = "REVOKED_BY_USER", _("you removed TikJoy's access in TikTok")
        GRANT_INVALID = "GRANT_INVALID", _("TikTok no longer accepts TikJoy's authorization")

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="tiktok", verbose_name=_("person")
    )
    open_id = models.CharField(
        _("TikTok open id"), max_length=128, unique=True, help_text=_("TikTok's id of the person for TikJoy.")
    )
    username = models.CharField(_("TikTok username"), max_length=128, blank=True)
    display_name = models.CharField(_("TikTok display name"), max_length=255, blank=True)
    avatar_url = models.URLField(_("avatar URL"), max_length=1000, blank=True)
    follower_count = models.PositiveBigIntegerField(_("followers"), null=True, blank=True)
    following_count = models.PositiveBigIntegerField(_("following"), null=True, blank=True)
    likes_count = models.PositiveBigIntegerField(_("likes received"), null=True, blank=True)
    video_count = models.PositiveBigIntegerField(_("videos"), null=True, blank=True)
    is_creator = models.BooleanField(
        _("creator"),
        default=False,
        help_text=_("More than TIKTOK_CREATOR_MIN_FOLLOWERS followers at the last sync."),
    )
    synced_at = models.DateTimeField(_("last synced at"), null=True, blank=True)
    disconnected_at = models.DateTimeField(_("disconnected at"), null=True, blank=True)
    disconnect_reason = models.CharField(
        _("disconnect reason"), max_length=32, choices=DisconnectReason.choices, blank=True
    )
    created_at = models.DateTimeField(_("connected at"), default=timezone.now)

    class Meta:
        verbose_name = _("TikTok profile")
        verbose_name_plural = _("TikTok profiles")
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
        ACTIVE = "ACTIVE", pgettext_lazy("tracked post", "active")
        GONE = "GONE", _("gone (deleted or private)")

    video_id = models.CharField(_("TikTok video id"), max_length=64, unique=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="tracked_posts",
        verbose_name=_("person"),
        help_text=_("Who posted it on TikTok."),
    )
    caption = models.TextField(_("caption"), blank=True)
    share_url = models.URLField(_("share link"), max_length=1000, blank=True)
    posted_at = models.DateTimeField(_("posted at"), help_text=_("Created on TikTok at."))
    criterion_key = models.CharField(
        _("share criterion"), max_length=100, help_text=_("The share criterion it matched.")
    )
    status = models.CharField(_("status"), max_length=8, choices=Status.choices, default=Status.ACTIVE)
    gone_at = models.DateTimeField(
        _("gone at"),
        null=True,
        blank=True,
        help_text=_("When TikTok stopped showing it (deleted or private)."),
    )
    discovered_at = models.DateTimeField(_("found at"), default=timezone.now)
    track_until = models.DateTimeField(
        _("tracked until"),
        help_text=_(
            "Synced until then: the reward engine keeps it past the end of the hold of every reward it paid."
        ),
    )
    last_synced_at = models.DateTimeField(_("last synced at"), null=True, blank=True)
    # Its latest snapshot's counts (the latest by taken_at, then id), kept with every snapshot
    # written (``social.services.engagement_snapshots_record``): read instead of looking it up.
    latest_views = models.BigIntegerField(_("views"), default=0, help_text=_("Views at its latest snapshot."))
    latest_likes = models.BigIntegerField(_("likes"), default=0, help_text=_("Likes at its latest snapshot."))
    latest_comments = models.BigIntegerField(
        _("comments"), default=0, help_text=_("Comments at its latest snapshot.")
    )
    latest_shares = models.BigIntegerField(
        _("shares"), default=0, help_text=_("Shares at its latest snapshot.")
    )
    latest_at = models.DateTimeField(
        _("latest snapshot at"),
        null=True,
        blank=True,
        help_text=_("When its latest snapshot was taken (none: no snapshot yet)."),
    )

    objects = TrackedPostQuerySet.as_manager()

    class Meta:
        verbose_name = _("tracked TikTok post")
        verbose_name_plural = _("tracked TikTok posts")
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
        return gettext("TikTok video %(video_id)s") % {"video_id": self.video_id}


class EngagementSnapshot(models.Model):
    """The counts TikTok reported for a tracked post at one moment, and what each added over the
    post's previous snapshot (by ``taken_at``, then id; the first adds all of its counts). A post's
    snapshots' ``*_added`` sum to its latest counts; they go negative when a count drops (an unlike).
    Kept by ``social.services.engagement_snapshots_record``, also when a snapshot arrives after a
    later one (the later one then adds less)."""

    post = models.ForeignKey(
        TrackedPost, on_delete=models.CASCADE, related_name="snapshots", verbose_name=_("tracked post")
    )
    views = models.PositiveBigIntegerField(_("views"))
    likes = models.PositiveBigIntegerField(_("likes"))
    comments = models.PositiveBigIntegerField(_("comments"))
    shares = models.PositiveBigIntegerField(_("shares"))
    taken_at = models.DateTimeField(_("taken at"), help_text=_("When TikTok reported these counts."))
    views_added = models.BigIntegerField(
        _("views added"), default=0, help_text=_("Over the previous snapshot (negative: a count dropped).")
    )
    likes_added = models.BigIntegerField(
        _("likes added"), default=0, help_text=_("Over the previous snapshot (negative: a count dropped).")
    )
    comments_added = models.BigIntegerField(
        _("comments added"), default=0, help_text=_("Over the previous snapshot (negative: a count dropped).")
    )
    shares_added = models.BigIntegerField(
        _("shares added"), default=0, help_text=_("Over the previous snapshot (negative: a count dropped).")
    )

    class Meta:
        verbose_name = _("engagement snapshot")
        verbose_name_plural = _("engagement snapshots")
        indexes = [models.Index(fields=["post", "taken_at"])]

    def __str__(self) -> str:
        return gettext("%(post)s at %(time)s") % {
            "post": self.post,
            "time": f"{self.taken_at:%Y-%m-%d %H:%M}",
        }


class ApiRateWindow(models.Model):
    """Requests made to one endpoint in one window: a rate limiter shared by every process."""

    endpoint = models.CharField(_("endpoint"), max_length=64)
    window_start = models.DateTimeField(_("window start"))
    used = models.PositiveIntegerField(_("requests made"), default=0)

    class Meta:
        verbose_name = _("API rate window")
        verbose_name_plural = _("API rate windows")
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

    source = models.CharField(_("source"), max_length=16, choices=Source.choices)
    event_key = models.CharField(_("event key"), max_length=64, help_text=_("SHA-256 of the signed body."))
    event_type = models.CharField(_("event type"), max_length=100, blank=True)
    payload = models.JSONField(_("payload"))
    received_at = models.DateTimeField(_("received at"), default=timezone.now)
    processed_at = models.DateTimeField(_("processed at"), null=True, blank=True)
    unusable_reason = models.CharField(
        _("why unusable"),
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
        verbose_name = _("incoming webhook event")
        verbose_name_plural = _("incoming webhook events")

    def __str__(self) -> str:
        return f"{self.source} {self.event_type or 'event'} #{self.pk}"


class CreatorStatus(models.Model):
    """Ops' decision on whether a person counts as a creator, which wins over the follower count.

    A creator is a social fact: a TikTok identity with more than ``TIKTOK_CREATOR_MIN_FOLLOWERS``
    followers (``TikTokProfile.follower_count``, the one follower count, and ``is_creator`` set at
    each sync), unless ops decided otherwise here (``social.selectors.user_is_creator``).
    """

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="creator_status",
        verbose_name=_("person"),
    )
    is_creator = models.BooleanField(
        _("creator"), default=False, help_text=_("Wins over the TikTok follower count.")
    )
    set_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("set by"),
    )
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        db_table = "campaigns_creatorstatus"  # made by campaigns before creators moved here
        verbose_name = _("creator status (ops decision)")
        verbose_name_plural = _("creator statuses (ops decisions)")

    def __str__(self) -> str:
        if self.is_creator:
            return gettext("%(person)s: creator (ops decision)") % {"person": self.user}
        return gettext("%(person)s: not a creator (ops decision)") % {"person": self.user}
