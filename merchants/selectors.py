"""Reads for the console and the brand page.

:func:`people_seen_by_merchant` (and :func:`person_seen_by_merchant`) is the one place
that decides what a merchant sees of a person: every console list, detail page,
export and later API or webhook payload that names a person goes through it.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal

from django.db.models import QuerySet, Subquery, Sum
from django.utils.crypto import salted_hmac
from django.utils.translation import gettext, gettext_lazy
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


def wallet_balance_expression(*, merchant: Merchant) -> Subquery:
    """``wallet_balance``'s amount (``NULL`` before the first top-up) as a scalar subquery, for the
    dashboard to read with the other panels' figures."""
    return Subquery(_available_accounts(merchant).filter(currency=merchant.currency).values("balance")[:1])


def wallet_history(*, merchant: Merchant) -> QuerySet[Entry]:
    """Every movement on the merchant's available accounts, newest first, with its reason.

    The account ids are read first: ``account_id = <id>`` lets PostgreSQL walk the index
    ``(account, -id)`` newest first and stop at the page, where ``IN (subquery)`` had it walk every
    entry of the ledger newest first looking for the merchant's."""
    accounts = list(_available_accounts(merchant).values_list("pk", flat=True))
    return Entry.objects.filter(account_id__in=accounts).select_related("transaction").order_by("-id")


# The merchant's wallet history in words. The ledger's kinds are written by several apps (top-ups
# here, rewards and credit notes above); they are stored strings, so they are named here as such
# (rewards/tests/test_console_reports.py checks every kind that moves a merchant's funds has words).
WALLET_WORDS = {
    "TOP_UP": gettext_lazy("Bank transfer received"),
    "TOP_UP_REVERSAL": gettext_lazy("Bank transfer taken back (recorded by mistake)"),
    "REWARD": gettext_lazy("Reward paid to a consumer"),
    "REWARD_HOLD": gettext_lazy("Reward set aside while it is reviewed"),
    "REWARD_REVERSAL": gettext_lazy("Reward reversed: the money is back in your wallet"),
    "FEE_CREDIT": gettext_lazy("Fees refunded (credit note)"),
    "CHAT_MESSAGE": gettext_lazy("WhatsApp message to a consumer"),
    "CHAT_REFUND": gettext_lazy("WhatsApp message not delivered: refunded"),
}


def wallet_words(kind: str, amount: Decimal) -> str:
    """What a movement of the merchant's wallet was, in words (never the ledger's code)."""
    if kind in WALLET_WORDS:
        return str(WALLET_WORDS[kind])
    return gettext("Money added") if amount > 0 else gettext("Money taken")


@dataclass(frozen=True)
class WalletLine:
    at: datetime
    what: str
    detail: str
    money: Money


def wallet_lines(entries: Iterable[Entry]) -> Iterable[WalletLine]:
    """Lines of ``wallet_history`` (entries with their transaction) as the merchant reads them."""
    for entry in entries:
        yield WalletLine(
            at=entry.transaction.created_at,
            what=wallet_words(entry.transaction.kind, entry.amount),
            detail=entry.transaction.reason,
            money=entry.money,
        )


def top_up_balance_after(*, transfer) -> Money | None:
    """The wallet's balance just after ``transfer`` (a BankTransfer) was credited (``None``: not yet)."""
    if transfer.ledger_transaction_id is None:
        return None
    entry = (
        Entry.objects.filter(
            transaction_id=transfer.ledger_transaction_id,
            account__in=_available_accounts(transfer.merchant).filter(currency=transfer.currency),
        )
        .select_related("account")
        .first()
    )
    if entry is None:
        return None
    total = Entry.objects.filter(account_id=entry.account_id, id__lte=entry.id).aggregate(total=Sum("amount"))
    return Money(total["total"] or Decimal("0.00"), transfer.currency)


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


def consented_data_for_merchant(
    *, merchant: Merchant, after_user_id: int | None = None, limit: int | None = None
) -> list[ConsentedPerson]:
    """The people with an active consent for ``merchant``, each with only the consented fields.

    Values are read now, so a changed phone number shows the new one; a field the
    person no longer has is left out. Withdrawn consents are never returned.
    With ``limit`` (a page of the API's list): at most ``limit`` people by person id, those after
    ``after_user_id`` (the rest are never read).
    """
    queryset = Consent.objects.active().filter(merchant=merchant).select_related("user")
    if limit is None and after_user_id is None:
        consents = list(queryset.order_by("given_at", "pk"))
    else:
        # In two steps: the page's consents on their own (in person-id order), then with their
        # people; joined in one, PostgreSQL walked every person before the cursor.
        page = queryset.order_by("user_id")
        if after_user_id is not None:
            page = page.filter(user_id__gt=after_user_id)
        ids = list(page.values_list("pk", flat=True)[:limit])
        consents = list(queryset.filter(pk__in=ids).order_by("user_id"))
    handles = _tiktok_handles([consent.user_id for consent in consents])
    people = []
    for consent in consents:
        values = _values(consent.user, handles.get(consent.user_id, ""))
        data = {key: values[key] for key in consent.fields if key in values}
        people.append(ConsentedPerson(user_id=consent.user_id, given_at=consent.given_at, data=data))
    return people


# --- what a merchant may see of a person ------------------------------------------------------


@dataclass(frozen=True)
class PersonSeen:
    """A person as one merchant may see them: the fields they agreed to share, and a label.

    ``label`` is the name they shared (else their shared TikTok handle); without
    either it is a neutral pseudonym, the same on every page of that merchant and
    different for every merchant (so two brands can't match people by it).
    """

    user_id: int
    label: str
    shared: dict[str, str] = field(default_factory=dict)  # ConsentField value -> current value


DELETED_PERSON_LABEL = gettext_lazy("deleted person")


def neutral_label(*, merchant_id: int, user_id: int) -> str:
    digest = salted_hmac("tikjoy.person-seen-by-merchant", f"{merchant_id}:{user_id}").hexdigest()
    return gettext("Consumer %(code)s") % {"code": f"{digest[:4].upper()}-{digest[4:8].upper()}"}


def person_seen(*, user: User, merchant_id: int, consent: Consent | None, tiktok_handle: str) -> PersonSeen:
    """THE rule: only fields under an active consent, read now; otherwise a neutral label.

    A person who deleted their account is "deleted person", with nothing shared.
    """
    if user.deleted_at is not None:
        return PersonSeen(user_id=user.pk, label=str(DELETED_PERSON_LABEL), shared={})
    shared: dict[str, str] = {}
    if consent is not None and consent.withdrawn_at is None and consent.merchant_id == merchant_id:
        values = _values(user, tiktok_handle)
        shared = {key: values[key] for key in consent.fields if key in values}
    label = (
        shared.get(ConsentField.DISPLAY_NAME)
        or shared.get(ConsentField.TIKTOK_HANDLE)
        or neutral_label(merchant_id=merchant_id, user_id=user.pk)
    )
    return PersonSeen(user_id=user.pk, label=label, shared=shared)


def people_seen_by_merchant(*, merchant: Merchant | int, user_ids: Iterable[int]) -> dict[int, PersonSeen]:
    """Each person as ``merchant`` may see them (three queries, whatever the number of people)."""
    merchant_id = merchant if isinstance(merchant, int) else merchant.pk
    ids = sorted(set(user_ids))
    if not ids:
        return {}
    users = User.objects.in_bulk(ids)
    consents = {
        consent.user_id: consent
        for consent in Consent.objects.active().filter(merchant_id=merchant_id, user_id__in=ids)
    }
    handles = _tiktok_handles([user_id for user_id in ids if user_id in consents])
    return {
        user_id: person_seen(
            user=user,
            merchant_id=merchant_id,
            consent=consents.get(user_id),
            tiktok_handle=handles.get(user_id, ""),
        )
        for user_id, user in users.items()
    }


def person_seen_by_merchant(*, user: User, merchant: Merchant | int) -> PersonSeen:
    return people_seen_by_merchant(merchant=merchant, user_ids=[user.pk])[user.pk]
