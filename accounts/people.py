"""Who a person is to TikJoy, from the User alone (no other app): consumer or not, their home page."""

from __future__ import annotations

import phonenumbers
from django.conf import settings
from django.contrib.auth.base_user import AbstractBaseUser
from django.urls import Resolver404, resolve, reverse


def phone_to_e164(raw: str, *, region: str | None = None) -> str:
    """Parse and validate a phone number; return it as E.164 or raise ValueError."""
    try:
        number = phonenumbers.parse(raw, region)
    except phonenumbers.NumberParseException as exc:
        raise ValueError(str(exc)) from exc
    if not phonenumbers.is_valid_number(number):
        raise ValueError("not a valid phone number")
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def is_consumer(user: AbstractBaseUser, *, member: bool | None = None, acted: bool | None = None) -> bool:
    """The one rule for "is this person a consumer" (navigation, where sign-in lands, e-mail checks).

    Staff and members of a merchant's team never are. Anyone else is a consumer when they
    sign in with TikTok or WhatsApp (no password, or a phone number) or have earned on a
    brand page. Everyone else signed up with e-mail and password to run a merchant. The
    team and the earnings are read through the User's reverse relations, so this app
    imports no other. A page that read them already with its other facts about the person
    passes them (``member``: on a merchant's team; ``acted``: has a social action), saving
    their queries.
    """
    if not user.is_authenticated or user.is_staff:
        return False
    if user.memberships.exists() if member is None else member:
        return False
    if not user.has_usable_password() or user.phone:
        return True
    return user.social_actions.exists() if acted is None else acted


def is_team_member(user: AbstractBaseUser, *, member: bool | None = None) -> bool:
    """Whether the person is on a merchant's team: the one who can use the console, so the only one
    the menu offers it to. ``member`` as ``is_consumer`` takes it."""
    if not user.is_authenticated:
        return False
    return user.memberships.exists() if member is None else member


def is_affiliate(user: AbstractBaseUser) -> bool:
    """Whether the person applied to an affiliate program (any status): their programs' pages are
    where their links and commissions are. Read through the User's reverse relation, as
    ``is_consumer`` does."""
    return user.is_authenticated and user.affiliations.exists()


def team_home_url(user: AbstractBaseUser) -> str | None:
    """Where a member of a merchant's team lands after signing in: the merchant console (its
    dashboard), where their work is; None for anyone else. Read through the User's reverse relation,
    as ``is_consumer`` does."""
    if user.is_authenticated and not user.is_staff and user.memberships.exists():
        return reverse("console:index")
    return None


def consumer_home_url() -> str:
    """CONSUMER_HOME_URL (the wallet), or the connected-accounts page until that page exists."""
    url = settings.CONSUMER_HOME_URL
    try:
        resolve(url.split("?", 1)[0])
    except Resolver404:
        return reverse("social:me")
    return url
