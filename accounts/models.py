from __future__ import annotations

import functools
from typing import Any

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser, BaseUserManager, PermissionsMixin
from django.contrib.sessions.base_session import AbstractBaseSession
from django.db import models
from django.db.models.functions import Lower
from django.utils import timezone
from django.utils.crypto import salted_hmac
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from accounts.phones import phone_display
from core.i18n import time_zone_validate

# Django's own salt: at generation 0 a session's hash is the one Django writes (no one is signed out
# by this code's release).
_SESSION_HASH_SALT = "django.contrib.auth.models.AbstractBaseUser.get_session_auth_hash"


@functools.lru_cache(maxsize=4096)
def _session_hash_of(value: str, secret: str) -> str:
    """The session hash of a password hash (and generation) under ``secret``: Django checks it on
    every signed-in request and it changes only with the password, the generation or the key, so
    each process computes it once per value (an HMAC less a request; docs/benchmarks.md, "brandsig")."""
    return salted_hmac(_SESSION_HASH_SALT, value, secret=secret, algorithm="sha256").hexdigest()


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

    email = models.EmailField(_("e-mail address"), unique=True, null=True, blank=True)
    display_name = models.CharField(_("display name"), max_length=150, blank=True)
    phone = models.CharField(
        _("phone number"),
        max_length=16,
        unique=True,
        null=True,
        blank=True,
        help_text=_("E.164, e.g. +491701234567; used for WhatsApp sign-in."),
    )
    phone_verified = models.BooleanField(_("phone verified"), default=False)
    is_staff = models.BooleanField(
        _("is staff"), default=False, help_text=_("Can sign in to the ops admin at /ops/.")
    )
    is_active = models.BooleanField(_("is active"), default=True)
    date_joined = models.DateTimeField(_("date joined"), default=timezone.now)
    language = models.CharField(
        _("language"),
        max_length=8,
        choices=settings.LANGUAGES,
        blank=True,
        help_text=_(
            "The language the person chose for pages and e-mails. Empty: not chosen "
            "(their browser's, docs/i18n.md)."
        ),
    )
    browser_language = models.CharField(
        _("browser's language"),
        max_length=8,
        choices=settings.LANGUAGES,
        blank=True,
        help_text=_(
            "The language their browser asked for when they last signed in (not a choice: "
            "e-mails use it while no language is chosen, docs/i18n.md)."
        ),
    )
    time_zone = models.CharField(
        _("time zone"),
        max_length=64,
        blank=True,
        validators=[time_zone_validate],
        help_text=_("The IANA time zone times are shown in, e.g. Europe/Rome. Empty: not chosen (UTC)."),
    )
    deleted_at = models.DateTimeField(
        _("deleted at"),
        null=True,
        blank=True,
        help_text=_(
            "When the person deleted their account: their personal data is erased, "
            "the row stays as the pseudonymous owner of their ledger accounts."
        ),
    )

    session_generation = models.PositiveIntegerField(
        _("session generation"),
        default=0,
        editable=False,
        help_text=_(
            "Raised to end every session of the person at once: a sign-out that could not remove "
            "the session's copy from the shared cache (accounts/sessions.py)."
        ),
    )

    objects = UserManager()

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS: list[str] = []

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")
        constraints = [
            models.UniqueConstraint(
                Lower("email"),
                name="accounts_user_email_ci_unique",
                violation_error_message=_("An account with this e-mail address already exists."),
            ),
            models.CheckConstraint(
                condition=models.Q(phone__isnull=True) | models.Q(phone__regex=r"^\+[1-9][0-9]{6,14}$"),
                name="accounts_user_phone_e164",
                violation_error_message=_(
                    "Enter the phone number in international format, starting with + and the country code."
                ),
            ),
        ]

    def __str__(self) -> str:
        if self.deleted_at is not None:
            return gettext("deleted person #%(id)s") % {"id": self.pk}
        return self.email or self.display_name or phone_display(self.phone) or f"user #{self.pk}"

    def get_full_name(self) -> str:
        return self.display_name or self.email or ""

    # What a session stores to prove it still belongs to the person (Django checks it on every
    # request): the password's hash as Django has it, and from the first ``session_generation`` on
    # that number too, so raising it ends every session, wherever a copy of it is kept.
    def get_session_auth_hash(self) -> str:
        return self._session_hash(secret=None)

    def get_session_auth_fallback_hash(self):
        for secret in settings.SECRET_KEY_FALLBACKS:
            yield self._session_hash(secret=secret)

    def _session_hash(self, *, secret: str | None) -> str:
        value = self.password if not self.session_generation else f"{self.password}:{self.session_generation}"
        return _session_hash_of(value, secret if secret is not None else settings.SECRET_KEY)

    def get_short_name(self) -> str:
        return self.get_full_name()


class Session(AbstractBaseSession):
    """A session (Django's ``AbstractBaseSession``: key, encoded data, expiry) with the id of the
    person signed in by it, so that a signed-in request reads its session and its person in one
    statement (``accounts.session_db``). Written by the session store from the session's own data
    (``SESSION_KEY``) on every save; empty for an anonymous session.

    Not a database constraint: a session is written during a request, and a constraint failing
    there would read to Django as a key already taken (it tries again, endlessly). A person who no
    longer exists signs nobody in, as with Django's table. Deleting a person deletes their sessions.
    """

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("user"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        db_constraint=False,
        related_name="+",
    )

    class Meta(AbstractBaseSession.Meta):
        pass
