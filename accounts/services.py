"""Writes on users."""

from __future__ import annotations

from datetime import datetime

from allauth.account.models import EmailAddress
from django.db import IntegrityError, transaction

from accounts.models import User


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
