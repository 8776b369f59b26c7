"""Writes on users and their consents."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import TYPE_CHECKING

from allauth.account.models import EmailAddress
from django.db import IntegrityError, transaction

from accounts.models import CONSENT_FLAGS, Consent, User

if TYPE_CHECKING:
    from merchants.models import Merchant


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


class ConsentError(Exception):
    """A consent could not be given or withdrawn; the message can be shown to the person."""


def consent_give(*, user: User, merchant: Merchant, fields: Sequence[str], now: datetime) -> Consent:
    """Record that ``user`` lets ``merchant`` receive ``fields`` (ConsentField values) from ``now``.

    Giving consent twice (a double click, two tabs) keeps the first active consent
    and returns it: the database allows one active consent per person and merchant.
    """
    chosen = set(fields)
    unknown = chosen - set(CONSENT_FLAGS)
    if unknown:
        raise ConsentError(f"Unknown data field: {', '.join(sorted(unknown))}.")
    if not chosen:
        raise ConsentError("There is nothing to share.")
    flags = {flag: field in chosen for field, flag in CONSENT_FLAGS.items()}
    try:
        with transaction.atomic():
            return Consent.objects.create(user=user, merchant=merchant, given_at=now, **flags)
    except IntegrityError:
        existing = Consent.objects.active().filter(user=user, merchant=merchant).first()
        if existing is None:  # pragma: no cover - only if withdrawn in between
            raise
        return existing


def consent_withdraw(*, user: User, merchant: Merchant, now: datetime) -> Consent:
    """Withdraw the person's active consent for ``merchant``; the row stays as history."""
    with transaction.atomic():
        consent = Consent.objects.active().select_for_update().filter(user=user, merchant=merchant).first()
        if consent is None:
            raise ConsentError(f"You are not sharing any data with {merchant.brand_name}.")
        consent.withdrawn_at = now
        consent.save(update_fields=["withdrawn_at"])
    return consent
