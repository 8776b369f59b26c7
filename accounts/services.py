"""Writes on users."""

from __future__ import annotations

from datetime import datetime

from allauth.account.models import EmailAddress
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils.translation import gettext as _

from accounts.models import User
from core.errors import DomainError
from core.i18n import is_time_zone, language_codes, supported_language


@transaction.atomic
def user_ensure_with_email(
    *,
    email: str,
    password: str,
    display_name: str = "",
    is_staff: bool = False,
    is_superuser: bool = False,
) -> tuple[User, bool]:
    """Return the user with this e-mail, creating it (verified, able to sign in) when missing.

    The password and flags are (re)set, so the credentials a caller prints are
    the ones that work. Returns ``(user, created)``.
    """
    email = email.strip().lower()
    user = User.objects.filter(email__iexact=email).first()
    created = user is None
    if user is None:
        try:
            with transaction.atomic():
                user = User.objects.create_user(email=email, password=password)
        except IntegrityError:  # created concurrently
            user = User.objects.get(email__iexact=email)
            created = False
    user.display_name = display_name or user.display_name
    user.is_staff = is_staff
    user.is_superuser = is_superuser
    user.is_active = True
    user.set_password(password)
    user.save(update_fields=["display_name", "is_staff", "is_superuser", "is_active", "password"])
    EmailAddress.objects.update_or_create(
        user=user, email=email, defaults={"verified": True, "primary": True}
    )
    return user, created


def user_sessions_end(*, user_id: int) -> None:
    """End every session of the person at once, wherever a copy of it is kept (the database, the
    shared cache): their ``session_generation`` goes up, so no session's stored hash matches any
    more (``User.get_session_auth_hash``) and Django signs each out on its next request.

    One ``UPDATE``: it joins the caller's transaction when there is one (a sign-out, a sign-in or a
    password change in progress), so it is not an outermost (durable) block of its own.
    """
    User.objects.filter(pk=user_id).update(session_generation=F("session_generation") + 1)


def user_erase(*, user: User, now: datetime) -> User:
    """Erase the person's own fields; the row stays, pseudonymous, to own their ledger accounts.

    Name, e-mail, phone and password go, the account is deactivated and marked deleted
    (``deleted_at``), and allauth's e-mail addresses (with their confirmations) are deleted.
    Called inside the deleting service's transaction (``privacy.services.account_delete``).
    """
    EmailAddress.objects.filter(user=user).delete()
    user.email = None
    user.phone = None
    user.phone_verified = False
    user.display_name = ""
    user.is_active = False
    user.is_staff = False
    user.is_superuser = False
    user.deleted_at = now
    user.set_unusable_password()
    user.save(
        update_fields=[
            "email",
            "phone",
            "phone_verified",
            "display_name",
            "is_active",
            "is_staff",
            "is_superuser",
            "deleted_at",
            "password",
        ]
    )
    return user


class LocaleChoiceInvalid(DomainError):
    """A language TikJoy doesn't ship, or a time zone that doesn't exist."""


def user_locale_set(*, user: User, language: str | None = None, time_zone: str | None = None) -> User:
    """Save the person's language and/or time zone (None: leave as is; "": back to not chosen)."""
    fields = []
    if language is not None:
        if language and language not in language_codes():
            raise LocaleChoiceInvalid(_("Choose one of the languages TikJoy speaks."))
        user.language = language
        fields.append("language")
    if time_zone is not None:
        if time_zone and not is_time_zone(time_zone):
            raise LocaleChoiceInvalid(_("Choose a time zone from the list, e.g. Europe/Rome."))
        user.time_zone = time_zone
        fields.append("time_zone")
    if fields:  # one UPDATE: nothing to keep atomic with it
        User.objects.filter(pk=user.pk).update(**{field: getattr(user, field) for field in fields})
    return user


def user_browser_language_record(*, user: User, language: str | None) -> User:
    """Remember the language the person's browser negotiated as they sign in (``User.browser_language``),
    for the e-mails written while they have chosen none (``core.i18n.language_for``). Never touches
    their choice (``User.language``); a language TikJoy doesn't ship, or none, changes nothing."""
    language = supported_language(language)
    if language and language != user.browser_language:
        user.browser_language = language
        User.objects.filter(pk=user.pk).update(browser_language=language)
    return user
