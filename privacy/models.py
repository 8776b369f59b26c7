"""A person's data exports (GDPR art. 15 and 20): asked for on /me/export/, built by a job."""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class ExportStatus(models.TextChoices):
    QUEUED = "QUEUED", _("Being prepared")
    READY = "READY", _("Ready to download")


class DataExport(models.Model):
    """One export: the ZIP is kept in the database (private, never a public file) until it expires."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="data_exports",
        verbose_name=_("user"),
    )
    status = models.CharField(
        _("status"), max_length=8, choices=ExportStatus.choices, default=ExportStatus.QUEUED
    )
    requested_at = models.DateTimeField(_("requested at"))
    ready_at = models.DateTimeField(_("ready at"), null=True, blank=True)
    expires_at = models.DateTimeField(
        pgettext_lazy("a moment", "expires at"),
        null=True,
        blank=True,
        help_text=_("the download link works until then"),
    )
    content = models.BinaryField(_("content"), null=True, blank=True, help_text=_("the ZIP (JSON and CSV)"))

    class Meta:
        verbose_name = _("data export")
        verbose_name_plural = _("data exports")
        indexes = [models.Index(fields=["user", "-requested_at"], name="privacy_export_user_recent")]
        constraints = [
            models.UniqueConstraint(
                fields=["user"],
                condition=Q(status="QUEUED"),
                name="privacy_export_one_queued_per_user",
                violation_error_message=_("Your data is already being prepared."),
            ),
            models.CheckConstraint(
                condition=Q(status__in=ExportStatus.values),
                name="privacy_export_status_known",
                violation_error_message=_("An export is either being prepared or ready."),
            ),
            models.CheckConstraint(
                condition=~Q(status="READY") | (Q(ready_at__isnull=False) & Q(expires_at__isnull=False)),
                name="privacy_export_ready_has_dates",
                violation_error_message=_(
                    "A ready export needs the time it was made and when its link expires."
                ),
            ),
        ]

    def __str__(self) -> str:
        return f"data export #{self.pk} of user {self.user_id} ({self.status})"


# Five times a web request's limit (GUNICORN_TIMEOUT, 30 s): a deletion this old has stopped.
DELETION_STOPPED_AFTER = timedelta(minutes=5)


class AccountDeletion(models.Model):
    """A deletion of the person's account under way (``privacy.services.account_delete``): from its first
    erasure, once its payout is asked for, until its last transaction commits (the row goes with the
    account's data) or it is refused (the row is deleted). Meanwhile no data export is asked for and
    none is announced. A deletion runs within one web request (``GUNICORN_TIMEOUT``): a row older than
    ``DELETION_STOPPED_AFTER`` is one whose process stopped, and counts for nothing."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        primary_key=True,
        on_delete=models.CASCADE,
        related_name="+",
        verbose_name=_("user"),
    )
    started_at = models.DateTimeField(_("started at"))

    class Meta:
        verbose_name = _("account deletion under way")
        verbose_name_plural = _("account deletions under way")

    def __str__(self) -> str:
        return f"deletion of user {self.user_id} started {self.started_at:%Y-%m-%d %H:%M:%S}"


class MerchantClosure(models.Model):
    """A merchant an owner closed: what the closing did, the refund it asked for, its final statement.

    Written only by ``privacy.services.merchant_close``; ``merchants.Merchant.closed_at`` is the flag
    the apps below read (no funding, no live campaign, a read-only console).
    """

    merchant = models.OneToOneField(
        "merchants.Merchant", on_delete=models.PROTECT, related_name="closure", verbose_name=_("merchant")
    )
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("closed by")
    )
    closed_at = models.DateTimeField(_("closed at"))
    campaigns_ended = models.PositiveIntegerField(_("campaigns ended"), default=0)
    coins_withdrawn = models.PositiveBigIntegerField(_("coins withdrawn"), default=0)
    refund = models.ForeignKey(
        "payouts.Payout",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text=_("the latest refund of the remaining balance (a returned one is asked for again)"),
        verbose_name=_("refund"),
    )
    final_statement = models.ForeignKey(
        "billing.Statement",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text=_("the statement of the month the last money moved, once that month ended"),
        verbose_name=_("final statement"),
    )

    class Meta:
        verbose_name = _("merchant closure")
        verbose_name_plural = _("merchant closures")

    def __str__(self) -> str:
        return f"closure of merchant {self.merchant_id} on {self.closed_at:%Y-%m-%d}"
