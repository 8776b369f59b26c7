"""Writes on users."""

from __future__ import annotations

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
