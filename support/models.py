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
from django.utils.translation import gettext_lazy as _

SUBJECT_MAX = 150
BODY_MAX = 5000
PAGE_MAX = 500


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
    )
    email = models.EmailField(
        blank=True, help_text="where answers go: the visitor's address, or the person's"
    )
    topic = models.CharField(max_length=16, choices=Topic.choices, default=Topic.OTHER)
    subject = models.CharField(max_length=SUBJECT_MAX)
    status = models.CharField(max_length=8, choices=RequestStatus.choices, default=RequestStatus.OPEN)
    assigned_to = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="support_requests_assigned",
        limit_choices_to={"is_staff": True, "is_active": True},
    )
    # The context, captured when the request is sent.
    page = models.CharField(max_length=PAGE_MAX, blank=True, help_text="the page the person came from")
    merchant = models.ForeignKey(
        "merchants.Merchant", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    reward = models.ForeignKey(
        "rewards.Reward", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    payout = models.ForeignKey(
        "payouts.Payout", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    recent_errors = models.JSONField(
        default=list, blank=True, help_text="the person's last errors before sending"
    )
    submission_key = models.CharField(
        max_length=64, unique=True, help_text="one request per form, however often sent"
    )
    language = models.CharField(max_length=8, blank=True, help_text="the language the person wrote in")
    created_at = models.DateTimeField()
    first_response_at = models.DateTimeField(null=True, blank=True)
    waiting_since = models.DateTimeField(
        null=True, blank=True, help_text="when the person last wrote and ops have not answered since"
    )
    last_message_at = models.DateTimeField()
    closed_at = models.DateTimeField(null=True, blank=True)
    edit_version = models.PositiveIntegerField(default=1)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=Q(user__isnull=False) | ~Q(email=""),
                name="support_request_has_someone_to_answer",
                violation_error_message="Give an e-mail address so that we can answer you.",
            ),
            models.CheckConstraint(
                condition=Q(status__in=RequestStatus.values),
                name="support_request_status_valid",
                violation_error_message="Choose a status from the list.",
            ),
            models.CheckConstraint(
                condition=Q(first_response_at__isnull=True)
                | Q(first_response_at__gte=models.F("created_at")),
                name="support_request_first_response_after_creation",
                violation_error_message="The first answer can't come before the request.",
            ),
            models.CheckConstraint(
                condition=~Q(subject=""),
                name="support_request_subject_not_empty",
                violation_error_message="Say in a few words what it is about.",
            ),
        ]
        indexes = [
            models.Index(fields=["status", "waiting_since"]),
            models.Index(fields=["user", "-created_at"]),
        ]

    def __str__(self) -> str:
        return f"Support request #{self.pk}: {self.subject}"


class Author(models.TextChoices):
    PERSON = "PERSON", _("The person")
    OPS = "OPS", _("TikJoy support")


class SupportMessage(models.Model):
    request = models.ForeignKey(SupportRequest, on_delete=models.CASCADE, related_name="messages")
    author_kind = models.CharField(max_length=8, choices=Author.choices)
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    body = models.TextField()
    internal = models.BooleanField(default=False, help_text="an ops note the person never sees")
    submission_key = models.CharField(max_length=64, unique=True, null=True, blank=True)
    created_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=~Q(body=""),
                name="support_message_body_not_empty",
                violation_error_message="Write a message.",
            ),
            models.CheckConstraint(
                condition=Q(internal=False) | Q(author_kind="OPS"),
                name="support_message_internal_only_ops",
                violation_error_message="Only ops write internal notes.",
            ),
        ]
        indexes = [models.Index(fields=["request", "created_at"])]

    def __str__(self) -> str:
        return f"Message #{self.pk} on request #{self.request_id}"
