"""Reads for the console and the brand page."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal

from django.db.models import QuerySet
from moneyed import Money

from accounts.models import User
from merchants.models import CONSENT_FLAGS, Consent, ConsentField, Merchant
from social.models import TikTokProfile
from wallets.models import Account, Entry, Purpose


def _available_accounts(merchant: Merchant) -> QuerySet[Account]:
    return Account.objects.owned_by(merchant).filter(purpose=Purpose.MERCHANT_AVAILABLE)


def wallet_balance(*, merchant: Merchant) -> Money:
    """The available balance in the merchant's currency (zero before the first top-up)."""
    value = (
        _available_accounts(merchant)
        .filter(currency=merchant.currency)
        .values_list("balance", flat=True)
        .first()
    )
    return Money(value or Decimal("0.00"), merchant.currency)


def wallet_history(*, merchant: Merchant) -> QuerySet[Entry]:
    """Every movement on the merchant's available accounts, newest first, with its reason."""
    return (
        Entry.objects.filter(account__in=_available_accounts(merchant))
        .select_related("transaction")
        .order_by("-id")
    )


def wallet_balances(*, merchant: Merchant) -> list[Money]:
    """The balance in the merchant's currency first, then any other currency it holds."""
    others = [
        account.balance_money
        for account in _available_accounts(merchant).exclude(currency=merchant.currency).order_by("currency")
    ]
    return [wallet_balance(merchant=merchant), *others]


# --- consent: what a merchant would receive, what it may receive, who shares with whom --------


@dataclass(frozen=True)
class SharedItem:
    key: str  # a ConsentField value
    label: str
    value: str


def _tiktok_handles(user_ids: list[int]) -> dict[int, str]:
    """``@username`` of each user whose TikTok is connected (not disconnected)."""
    rows = (
        TikTokProfile.objects.filter(user_id__in=user_ids, disconnected_at__isnull=True)
        .exclude(username="")
        .values_list("user_id", "username")
    )
    return {user_id: f"@{username}" for user_id, username in rows}


def _values(user: User, tiktok_handle: str) -> dict[str, str]:
    """Every field the person has a value for; PHONE only when verified."""
    values = {
        ConsentField.DISPLAY_NAME: user.display_name,
        ConsentField.TIKTOK_HANDLE: tiktok_handle,
        ConsentField.PHONE: user.phone if user.phone and user.phone_verified else "",
        ConsentField.EMAIL: user.email or "",
    }
    return {key: value for key, value in values.items() if value}


def consent_items_for(*, user: User) -> list[SharedItem]:
    """What a merchant receives when this person agrees: their name, TikTok handle and one contact.

    The contact is the verified phone number (WhatsApp sign-in) or, without one,
    the e-mail address. Fields the person has no value for are not listed.
    """
    values = _values(user, _tiktok_handles([user.pk]).get(user.pk, ""))
    if ConsentField.PHONE in values:
        values.pop(ConsentField.EMAIL, None)
    return [SharedItem(key, ConsentField(key).label, values[key]) for key in CONSENT_FLAGS if key in values]


def consent_active_get(*, user: User, merchant: Merchant) -> Consent | None:
    return Consent.objects.active().filter(user=user, merchant=merchant).first()


def consents_active_list(*, user: User) -> list[Consent]:
    """The person's active consents, brand by brand (what /me/ and the wallet list)."""
    return list(
        Consent.objects.active().filter(user=user).select_related("merchant").order_by("merchant__brand_name")
    )


@dataclass(frozen=True)
class ConsentedPerson:
    """One consumer as a merchant may see them: only the fields they agreed to share."""

    user_id: int
    given_at: datetime
    data: dict[str, str] = field(default_factory=dict)  # ConsentField value -> current value


def consented_data_for_merchant(*, merchant: Merchant) -> list[ConsentedPerson]:
    """The people with an active consent for ``merchant``, each with only the consented fields.

    Values are read now, so a changed phone number shows the new one; a field the
    person no longer has is left out. Withdrawn consents are never returned.
    """
    consents = list(
        Consent.objects.active().filter(merchant=merchant).select_related("user").order_by("given_at", "pk")
    )
    handles = _tiktok_handles([consent.user_id for consent in consents])
    people = []
    for consent in consents:
        values = _values(consent.user, handles.get(consent.user_id, ""))
        data = {key: values[key] for key in consent.fields if key in values}
        people.append(ConsentedPerson(user_id=consent.user_id, given_at=consent.given_at, data=data))
    return people
