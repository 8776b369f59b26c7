from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser, BaseUserManager, PermissionsMixin
from django.db import models
from django.db.models.functions import Lower
from django.utils import timezone


class UserManager(BaseUserManager["User"]):
    use_in_migrations = True

    def _create_user(self, email: str | None, password: str | None, **extra: Any) -> User:
        email = self.normalize_email(email).lower() if email else None
        user = self.model(email=email, **extra)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_user(self, email: str | None = None, password: str | None = None, **extra: Any) -> User:
        extra.setdefault("is_staff", False)
        extra.setdefault("is_superuser", False)
        return self._create_user(email, password, **extra)

    def create_superuser(self, email: str, password: str | None = None, **extra: Any) -> User:
        extra["is_staff"] = True
        extra["is_superuser"] = True
        if not email:
            raise ValueError("A superuser needs an e-mail address.")
        return self._create_user(email, password, **extra)


class User(AbstractBaseUser, PermissionsMixin):
    """A person: merchant team member, ops staff, consumer or affiliate.

    Consumers who arrive through TikTok or WhatsApp may have no e-mail address,
    so ``email`` is optional but unique (case-insensitively) when present.
    """

    email = models.EmailField("e-mail address", unique=True, null=True, blank=True)
    display_name = models.CharField(max_length=150, blank=True)
    phone = models.CharField(
        "phone number",
        max_length=16,
        unique=True,
        null=True,
        blank=True,
        help_text="E.164, e.g. +491701234567; used for WhatsApp sign-in.",
    )
    phone_verified = models.BooleanField(default=False)
    is_staff = models.BooleanField(default=False, help_text="Can sign in to the ops admin at /ops/.")
    is_active = models.BooleanField(default=True)
    date_joined = models.DateTimeField(default=timezone.now)

    objects = UserManager()

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS: list[str] = []

    class Meta:
        verbose_name = "user"
        verbose_name_plural = "users"
        constraints = [
            models.UniqueConstraint(Lower("email"), name="accounts_user_email_ci_unique"),
            models.CheckConstraint(
                condition=models.Q(phone__isnull=True) | models.Q(phone__regex=r"^\+[1-9][0-9]{6,14}$"),
                name="accounts_user_phone_e164",
            ),
        ]

    def __str__(self) -> str:
        return self.email or self.display_name or self.phone or f"user #{self.pk}"

    def get_full_name(self) -> str:
        return self.display_name or self.email or ""

    def get_short_name(self) -> str:
        return self.get_full_name()


class ConsentField(models.TextChoices):
    """A piece of a consumer's data that a merchant may receive."""

    DISPLAY_NAME = "DISPLAY_NAME", "Name"
    TIKTOK_HANDLE = "TIKTOK_HANDLE", "TikTok handle"
    PHONE = "PHONE", "Phone number"
    EMAIL = "EMAIL", "E-mail address"


# The Consent column that records each field, in the order the consent page lists them.
CONSENT_FLAGS: dict[str, str] = {
    ConsentField.DISPLAY_NAME: "shares_display_name",
    ConsentField.TIKTOK_HANDLE: "shares_tiktok_handle",
    ConsentField.PHONE: "shares_phone",
    ConsentField.EMAIL: "shares_email",
}


class ConsentQuerySet(models.QuerySet):
    def active(self) -> ConsentQuerySet:
        return self.filter(withdrawn_at__isnull=True)


class Consent(models.Model):
    """A consumer agreed that a merchant receives these fields of their data, from ``given_at``.

    One flag per field, exactly the fields the consent page showed. Withdrawing
    sets ``withdrawn_at`` and keeps the row as history; the database allows at
    most one active (not withdrawn) consent per person and merchant.
    """

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="consents")
    merchant = models.ForeignKey("merchants.Merchant", on_delete=models.CASCADE, related_name="consents")
    shares_display_name = models.BooleanField(default=False)
    shares_tiktok_handle = models.BooleanField(default=False)
    shares_phone = models.BooleanField(default=False)
    shares_email = models.BooleanField(default=False)
    given_at = models.DateTimeField()
    withdrawn_at = models.DateTimeField(null=True, blank=True)

    objects = ConsentQuerySet.as_manager()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["user", "merchant"],
                condition=models.Q(withdrawn_at__isnull=True),
                name="accounts_consent_one_active_per_merchant",
            ),
            models.CheckConstraint(
                condition=models.Q(shares_display_name=True)
                | models.Q(shares_tiktok_handle=True)
                | models.Q(shares_phone=True)
                | models.Q(shares_email=True),
                name="accounts_consent_shares_something",
            ),
            models.CheckConstraint(
                condition=models.Q(withdrawn_at__isnull=True)
                | models.Q(withdrawn_at__gte=models.F("given_at")),
                name="accounts_consent_withdrawn_after_given",
            ),
        ]

    def __str__(self) -> str:
        state = "withdrawn" if self.withdrawn_at else "active"
        return f"{self.user} → {self.merchant} ({state})"

    @property
    def fields(self) -> list[str]:
        """The shared fields, as ConsentField values, in display order."""
        return [field for field, flag in CONSENT_FLAGS.items() if getattr(self, flag)]

    @property
    def field_labels(self) -> list[str]:
        return [ConsentField(field).label for field in self.fields]
