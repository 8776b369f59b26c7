"""A person's data exports (GDPR art. 15 and 20): asked for on /me/export/, built by a job."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class ExportStatus(models.TextChoices):
    QUEUED = "QUEUED", _("Being prepared")
    READY = "READY", _("Ready to download")


class DataExport(models.Model):
    """One export: the ZIP is kept in the database (private, never a public file) until it expires."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="data_exports")
    status = models.CharField(max_length=8, choices=ExportStatus.choices, default=ExportStatus.QUEUED)
    requested_at = models.DateTimeField()
    ready_at = models.DateTimeField(null=True, blank=True)
    expires_at = models.DateTimeField(null=True, blank=True, help_text="the download link works until then")
    content = models.BinaryField(null=True, blank=True, help_text="the ZIP (JSON and CSV)")

    class Meta:
        indexes = [models.Index(fields=["user", "-requested_at"], name="privacy_export_user_recent")]
        constraints = [
            models.CheckConstraint(
                condition=Q(status__in=ExportStatus.values),
                name="privacy_export_status_known",
                violation_error_message="An export is either being prepared or ready.",
            ),
            models.CheckConstraint(
                condition=~Q(status="READY") | (Q(ready_at__isnull=False) & Q(expires_at__isnull=False)),
                name="privacy_export_ready_has_dates",
                violation_error_message="A ready export needs the time it was made and when its link expires.",
            ),
        ]

    def __str__(self) -> str:
        return f"data export #{self.pk} of user {self.user_id} ({self.status})"


class MerchantClosure(models.Model):
    """A merchant an owner closed: what the closing did, the refund it asked for, its final statement.

    Written only by ``privacy.services.merchant_close``; ``merchants.Merchant.closed_at`` is the flag
    the apps below read (no funding, no live campaign, a read-only console).
    """

    merchant = models.OneToOneField("merchants.Merchant", on_delete=models.PROTECT, related_name="closure")
    closed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    closed_at = models.DateTimeField()
    campaigns_ended = models.PositiveIntegerField(default=0)
    coins_withdrawn = models.PositiveBigIntegerField(default=0)
    refund = models.ForeignKey(
        "payouts.Payout",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text="the latest refund of the remaining balance (a returned one is asked for again)",
    )
    final_statement = models.ForeignKey(
        "billing.Statement",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text="the statement of the month the last money moved, once that month ended",
    )

    def __str__(self) -> str:
        return f"closure of merchant {self.merchant_id} on {self.closed_at:%Y-%m-%d}"
