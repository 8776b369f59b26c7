"""Outgoing webhooks: a merchant's endpoints, the outbox of events, and each delivery's log.

An event is written to the outbox (``WebhookEvent`` with one ``WebhookDelivery`` per
subscribed endpoint) in the same database transaction as the change that caused it,
and delivered after commit (docs/webhooks.md).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from webhooks.delivery_log import error_text
from webhooks.reasons import disabled_reason_text


class EventType(models.TextChoices):
    REWARD_CREATED = "reward.created", _("A reward was granted (pending or held)")
    REWARD_CONFIRMED = "reward.confirmed", _("A reward became available to the consumer")
    REWARD_REVERSED = "reward.reversed", _("A reward was reversed: the money went back to the wallet")
    CONSUMER_JOINED = (
        "consumer.joined",
        _("A consumer joined the brand (their first sign-in on its brand page)"),
    )
    CONSENT_WITHDRAWN = "consent.withdrawn", _("A consumer withdrew their consent: stop using their data")
    CAMPAIGN_PAUSED = "campaign.paused", _("A campaign paused by itself: the wallet or its budget ran out")
    WALLET_LOW_BALANCE = "wallet.low_balance", _("The wallet fell below the low-balance threshold")
    TOPUP_RECEIVED = "topup.received", _("A bank transfer was credited to the wallet")
    PROMOTE_ORDER_CREATED = "promote.order.created", _("A promotion order was placed (in review)")
    PROMOTE_ORDER_APPROVED = "promote.order.approved", _("A promotion order was approved and started")
    PROMOTE_ORDER_REJECTED = (
        "promote.order.rejected",
        _("A promotion order was rejected: its budget came back"),
    )
    PROMOTE_ORDER_RESUBMITTED = "promote.order.resubmitted", _("A rejected promotion order was resubmitted")
    PROMOTE_ORDER_CANCELLED = "promote.order.cancelled", _("A promotion order was cancelled in review")
    PROMOTE_ORDER_COMPLETED = "promote.order.completed", _("A promotion order finished delivering")
    PROMOTE_ORDER_SETTLED = "promote.order.settled", _("A promotion order's unspent coins were returned")
    CONVERSION_ACCEPTED = (
        "conversion.accepted",
        _("An affiliate conversion was accepted: a commission is pending"),
    )
    CONVERSION_REJECTED = (
        "conversion.rejected",
        _("An affiliate conversion was recorded as rejected, with the reason"),
    )
    COMMISSION_LOCKED = "commission.locked", _("An affiliate commission locked: it can no longer be reversed")
    COMMISSION_APPROVED = (
        "commission.approved",
        _("An affiliate commission was approved: the affiliate may be paid"),
    )
    COMMISSION_PAID = "commission.paid", _("An affiliate commission was paid out")
    COMMISSION_REVERSED = (
        "commission.reversed",
        _("An affiliate commission was reversed: the money went back to the wallet"),
    )
    COMMISSION_ADJUSTED = "commission.adjusted", _("An affiliate commission was adjusted after it locked")


class WebhookEndpoint(models.Model):
    """A URL of the merchant's that receives the events it subscribed to, signed with its secret."""

    merchant = models.ForeignKey(
        "merchants.Merchant", on_delete=models.CASCADE, related_name="webhook_endpoints"
    )
    url = models.URLField("URL", max_length=500)
    events = models.JSONField(default=list, help_text=_("The event types sent to this URL."))
    description = models.CharField(max_length=200, blank=True)
    secret = models.CharField(max_length=80, editable=False)
    previous_secret = models.CharField(max_length=80, blank=True, editable=False)
    previous_secret_expires_at = models.DateTimeField(null=True, blank=True, editable=False)
    is_active = models.BooleanField("active", default=True)
    disabled_reason = models.CharField(max_length=200, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField()

    class Meta:
        verbose_name = _("webhook endpoint")
        verbose_name_plural = _("webhook endpoints")
        constraints = [
            models.CheckConstraint(
                condition=Q(secret__startswith="whsec_"),  # noqa: S106 - a prefix, not a secret
                name="webhooks_endpoint_secret_whsec",
                violation_error_message=_("The signing secret must start with whsec_."),
            ),
        ]

    def __str__(self) -> str:
        return self.url

    @property
    def disabled_reason_text(self) -> str:
        """Why it was disabled, in the reader's language (``disabled_reason`` stays in English)."""
        return disabled_reason_text(self.disabled_reason)

    def disabled_reason_after_colon(self) -> str:
        """The same, written after "Disabled:" (lower case in Italian, Spanish and French)."""
        return disabled_reason_text(self.disabled_reason, after_a_colon=True)


class WebhookEvent(models.Model):
    """One event in the outbox, written in the transaction of the change it reports."""

    merchant = models.ForeignKey(
        "merchants.Merchant", on_delete=models.CASCADE, related_name="webhook_events"
    )
    type = models.CharField(max_length=40, choices=EventType.choices)
    data = models.JSONField()
    created_at = models.DateTimeField()

    class Meta:
        verbose_name = _("outgoing webhook event")
        verbose_name_plural = _("outgoing webhook events")
        constraints = [
            models.CheckConstraint(
                condition=Q(type__in=EventType.values),
                name="webhooks_event_type_known",
                violation_error_message=_("Choose an event type from the list."),
            ),
        ]
        indexes = [models.Index(fields=["merchant", "-id"], name="webhooks_event_recent")]

    def __str__(self) -> str:
        return f"{self.type} #{self.pk}"

    @property
    def message_id(self) -> str:
        """The ``webhook-id``: the same on every attempt, so receivers can drop duplicates."""
        return f"evt_{self.pk}"


class DeliveryStatus(models.TextChoices):
    PENDING = "PENDING", _("Waiting to be sent")
    SUCCEEDED = "SUCCEEDED", _("Delivered")
    FAILED = "FAILED", _("Given up")


class WebhookDelivery(models.Model):
    """One event to one endpoint: attempted until the endpoint answers 2xx or the schedule ends."""

    event = models.ForeignKey(WebhookEvent, on_delete=models.CASCADE, related_name="deliveries")
    endpoint = models.ForeignKey(WebhookEndpoint, on_delete=models.CASCADE, related_name="deliveries")
    status = models.CharField(max_length=10, choices=DeliveryStatus.choices, default=DeliveryStatus.PENDING)
    attempts = models.PositiveSmallIntegerField(default=0)
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    last_status_code = models.PositiveSmallIntegerField(null=True, blank=True)
    last_error = models.CharField(max_length=300, blank=True)
    delivered_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("webhook delivery")
        verbose_name_plural = _("webhook deliveries")
        constraints = [
            models.UniqueConstraint(
                fields=["event", "endpoint"],
                name="webhooks_delivery_once_per_endpoint",
                violation_error_message=_("This event is already being delivered to this endpoint."),
            ),
            models.CheckConstraint(
                condition=Q(status__in=DeliveryStatus.values),
                name="webhooks_delivery_status_known",
                violation_error_message=_("Choose a delivery status from the list."),
            ),
            models.CheckConstraint(
                condition=~Q(status="PENDING") | Q(next_attempt_at__isnull=False),
                name="webhooks_delivery_pending_is_scheduled",
                violation_error_message=_("A delivery still to be made needs the time of its next attempt."),
            ),
        ]
        indexes = [
            models.Index(
                fields=["next_attempt_at"], condition=Q(status="PENDING"), name="webhooks_delivery_due"
            )
        ]

    def __str__(self) -> str:
        return f"{self.event} to {self.endpoint}"


class WebhookAttempt(models.Model):
    """The delivery log: one row per HTTP attempt, with what the endpoint answered."""

    delivery = models.ForeignKey(WebhookDelivery, on_delete=models.CASCADE, related_name="log")
    attempted_at = models.DateTimeField()
    status_code = models.PositiveSmallIntegerField(null=True, blank=True)
    error = models.CharField(max_length=300, blank=True)
    duration_ms = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name = _("webhook delivery attempt")
        verbose_name_plural = _("webhook delivery attempts")

    def __str__(self) -> str:
        return f"{self.delivery} at {self.attempted_at:%Y-%m-%d %H:%M:%S}: {self.status_code or self.error}"

    @property
    def error_text(self) -> str:
        """What went wrong, in the reader's language (``error`` stays as recorded, in English)."""
        return error_text(self.error)
