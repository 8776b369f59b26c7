"""Support requests and their conversation (docs/support.md).

A request belongs to a signed-in person (``user``) or to an anonymous visitor who gave an
e-mail address (``email``); its context (the page, the merchant, the reward or payout in
question, the person's recent errors) is captured when it is sent and never edited. Ops
answer in ``/ops/``; every message either way is a ``SupportMessage``.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext, pgettext_lazy
from django.utils.translation import gettext_lazy as _

SUBJECT_MAX = 150
BODY_MAX = 5000
PAGE_MAX = 500

# Pages whose reader is a merchant: a support request sent from one of them speaks formally (docs/support.md).
MERCHANT_PAGES = ("/console", "/help/merchants")
AFFILIATE_PAGES = ("/affiliates", "/help/affiliates")


class Topic(models.TextChoices):
    REWARDS = "REWARDS", _("My rewards and wallet")
    PAYOUTS = "PAYOUTS", _("Payouts to my bank")
    ACCOUNT = "ACCOUNT", _("My account and sign-in")
    MERCHANT = "MERCHANT", _("My brand, campaigns and console")
    AFFILIATES = "AFFILIATES", _("Affiliate programs")
    PROMOTE = "PROMOTE", _("Promote and coins")
    OTHER = "OTHER", _("Something else")


class RequestStatus(models.TextChoices):
    OPEN = "OPEN", _("Open: waiting for TikJoy")
    WAITING = "WAITING", _("Answered: waiting for you")
    CLOSED = "CLOSED", _("Closed")


class SupportRequest(models.Model):
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="support_requests",
        verbose_name=_("user"),
    )
    email = models.EmailField(
        _("e-mail address"),
        blank=True,
        help_text=_("where answers go: the visitor's address, or the person's"),
    )
    topic = models.CharField(_("topic"), max_length=16, choices=Topic.choices, default=Topic.OTHER)
    subject = models.CharField(_("subject"), max_length=SUBJECT_MAX)
    status = models.CharField(
        _("status"), max_length=8, choices=RequestStatus.choices, default=RequestStatus.OPEN
    )
    assigned_to = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="support_requests_assigned",
        limit_choices_to={"is_staff": True, "is_active": True},
        verbose_name=_("assigned to"),
    )
    # The context, captured when the request is sent.
    page = models.CharField(
        _("page"), max_length=PAGE_MAX, blank=True, help_text=_("the page the person came from")
    )
    merchant = models.ForeignKey(
        "merchants.Merchant",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("merchant"),
    )
    reward = models.ForeignKey(
        "rewards.Reward",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("reward"),
    )
    payout = models.ForeignKey(
        "payouts.Payout",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("payout"),
    )
    recent_errors = models.JSONField(
        _("recent errors"), default=list, blank=True, help_text=_("the person's last errors before sending")
    )
    submission_key = models.CharField(
        _("submission key"),
        max_length=64,
        unique=True,
        help_text=_("one request per form, however often sent"),
    )
    language = models.CharField(
        _("language"), max_length=8, blank=True, help_text=_("the language the person wrote in")
    )
    created_at = models.DateTimeField(pgettext_lazy("support request", "created at"))
    first_response_at = models.DateTimeField(_("first response at"), null=True, blank=True)
    waiting_since = models.DateTimeField(
        _("waiting since"),
        null=True,
        blank=True,
        help_text=_("when the person last wrote and ops have not answered since"),
    )
    last_message_at = models.DateTimeField(_("last message at"))
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    edit_version = models.PositiveIntegerField(_("edit version"), default=1)

    class Meta:
        verbose_name = _("support request")
        verbose_name_plural = _("support requests")
        constraints = [
            models.CheckConstraint(
                condition=Q(user__isnull=False) | ~Q(email=""),
                name="support_request_has_someone_to_answer",
                violation_error_message=_("Give an e-mail address so that we can answer you."),
            ),
            models.CheckConstraint(
                condition=Q(status__in=RequestStatus.values),
                name="support_request_status_valid",
                violation_error_message=_("Choose a status from the list."),
            ),
            models.CheckConstraint(
                condition=Q(first_response_at__isnull=True)
                | Q(first_response_at__gte=models.F("created_at")),
                name="support_request_first_response_after_creation",
                violation_error_message=_("The first answer can't come before the request."),
            ),
            models.CheckConstraint(
                condition=~Q(subject=""),
                name="support_request_subject_not_empty",
                violation_error_message=_("Say in a few words what it is about."),
            ),
        ]
        indexes = [
            models.Index(fields=["status", "waiting_since"]),
            models.Index(fields=["user", "-created_at"]),
        ]

    def __str__(self) -> str:
        return gettext("Support request #%(id)s: %(subject)s") % {"id": self.pk, "subject": self.subject}

    @property
    def for_merchant(self) -> bool:
        """Who the request's pages and e-mails speak to: a merchant, formally like the console (Sie /
        Lei / vous / usted), when it was sent from the console or the brands' Help, is about "my brand,
        campaigns and console", or names one of the person's brands; else a consumer (du / tu)."""
        return self.page.startswith(MERCHANT_PAGES) or self.topic == Topic.MERCHANT or self.merchant_is_theirs

    @property
    def for_affiliate(self) -> bool:
        """Not a merchant's, and sent from the affiliate pages or their Help, or about affiliate
        programs: spoken to formally too, like the affiliate pages (Sie / Lei / vous / usted)."""
        return not self.for_merchant and (
            self.page.startswith(AFFILIATE_PAGES) or self.topic == Topic.AFFILIATES
        )

    @property
    def formal(self) -> bool:
        """The request's pages and e-mails speak formally: a merchant's or an affiliate's request (the
        "to a merchant" texts name no brand); a consumer's informally (du / tu)."""
        return self.for_merchant or self.for_affiliate

    @property
    def merchant_is_theirs(self) -> bool:
        """The request's brand is the person's own (a signed-in member chose it: the service checks the
        membership). A visitor's brand is only the brand page they wrote from, never "your brand"."""
        return bool(self.user_id and self.merchant_id)


class Author(models.TextChoices):
    PERSON = "PERSON", _("The person")
    OPS = "OPS", _("TikJoy support")


class SupportMessage(models.Model):
    request = models.ForeignKey(
        SupportRequest, on_delete=models.CASCADE, related_name="messages", verbose_name=_("request")
    )
    author_kind = models.CharField(_("author kind"), max_length=8, choices=Author.choices)
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("author"),
    )
    body = models.TextField(_("body"))
    internal = models.BooleanField(
        _("internal"), default=False, help_text=_("an ops note the person never sees")
    )
    submission_key = models.CharField(_("submission key"), max_length=64, unique=True, null=True, blank=True)
    created_at = models.DateTimeField(_("created at"))

    class Meta:
        verbose_name = _("support message")
        verbose_name_plural = _("support messages")
        constraints = [
            models.CheckConstraint(
                condition=~Q(body=""),
                name="support_message_body_not_empty",
                violation_error_message=_("Write a message."),
            ),
            models.CheckConstraint(
                condition=Q(internal=False) | Q(author_kind="OPS"),
                name="support_message_internal_only_ops",
                violation_error_message=_("Only ops write internal notes."),
            ),
        ]
        indexes = [models.Index(fields=["request", "created_at"])]

    def __str__(self) -> str:
        return f"Message #{self.pk} on request #{self.request_id}"
