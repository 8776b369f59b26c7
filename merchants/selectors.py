"""Reads for the console and the brand page.

:func:`people_seen_by_merchant` (and :func:`person_seen_by_merchant`) is the one place
that decides what a merchant sees of a person: every console list, detail page,
export and later API or webhook payload that names a person goes through it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from itertools import islice

from django.db import connection
from django.db.models import Q, QuerySet, Subquery, Sum
from django.utils.crypto import salted_hmac
from django.utils.formats import date_format
from django.utils.translation import gettext, gettext_lazy
from moneyed import Money

from accounts.models import User
from accounts.people import phone_to_e164
from accounts.phones import phone_display
from core.admin import email_start
from core.db import bound_cursor
from merchants.models import CONSENT_FLAGS, BankTransfer, Consent, ConsentField, Merchant
from merchants.roles import Capability, Role, role_can
from social.models import TikTokProfile
from wallets.models import Account, Entry, Purpose, Transaction
from wallets.movements import subject_ids


def owners_with_email(merchant: Merchant) -> list[User]:
    """The merchant's owners who have an e-mail address, by address: a mail to the owners is one
    e-mail to each, built inside ``merchants.locale.member_locale`` (their language, else the
    merchant's)."""
    return list(
        User.objects.filter(memberships__merchant=merchant, memberships__role=Role.OWNER, email__isnull=False)
        .exclude(email="")
        .order_by("email")
    )


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
    """Every movement on the merchant's available accounts, newest first (by when it happened, the id
    breaking ties), with its reason.

    The account ids are read first: ``account_id = <id>`` lets PostgreSQL walk the index
    ``(account, -created_at, -id)`` newest first and stop at the page, where ``IN (subquery)`` had
    it walk every entry of the ledger newest first looking for the merchant's. The time is the
    entry's copy of its transaction's (ordering by the joined transaction's would sort every line
    of the wallet for each page)."""
    accounts = list(_available_accounts(merchant).values_list("pk", flat=True))
    return (
        Entry.objects.filter(account_id__in=accounts)
        .select_related("transaction")
        .order_by("-created_at", "-id")
    )


# The merchant's wallet history in words. The ledger's kinds are written by several apps (top-ups
# here, rewards, chats, Promote, affiliates, payouts and credit notes above); they are stored
# strings, so they are named here as such (rewards/tests/test_console_reports.py checks every kind
# that moves a merchant's funds has words). A transaction's ``reason`` is recorded in English, as
# data: what a line says under its words is written at display time, in the reader's language, by
# the app that owns the transaction's subject (``wallet_details_register``).
WALLET_WORDS = {
    "TOP_UP": gettext_lazy("Bank transfer received"),
    "TOP_UP_REVERSAL": gettext_lazy("Bank transfer taken back (recorded by mistake)"),
    "REWARD": gettext_lazy("Reward paid to a consumer"),
    "REWARD_HOLD": gettext_lazy("Reward set aside while it is reviewed"),
    "REWARD_REVERSAL": gettext_lazy("Reward reversed: the money is back in your wallet"),
    "FEE_CREDIT": gettext_lazy("Fees refunded (credit note)"),
    "CHAT_MESSAGE": gettext_lazy("WhatsApp message to a consumer"),
    "CHAT_REFUND": gettext_lazy("WhatsApp message not delivered: refunded"),
    "PROMOTE_COIN_PURCHASE": gettext_lazy("Promote coins bought"),
    "PROMOTE_COIN_WITHDRAWAL": gettext_lazy("Promote coins given back"),
    "AFFILIATE_TRACK": gettext_lazy("Affiliate commission"),
    "AFFILIATE_REVERSE": gettext_lazy("Affiliate commission reversed: the money is back in your wallet"),
    "AFFILIATE_ADJUST": gettext_lazy("Affiliate commission adjusted"),
    "PAYOUT_REQUEST": gettext_lazy("Refund of the balance to your bank account"),
    "PAYOUT_RELEASE": gettext_lazy("Refund cancelled: the money is back in your wallet"),
    "PAYOUT_RETURN": gettext_lazy("Refund returned by the bank: the money is back in your wallet"),
}

# kind -> a function that, given transactions of that kind, says each one's detail in the active
# language: ``{transaction id: text}`` (a few queries for a whole page, never one a line).
WalletDetails = Callable[[Sequence[Transaction]], dict[int, str]]
_WALLET_DETAILS: dict[str, WalletDetails] = {}


def wallet_details_register(*, kinds: Iterable[str], describe: WalletDetails) -> None:
    """An app says in words the wallet lines it writes (from its ``console.py``, read at startup)."""
    for kind in kinds:
        _WALLET_DETAILS[kind] = describe


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


def _details(transactions: Sequence[Transaction]) -> dict[int, str]:
    by_describer: dict[WalletDetails, list[Transaction]] = {}
    for txn in transactions:
        describe = _WALLET_DETAILS.get(txn.kind)
        if describe is not None:
            by_describer.setdefault(describe, []).append(txn)
    details: dict[int, str] = {}
    for describe, some in by_describer.items():
        details.update(describe(some))
    return details


def wallet_lines(entries: Iterable[Entry], *, batch: int = 500) -> Iterator[WalletLine]:
    """Lines of ``wallet_history`` (entries with their transaction) as the merchant reads them: the
    detail in the reader's language from the transaction's subject; the recorded English reason
    only for a kind no app describes."""
    entries = iter(entries)
    while chunk := list(islice(entries, batch)):
        details = _details([entry.transaction for entry in chunk])
        for entry in chunk:
            txn = entry.transaction
            yield WalletLine(
                at=txn.created_at,
                what=wallet_words(txn.kind, entry.amount),
                detail=details.get(txn.pk, "" if txn.kind in _WALLET_DETAILS else txn.reason),
                money=entry.money,
            )


def _top_up_details(transactions: Sequence[Transaction]) -> dict[int, str]:
    rows = subject_ids(transactions, BankTransfer)
    details = {}
    for record in BankTransfer.objects.filter(pk__in=rows):
        for txn in rows[record.pk]:
            if txn.kind == "TOP_UP_REVERSAL":
                details[txn.pk] = gettext("Reference %(reference)s: %(reason)s") % {
                    "reference": record.bank_reference,
                    "reason": record.reversal_reason,  # typed by ops, shown as written
                }
            else:
                details[txn.pk] = gettext("Reference %(reference)s, value date %(date)s") % {
                    "reference": record.bank_reference,
                    "date": date_format(record.value_date, "SHORT_DATE_FORMAT"),
                }
    return details


wallet_details_register(kinds=["TOP_UP", "TOP_UP_REVERSAL"], describe=_top_up_details)


def top_up_balance_after(*, transfer) -> Money | None:
    """The wallet's balance just after ``transfer`` (a BankTransfer) was credited (``None``: not yet)."""
    if transfer.ledger_transaction_id is None:
        return None
    entry = Entry.objects.filter(
        transaction_id=transfer.ledger_transaction_id,
        account__in=_available_accounts(transfer.merchant).filter(currency=transfer.currency),
    ).first()
    if entry is None:
        return None
    # In the ledger's time order, as the statements count a balance (billing.selectors): what was
    # posted before the top-up's moment, and at that same moment up to the top-up itself.
    # (Entry.created_at is the transaction's time, copied: one index walk of the account.)
    moment = entry.created_at
    total = Entry.objects.filter(
        Q(created_at__lt=moment) | Q(created_at=moment, id__lte=entry.id),
        account_id=entry.account_id,
    ).aggregate(total=Sum("amount"))
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
    if not user_ids:  # as the ORM: no query for nobody
        return {}
    if connection.vendor == "postgresql":  # every join's consent page asks: a fixed statement
        with bound_cursor() as cursor:
            cursor.execute(_TIKTOK_HANDLES_SQL, [list(user_ids)])
            rows = cursor.fetchall()
    else:
        rows = (
            TikTokProfile.objects.filter(user_id__in=user_ids, disconnected_at__isnull=True)
            .exclude(username="")
            .values_list("user_id", "username")
        )
    return {user_id: f"@{username}" for user_id, username in rows}


_TIKTOK_HANDLES_SQL = (
    f"SELECT user_id, username FROM {TikTokProfile._meta.db_table} "  # noqa: S608 - names from the model
    "WHERE user_id = ANY(%s) AND disconnected_at IS NULL AND username <> ''"
)


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
    consent_id: int = 0


def consented_data_for_merchant(
    *, merchant: Merchant, after_consent_id: int | None = None, limit: int | None = None
) -> list[ConsentedPerson]:
    """The people with an active consent for ``merchant``, each with only the consented fields.

    Values are read now, so a changed phone number shows the new one; a field the
    person no longer has is left out. Withdrawn consents are never returned.
    With ``limit`` (a page of the API's list): at most ``limit`` people in the order of their
    consents, those after the consent ``after_consent_id`` (the rest are never read; the index
    ``consent_active_by_merchant``). A page names no person's own id: the API's cursor
    is the consent's.
    """
    queryset = Consent.objects.active().filter(merchant=merchant).select_related("user")
    if limit is None and after_consent_id is None:
        consents = list(queryset.order_by("given_at", "pk"))
    else:
        # In two steps: the page's consents on their own (in consent order), then with their people.
        page = queryset.order_by("pk")
        if after_consent_id is not None:
            page = page.filter(pk__gt=after_consent_id)
        ids = list(page.values_list("pk", flat=True)[:limit])
        consents = list(queryset.filter(pk__in=ids).order_by("pk"))
    handles = _tiktok_handles([consent.user_id for consent in consents])
    people = []
    for consent in consents:
        values = _values(consent.user, handles.get(consent.user_id, ""))
        data = {key: values[key] for key in consent.fields if key in values}
        people.append(
            ConsentedPerson(
                user_id=consent.user_id, given_at=consent.given_at, data=data, consent_id=consent.pk
            )
        )
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

    @property
    def shown(self) -> dict[str, str]:
        """``shared`` as a page shows it: the phone number grouped (``+49 1511 2340007``); files and
        the API keep the stored E.164."""
        return {
            key: phone_display(value) if key == ConsentField.PHONE else value
            for key, value in self.shared.items()
        }


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


# --- finding a consenting person (the console's pickers) ---------------------------------------

# A person is found only by what they agreed to share with the merchant, each way on an index:
# a part of the shared name (the trigram index ``accounts_user_display_name_trgm``), the start of
# the shared TikTok handle (``social_tiktokprofile_username_upper``), the start of the shared
# e-mail address (the ``_like`` index of the unique e-mail), the whole shared verified phone
# number (its unique index); then the merchant's active consents of those people.
PEOPLE_SEARCH_LIMIT = 20
_HANDLE = frozenset("abcdefghijklmnopqrstuvwxyz0123456789._")
_MAX_ID = 2**63 - 1


@dataclass(frozen=True)
class PeopleFound:
    people: list[PersonSeen]
    more: bool  # a way found ``limit`` people: there may be others, a longer term narrows it


def _active_consents_of(merchant_id: int) -> QuerySet[Consent]:
    return Consent.objects.active().filter(merchant_id=merchant_id, user__deleted_at__isnull=True)


def _handle_start(term: str) -> str | None:
    text = term.strip().lower()
    handle = text.removeprefix("@")
    if not handle or len(handle) > 64 or not set(handle) <= _HANDLE:
        return None
    if text.startswith("@") or len(handle) >= 2:
        return handle
    return None


def _phone(term: str) -> str | None:
    text = term.strip()
    if not text.startswith("+") or sum(ch.isdigit() for ch in text) < 7 or len(text) > 32:
        return None
    try:
        return phone_to_e164(text)
    except ValueError:
        return None


def _name_part(term: str) -> str | None:
    text = " ".join(term.split())
    if len(text) < 3 or len(text) > 150 or text.startswith("@") or text.startswith("+"):
        return None
    return text


def consenting_people_search(
    *, merchant: Merchant | int, term: str, limit: int = PEOPLE_SEARCH_LIMIT
) -> PeopleFound:
    """The people with an active consent for ``merchant`` whom ``term`` finds in what they agreed
    to share with it (never in a field they did not share, never someone who withdrew), each as
    the merchant may see them, by label; with an empty term the newest consents.

    At most ``limit`` people a way (name, handle, e-mail, phone), each way one query on an index,
    then three for the labels (``people_seen_by_merchant``): a merchant with 200,000 consumers is
    searched as fast as one with ten.
    """
    merchant_id = merchant if isinstance(merchant, int) else merchant.pk
    term = term.replace("\x00", "").strip()
    consents = _active_consents_of(merchant_id)
    if not term:
        ways = [consents.order_by("-pk")]
    else:
        ways = []
        name = _name_part(term)
        if name is not None:
            ways.append(
                consents.filter(shares_display_name=True, user__display_name__icontains=name).order_by(
                    "user__display_name", "user_id"
                )
            )
        handle = _handle_start(term)
        if handle is not None:
            profiles = TikTokProfile.objects.filter(
                disconnected_at__isnull=True, username__istartswith=handle
            ).values("user_id")
            ways.append(consents.filter(shares_tiktok_handle=True, user_id__in=profiles).order_by("user_id"))
        email = email_start(term)
        if email is not None and len(email) <= 254:
            ways.append(consents.filter(shares_email=True, user__email__startswith=email).order_by("user_id"))
        phone = _phone(term)
        if phone is not None:
            ways.append(consents.filter(shares_phone=True, user__phone=phone, user__phone_verified=True))
    found: dict[int, None] = {}
    more = False
    for way in ways:
        ids = list(way.values_list("user_id", flat=True)[:limit])
        more = more or len(ids) == limit
        found.update(dict.fromkeys(ids))
    seen = people_seen_by_merchant(merchant=merchant_id, user_ids=found)
    people = sorted(
        (seen[user_id] for user_id in found if user_id in seen),
        key=lambda person: (person.label.lower(), person.user_id),
    )
    return PeopleFound(people=people[:limit], more=more or len(people) > limit)


def consenting_person_get(*, merchant: Merchant | int, user_id: int) -> PersonSeen | None:
    """The person ``user_id`` as ``merchant`` sees them if their consent to it is active, else None."""
    merchant_id = merchant if isinstance(merchant, int) else merchant.pk
    if not 0 < user_id <= _MAX_ID:
        return None
    consent = _active_consents_of(merchant_id).filter(user_id=user_id).select_related("user").first()
    if consent is None:
        return None
    return person_seen(
        user=consent.user,
        merchant_id=merchant_id,
        consent=consent,
        tiktok_handle=_tiktok_handles([user_id]).get(user_id, ""),
    )


def member_working_keys(*, membership, now: datetime) -> int:
    """How many of the merchant's secret API keys this member made that work now because of their role:
    a secret key works only while its creator may make keys (``api.services.key_creator_may_make``),
    so they stop when the member leaves that role or the team. Read through the merchant's reverse
    relation (the keys belong to the API, above this app); 0 for a role that can't make keys."""
    if not role_can(membership.role, Capability.MANAGE_API):
        return 0
    return (
        membership.merchant.api_keys.filter(
            created_by_id=membership.user_id, kind="SECRET", revoked_at__isnull=True
        )
        .filter(Q(expires_at__isnull=True) | Q(expires_at__gt=now))
        .count()
    )
