"""Every write of the payouts app.

Ledger postings (kind, from -> to), all per owner except the bank:

- ``PAYOUT_REQUEST``  user:available -> payout:pending (the reserve)
- ``PAYOUT_EXPORT``   payout:pending -> payout:in_transit (the file is released)
- ``PAYOUT_PAID``     payout:in_transit -> platform:bank (the money left the bank)
- ``PAYOUT_RELEASE``  payout:pending or payout:in_transit -> user:available (cancelled or rejected)
- ``PAYOUT_RETURN``   platform:bank -> user:available (paid, then returned by the payee's bank)

For a merchant payee (a closing merchant's refund, ``merchant_refund_reserve``) the same
postings use ``merchant:available`` where a person's use ``user:available``.

Locks are taken in one order: payout rows by primary key, then the ledger's
accounts by primary key (inside ``wallets.services.post``/``post_many``).
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import re
import secrets
import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Q, Sum
from django.utils import translation
from django.utils.translation import gettext, gettext_lazy, ngettext
from django.utils.translation import gettext as _
from moneyed import Money
from schwifty import IBAN
from schwifty.exceptions import (
    InvalidBBANChecksum,
    InvalidChecksumDigits,
    InvalidCountryCode,
    InvalidLength,
    InvalidStructure,
    SchwiftyException,
)

from accounts.models import User
from core.birth_dates import age_on, birth_date_is_real, birth_date_unreal_text
from core.errors import DomainError
from core.hardening import without_bidi_controls
from core.i18n import (
    LaterText,
    language_for,
    moment_text,
    person_or_active_language,
    recipient_locale,
    utc_text,
)
from core.postcodes import POSTCODE_ERROR, postcode_is_valid, postcode_normal
from core.tasks import after_commit, mail_after_commit, mail_each_after_commit
from merchants.locale import member_locale, person_language
from merchants.models import Merchant, Role
from payouts import event_reasons, sepa
from payouts.bankfiles import BankFileError, ParsedFile, ParsedLine, parse_bank_file
from payouts.countries import sepa_country
from payouts.epc import epc_name, epc_remittance
from payouts.import_summary import (
    ACCEPTED,
    AMOUNT_DIFFERS,
    NO_PAYOUT,
    PAID,
    REJECTED,
    RETURNED,
    left_outcome,
    status_outcome,
    summary_text,
)
from payouts.models import (
    IN_FLIGHT_STATES,
    MERCHANT_PAYEE,
    OPEN_STATES,
    BankAccount,
    BankDetailsChallenge,
    BankFile,
    BankFileKind,
    BankLine,
    BatchState,
    CodeChannel,
    Escalation,
    IdentityStatus,
    PayeeIdentity,
    Payout,
    PayoutBatch,
    PayoutEvent,
    PayoutState,
)
from payouts.paid_out import paid_out_tell
from payouts.reasons import Action, reason_for
from rewards.models import Ban
from social.whatsapp import WhatsAppSendError, whatsapp_code_send
from wallets.debts import debts_of
from wallets.formats import money_text
from wallets.forms import amount_text
from wallets.models import PLATFORM, Account, Purpose, owner_key
from wallets.money import is_at_precision
from wallets.services import (
    InsufficientFunds,
    Posting,
    account_for,
    accounts_for,
    balance,
    post_many,
    transfer,
)
from wallets.withdrawals import PAYOUT_CURRENCY, payout_minimum

logger = logging.getLogger(__name__)


def available_purpose(owner_type: str) -> Purpose:
    """Where an owner's payout comes from and goes back to: a merchant's prepaid funds, else a
    person's available balance."""
    return Purpose.MERCHANT_AVAILABLE if owner_type == MERCHANT_PAYEE else Purpose.USER_AVAILABLE


class PayoutError(DomainError):
    """A payout, bank-details or batch operation that can't be done; the message is for the person."""


# An amount above the person's available balance, whatever its size (the form says the same of an
# amount too long to be one: it is above every balance too).
OVER_BALANCE = gettext_lazy("That is more than your available balance.")


class BankDetailsError(PayoutError):
    pass


class BankDetailsAlreadySaved(BankDetailsError):
    """The details given are the owner's current ones (``_already_saved``): nothing is replaced, no
    code is sent, no hold starts again, nobody is told of a change. ``str()`` says so
    (``already_saved_text``)."""

    def __init__(self, *, account: BankAccount, now: datetime):
        self.account = account
        super().__init__(already_saved_text(account=account, now=now))


def already_saved_text(*, account: BankAccount, now: datetime) -> str:
    """What a person, a merchant's owner or an operator reads when the details they gave are the saved
    ones: in the active language and time zone, with the hold's end while it runs."""
    words = {
        "iban": account.iban_masked,
        "when": moment_text(account.payouts_hold_until, "SHORT_DATETIME_FORMAT"),
    }
    if account.payouts_hold_until <= now:
        return _("These bank details were already saved: %(iban)s. Nothing changed.") % words
    if account.owner_type == MERCHANT_PAYEE:
        return (
            _(
                "These bank details were already saved: %(iban)s. Nothing changed: a refund to them "
                "can still be sent from %(when)s."
            )
            % words
        )
    return (
        _(
            "These bank details were already saved: %(iban)s. Nothing changed: payouts to them "
            "can still start after %(when)s."
        )
        % words
    )


class IdentityError(PayoutError):
    pass


class BatchError(PayoutError):
    pass


class BankFileRejected(PayoutError):
    pass


# ---------------------------------------------------------------------------
# Bank details
# ---------------------------------------------------------------------------


@dataclass(frozen=True)
class BankDetails:
    holder_name: str
    street: str
    building_number: str
    postcode: str
    town: str
    country: str
    iban: str
    bic: str
    bank_name: str
    sepa_eea: bool

    def as_json(self) -> dict:
        return dict(self.__dict__)


def iban_hash(iban: str) -> str:
    """A keyed hash of the compact IBAN: finds the same IBAN behind several people without exposing it."""
    key = settings.PAYOUTS_IBAN_HASH_KEY.encode()
    return hmac.new(key, iban.encode(), hashlib.sha256).hexdigest()


# Why an IBAN is refused, in the reader's language: the library's own (English) message never reaches
# a person. Checked in this order; anything else the library refuses (bank, branch or account code)
# gets the last sentence.
_IBAN_ERRORS = (
    (
        InvalidStructure,
        gettext_lazy(
            "This IBAN is not valid: it contains characters an IBAN can't have, or is too short. "
            "An IBAN is letters and digits only. Check it against your bank statement."
        ),
    ),
    (
        InvalidCountryCode,
        gettext_lazy(
            "This IBAN is not valid: it doesn't start with the code of a country that uses IBANs (such as DE or FR). "
            "Check it against your bank statement."
        ),
    ),
    (
        InvalidLength,
        gettext_lazy(
            "This IBAN is not valid: it has too many or too few characters for its country. "
            "Check it against your bank statement."
        ),
    ),
    (
        (InvalidChecksumDigits, InvalidBBANChecksum),
        gettext_lazy(
            "This IBAN is not valid: its check digits don't match, so a character is probably mistyped. "
            "Check it against your bank statement."
        ),
    ),
)
_IBAN_ERROR_OTHER = gettext_lazy(
    "This IBAN is not valid: its bank or account number is not in the form its country uses. "
    "Check it against your bank statement."
)


def iban_error_text(exc: SchwiftyException) -> str:
    """Why the library refused an IBAN, in the reader's language."""
    for kinds, text in _IBAN_ERRORS:
        if isinstance(exc, kinds):
            return str(text)
    return str(_IBAN_ERROR_OTHER)


# What bank apps and PDFs put between an IBAN's groups when it is copied: any space (ordinary,
# no-break U+00A0, narrow no-break U+202F, ...), dashes (the ASCII one and those a word processor turns
# it into: U+2010-U+2015, non-breaking hyphen to em dash), dots and the invisible zero-width characters
# (U+200B-U+200D, word joiner U+2060, U+FEFF). Anything else stays, so a wrong character is still
# refused with a reason (removing separators can't make another valid IBAN: the checksum still holds).
_IBAN_SEPARATORS = re.compile(r"[\s\-.\u2010-\u2015\u200b\u200c\u200d\u2060\ufeff]+")


def iban_compact(raw: str) -> str:
    """The IBAN as pasted, without its separators and in upper case (not yet validated)."""
    return _IBAN_SEPARATORS.sub("", raw or "").upper()


def iban_check(raw: str) -> IBAN:
    """The IBAN, validated (checksum and BBAN) and reachable by SEPA according to our own country table."""
    try:
        iban = IBAN(iban_compact(raw))
    except SchwiftyException as exc:
        raise BankDetailsError(iban_error_text(exc)) from None
    country = sepa_country(iban.country_code)
    if country is None:
        raise BankDetailsError(
            _(
                "We can only pay to accounts in the SEPA area; an IBAN starting with %(country)s is outside it."
            )
            % {"country": iban.country_code}
        )
    return iban


def bank_details_clean(
    *, holder_name: str, street: str, building_number: str, postcode: str, town: str, country: str, iban: str
) -> BankDetails:
    checked = iban_check(iban)
    holder = " ".join(without_bidi_controls(holder_name or "").split())
    if not epc_name(holder):
        raise BankDetailsError(_("Enter the account holder's name as your bank knows it."))
    if not (street or "").strip() or not (postcode or "").strip() or not (town or "").strip():
        raise BankDetailsError(_("Enter the account holder's full address: street, postcode and town."))
    if not postcode_is_valid(postcode):
        raise BankDetailsError(str(POSTCODE_ERROR))
    if sepa_country(country) is None:
        raise BankDetailsError(_("The account holder's address must be in a SEPA country."))
    bic, bank_name = "", ""
    try:
        if checked.bic is not None:
            bic = str(checked.bic)
            bank_name = checked.bank_name or ""
    except SchwiftyException:
        bic = ""
    return BankDetails(
        holder_name=holder[:140],
        street=street.strip()[:70],
        building_number=(building_number or "").strip()[:16],
        postcode=postcode_normal(postcode),
        town=town.strip()[:35],
        country=country.upper(),
        iban=checked.compact,
        bic=bic,
        bank_name=bank_name[:140],
        sepa_eea=sepa_country(checked.country_code).eea,
    )


def _code_hash(challenge_salt: str, code: str) -> str:
    return hmac.new(
        settings.SECRET_KEY.encode(), f"{challenge_salt}:{code}".encode(), hashlib.sha256
    ).hexdigest()


def code_channel_for(user: User) -> tuple[str, str] | None:
    """Where the code that confirms bank details goes: e-mail when the person has one, else
    WhatsApp to their verified phone; None when they have neither (a TikTok-only consumer: the
    bank details page then links to where they add one)."""
    if user.email:
        return CodeChannel.EMAIL, user.email
    if user.phone and user.phone_verified:
        return CodeChannel.WHATSAPP, user.phone
    return None


def _code_channel(user: User) -> tuple[str, str]:
    channel = code_channel_for(user)
    if channel is not None:
        return channel
    raise BankDetailsError(
        _("We need a way to send you a code first: sign in with WhatsApp or add an e-mail address.")
    )


def bank_details_change_allowed(*, owner) -> None:
    owner_type, owner_id = owner_key(owner)
    if Payout.objects.filter(owner_type=owner_type, owner_id=owner_id, state__in=OPEN_STATES).exists():
        raise BankDetailsError(
            _(
                "A payout you asked for is still waiting to be sent. Cancel it first, then change your bank details."
            )
        )


def bank_details_challenge_start(*, user: User, details: BankDetails, now: datetime) -> BankDetailsChallenge:
    """Keep the new details aside and send a one-time code to the person's own contact.

    Details that are the current ones already are refused before any code is sent
    (``BankDetailsAlreadySaved``): confirming them would change nothing."""
    _refuse_if_already_saved(owner=user, details=details, now=now)
    bank_details_change_allowed(owner=user)
    channel, destination = _code_channel(user)
    recent = BankDetailsChallenge.objects.filter(user=user, created_at__gte=now - timedelta(hours=1)).count()
    if recent >= settings.PAYOUTS_CODES_PER_HOUR:
        raise BankDetailsError(_("Too many codes were sent in the last hour. Please try again later."))
    code = f"{secrets.randbelow(10**6):06d}"
    salt = secrets.token_hex(8)
    with transaction.atomic(durable=True):
        challenge = BankDetailsChallenge.objects.create(
            user=user,
            channel=channel,
            destination=destination,
            code_hash=f"{salt}${_code_hash(salt, code)}",
            details=details.as_json(),
            created_at=now,
            expires_at=now + timedelta(seconds=settings.PAYOUTS_CODE_TTL_SECONDS),
        )
        if channel == CodeChannel.EMAIL:  # in the language of the code's WhatsApp template too
            with translation.override(person_or_active_language(user)):
                subject = _("[TikJoy] Your code to change your bank details")
                message = _(
                    "Your code is %(code)s. It is valid for %(minutes)s minutes.\n\n"
                    "Someone asked to pay your TikJoy balance to the account ending %(ending)s. "
                    "If it wasn't you, don't share the code and write to us."
                ) % {
                    "code": code,
                    "minutes": settings.PAYOUTS_CODE_TTL_SECONDS // 60,
                    "ending": details.iban[-4:],
                }
            mail_after_commit(
                subject=subject,
                message=(message),
                recipient_list=[destination],
            )
    if channel == CodeChannel.WHATSAPP:
        # Sent after the commit, never inside it; a refusal is the person's to see.
        try:
            whatsapp_code_send(to=destination, code=code, person=user)
        except WhatsAppSendError as exc:
            raise BankDetailsError(exc.user_message) from None
    return challenge


def _words_written(words: dict) -> dict:
    """``words`` with its moments written in the active language and time zone (the recipient's,
    ``recipient_locale`` or ``member_locale``), the zone named (``moment_text``)."""
    return {k: moment_text(v) if isinstance(v, datetime) else v for k, v in words.items()}


def _owners_with_email(merchant: Merchant) -> list[User]:
    """The merchant's owners with an e-mail address, each written to in their own language."""
    return list(
        User.objects.filter(memberships__merchant=merchant, memberships__role=Role.OWNER, email__isnull=False)
        .exclude(email="")
        .order_by("email")
    )


def merchant_owner_emails(merchant: Merchant) -> list[str]:
    return sorted(
        {
            email
            for email in merchant.memberships.filter(role=Role.OWNER).values_list("user__email", flat=True)
            if email
        }
    )


def merchant_bank_details_challenge_start(
    *, merchant: Merchant, user: User, details: BankDetails, now: datetime
) -> BankDetailsChallenge:
    """An owner enters the merchant's bank details (for its refund): a one-time code goes to the
    owner's own e-mail address, and the details wait for it, as a person's do.

    A business's bank account must be in the merchant's legal name; ops see it when it is not
    (``payout_risk_signals``) before they approve a refund to it.
    """
    if not _is_owner(merchant=merchant, user=user):
        raise BankDetailsError(_("Only an owner of the merchant can enter its bank details."))
    _refuse_if_already_saved(owner=merchant, details=details, now=now)
    if not user.email:
        raise BankDetailsError(_("Add an e-mail address to your account first: the code is sent there."))
    bank_details_change_allowed(owner=merchant)
    recent = BankDetailsChallenge.objects.filter(user=user, created_at__gte=now - timedelta(hours=1)).count()
    if recent >= settings.PAYOUTS_CODES_PER_HOUR:
        raise BankDetailsError(_("Too many codes were sent in the last hour. Please try again later."))
    code = f"{secrets.randbelow(10**6):06d}"
    salt = secrets.token_hex(8)
    owner_type, owner_id = owner_key(merchant)
    with transaction.atomic(durable=True):
        challenge = BankDetailsChallenge.objects.create(
            user=user,
            owner_type=owner_type,
            owner_id=owner_id,
            channel=CodeChannel.EMAIL,
            destination=user.email,
            code_hash=f"{salt}${_code_hash(salt, code)}",
            details=details.as_json(),
            created_at=now,
            expires_at=now + timedelta(seconds=settings.PAYOUTS_CODE_TTL_SECONDS),
        )
        # The owner's own language (their saved choice, else the console page's), as every code.
        with translation.override(person_or_active_language(user)):
            subject = _("[TikJoy] Your code to change %(brand)s's bank details") % {
                "brand": merchant.brand_name
            }
            message = _(
                "Your code is %(code)s. It is valid for %(minutes)s minutes.\n\n"
                "Someone asked to refund %(brand)s's TikJoy balance to the account ending %(ending)s. "
                "If it wasn't you, don't share the code and write to us."
            ) % {
                "code": code,
                "minutes": settings.PAYOUTS_CODE_TTL_SECONDS // 60,
                "brand": merchant.brand_name,
                "ending": details.iban[-4:],
            }
        mail_after_commit(
            subject=subject,
            message=(message),
            recipient_list=[user.email],
        )
    return challenge


def _is_owner(*, merchant: Merchant, user: User) -> bool:
    return merchant.memberships.filter(user=user, role=Role.OWNER).exists()


@dataclass(frozen=True)
class BankDetailsConfirmed:
    account: BankAccount  # the current details
    # The code's details were the current ones already (a second code for them, or the same details
    # entered again): nothing was replaced, no hold started again, no notice sent.
    already_saved: bool


_ENTERED_FIELDS = ("holder_name", "street", "building_number", "postcode", "town", "country", "iban")


def _already_saved(*, owner, details: BankDetails) -> BankAccount | None:
    """The owner's current bank details when they are ``details`` as entered, and the bank has not
    refused them (details refused are replaced by a new row, as before: only that lifts the block)."""
    owner_type, owner_id = owner_key(owner)
    current = BankAccount.objects.current().filter(owner_type=owner_type, owner_id=owner_id).first()
    if current is None or current.is_blocked:
        return None
    if all(getattr(current, name) == getattr(details, name) for name in _ENTERED_FIELDS):
        return current
    return None


def _owner_lock(owner_type: str, owner_id: int) -> None:
    """The payee's own row (the person's, or the merchant's for its refunds), the first lock of every
    path that changes their payouts or bank details: a payout asked for, details confirmed or replaced,
    a deletion or a closing. So a payout can't be written to details replaced under it, nor details
    replaced under a payout still open; and the rows below (payouts, bank accounts, the identity, the
    ledger's accounts) are always taken after it, in one order. ``FOR NO KEY UPDATE``: it still waits
    for a deletion's or closing's lock, but not the foreign-key checks of rows that point at the payee
    (a reward, a payout's ``requested_by``), which PostgreSQL makes at commit."""
    model = Merchant if owner_type == MERCHANT_PAYEE else User
    model.objects.select_for_update(no_key=True).filter(pk=owner_id).values_list("pk").first()


def _refuse_if_already_saved(*, owner, details: BankDetails, now: datetime) -> None:
    saved = _already_saved(owner=owner, details=details)
    if saved is not None:
        raise BankDetailsAlreadySaved(account=saved, now=now)


def bank_details_confirm(*, user: User, challenge_id: int, code: str, now: datetime) -> BankDetailsConfirmed:
    """Check the one-time code; the new details replace the old ones and a payout hold starts.

    Details that are the current ones already (a second code sent for the same details, confirmed
    after the first) change nothing: the hold is not started again, no second row, no notice."""
    with transaction.atomic(durable=True):
        # One confirmation at a time per owner, its row locked first (as a person's deletion and a
        # merchant's closing lock it before their payouts): two codes typed at once (two tabs) would
        # both replace the details read before the other committed (a second row, the hold restarted,
        # or a refusal by the one-current-account constraint); the second now finds them saved.
        owner_of = BankDetailsChallenge.objects.filter(pk=challenge_id, user=user).values(
            "owner_type", "owner_id"
        )
        for found in owner_of[:1]:
            _owner_lock(
                found["owner_type"], found["owner_id"] if found["owner_type"] == MERCHANT_PAYEE else user.pk
            )
        challenge = (
            BankDetailsChallenge.objects.select_for_update().filter(pk=challenge_id, user=user).first()
        )
        if challenge is None or challenge.used_at is not None:
            raise BankDetailsError(_("This code is no longer valid. Enter your bank details again."))
        if challenge.expires_at <= now or challenge.attempts >= settings.PAYOUTS_CODE_MAX_ATTEMPTS:
            raise BankDetailsError(
                _("This code has expired. Enter your bank details again to get a new one.")
            )
        salt, expected = challenge.code_hash.split("$", 1)
        if not hmac.compare_digest(expected, _code_hash(salt, (code or "").strip())):
            challenge.attempts += 1
            challenge.save(update_fields=["attempts"])
            left = settings.PAYOUTS_CODE_MAX_ATTEMPTS - challenge.attempts
            raise_after = BankDetailsError(
                ngettext(
                    "That code is not right. %(left)d attempt left.",
                    "That code is not right. %(left)d attempts left.",
                    left,
                )
                % {"left": left}
                if left
                else _(
                    "That code is not right, and that was the last attempt. Enter your bank details again."
                )
            )
        else:
            raise_after = None
            challenge.used_at = now
            challenge.save(update_fields=["used_at"])
            owner = user
            if challenge.owner_type == MERCHANT_PAYEE:
                owner = Merchant.objects.get(pk=challenge.owner_id)
                if not _is_owner(merchant=owner, user=user):
                    raise BankDetailsError(_("Only an owner of the merchant can enter its bank details."))
            details = BankDetails(**challenge.details)
            account = _already_saved(owner=owner, details=details)
            already_saved = account is not None
            if account is None:
                # The person confirms on a page now: the notice is in the language of the code e-mailed
                # a minute ago (their saved choice, else the page's), not English for want of a saved one.
                account = _bank_account_replace(
                    user=user,
                    details=details,
                    now=now,
                    owner=owner,
                    language=person_or_active_language(user),
                )
    if raise_after is not None:
        raise raise_after
    return BankDetailsConfirmed(account=account, already_saved=already_saved)


def bank_account_replace(
    *, user: User, details: BankDetails, now: datetime, owner: User | Merchant | None = None
) -> BankAccount:
    """New bank details take effect for a person who already proved it is them (the demo seed, ops tools).

    The person's own pages go through ``bank_details_challenge_start`` and ``bank_details_confirm``;
    ``owner`` is a merchant whose details ``user`` (an owner) manages, else the person. Details that
    are the current ones already are refused (``BankDetailsAlreadySaved``, the pages' rule): no new
    row, no hold started again, no "changed" notice.
    """
    with transaction.atomic(durable=True):
        _owner_lock(*owner_key(owner if owner is not None else user))
        _refuse_if_already_saved(owner=owner if owner is not None else user, details=details, now=now)
        return _bank_account_replace(user=user, details=details, now=now, owner=owner)


def _bank_account_replace(
    *,
    user: User,
    details: BankDetails,
    now: datetime,
    owner: User | Merchant | None = None,
    language: str | None = None,
) -> BankAccount:
    """``language``: the person's notice's, when they are the one confirming on a page; else theirs
    by the one rule of e-mails (``core.i18n.language_for``)."""
    owner = owner if owner is not None else user
    owner_type, owner_id = owner_key(owner)
    # Lock the owner's payouts first (primary-key order), then refuse if one is still open.
    list(
        Payout.objects.select_for_update()
        .filter(owner_type=owner_type, owner_id=owner_id, state__in=OPEN_STATES)
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    bank_details_change_allowed(owner=owner)
    previous = (
        BankAccount.objects.select_for_update()
        .current()
        .filter(owner_type=owner_type, owner_id=owner_id)
        .first()
    )
    if previous is not None:
        previous.retired_at = now
        previous.save(update_fields=["retired_at"])
    hold_until = now + timedelta(hours=settings.PAYOUTS_NEW_IBAN_HOLD_HOURS)
    account = BankAccount.objects.create(
        owner_type=owner_type,
        owner_id=owner_id,
        user=user,
        holder_name=details.holder_name,
        street=details.street,
        building_number=details.building_number,
        postcode=details.postcode,
        town=details.town,
        country=details.country,
        iban=details.iban,
        iban_hash=iban_hash(details.iban),
        bic=details.bic,
        bank_name=details.bank_name,
        sepa_eea=details.sepa_eea,
        payouts_hold_until=hold_until,
        created_at=now,
    )
    words = {
        "when": now,
        "by": user.email,
        "iban": account.iban_masked,
        "holder": account.holder_name,
        "hold_until": hold_until,
        "previous": previous.iban_masked if previous else "",
    }
    if isinstance(owner, Merchant):
        # One e-mail to each owner, in their language and zone (``merchants.locale.member_locale``).
        for member in _owners_with_email(owner):
            with member_locale(member, owner):
                written = _words_written(words)
                written["brand"] = owner.brand_name
                if previous:
                    subject = _("[TikJoy] %(brand)s's bank details were changed") % written
                    first = _(
                        "The bank account for %(brand)s's refund was changed on %(when)s by %(by)s: "
                        "%(iban)s, holder %(holder)s.\n"
                    )
                else:
                    subject = _("[TikJoy] %(brand)s's bank details were added") % written
                    first = _(
                        "The bank account for %(brand)s's refund was added on %(when)s by %(by)s: "
                        "%(iban)s, holder %(holder)s.\n"
                    )
                message = (
                    first % written
                    + _("A refund to it can be sent after %(hold_until)s.\n") % written
                    + (_("The previous account was %(previous)s.\n") % written if previous else "")
                    + _(
                        "If this wasn't one of your team's owners, write to us at once: nothing is paid during the hold."
                    )
                )
            mail_after_commit(subject=subject, message=message, recipient_list=[member.email])
        return account
    language = language or language_for(user)
    # in that language, in their time zone (UTC if they chose none)
    with recipient_locale(user), translation.override(language):
        words = _words_written(words)
        if previous:
            subject = _("[TikJoy] Your bank details were changed")
            first = _(
                "The bank account for your TikJoy payouts was changed on %(when)s: %(iban)s, holder %(holder)s.\n"
            )
        else:
            subject = _("[TikJoy] Your bank details were added")
            first = _(
                "The bank account for your TikJoy payouts was added on %(when)s: %(iban)s, holder %(holder)s.\n"
            )
        notice = (
            first % words
            + _("Payouts to it can start after %(hold_until)s.\n") % words
            + (_("The previous account was %(previous)s.\n") % words if previous else "")
            + _("If this wasn't you, write to us at once: nothing will be paid during the hold.")
        )
    if user.email:
        mail_after_commit(subject=subject, message=notice, recipient_list=[user.email])
    elif user.phone and user.phone_verified:  # signs in with WhatsApp: told there
        after_commit(
            "payouts.tasks.whatsapp_tell",
            phone=user.phone,
            text=" ".join(notice.split()),
            language=language,
        )
    return account


def bank_account_hold_end(*, account_id: int, actor: User, reason: str, now: datetime) -> BankAccount:
    """Ops end the 48-hour hold early, after confirming the change with the person (the reason is kept)."""
    if not reason.strip():
        raise BankDetailsError(_("Say how the change was confirmed with the person."))
    with transaction.atomic(durable=True):
        account = BankAccount.objects.select_for_update().filter(pk=account_id).first()
        if account is None or account.retired_at is not None:
            raise BankDetailsError(_("These bank details were replaced; nothing to do."))
        if account.payouts_hold_until <= now:
            raise BankDetailsError(_("These bank details are not on hold."))
        account.payouts_hold_until = now
        account.hold_ended_by = actor
        account.hold_end_reason = reason.strip()[:300]
        account.save(update_fields=["payouts_hold_until", "hold_ended_by", "hold_end_reason"])
    return account


def bank_account_holds_advance(*, hours: int, now: datetime) -> int:
    """The demo clock: end every hold that would be over ``hours`` from now, as if that time had passed.

    For the demo and for trying the product (``manage.py payouts_clock --advance-hours 48``); the
    command refuses to run in production. Returns how many holds ended.
    """
    if hours < 0:
        raise BankDetailsError(_("The demo clock only moves forward."))
    with transaction.atomic(durable=True):
        return BankAccount.objects.filter(
            retired_at__isnull=True,
            payouts_hold_until__gt=now,
            payouts_hold_until__lte=now + timedelta(hours=hours),
        ).update(payouts_hold_until=now, hold_end_reason=f"Demo clock: {hours} hours advanced")


def bank_account_block(*, account: BankAccount, code: str, reason: str, now: datetime) -> None:
    """The bank said this account is wrong: no payout to it until the person enters details again."""
    if account.blocked_at is None:
        account.blocked_at = now
        account.blocked_code = code[:4]
        account.blocked_reason = reason[:300]
        account.save(update_fields=["blocked_at", "blocked_code", "blocked_reason"])


# ---------------------------------------------------------------------------
# Identity
# ---------------------------------------------------------------------------


def identity_submit(
    *,
    user: User,
    legal_name: str,
    date_of_birth: date,
    street: str,
    building_number: str,
    postcode: str,
    town: str,
    country: str,
    tax_id: str = "",
    now: datetime,
) -> PayeeIdentity:
    """Record (or correct) who the person is; changed details wait for ops to check them again.

    The same details as those recorded change nothing: a verified identity stays verified (one still
    waiting keeps its place), except one ops asked more about, which goes back to them."""
    if not " ".join((legal_name or "").split()):
        raise IdentityError(_("Enter your full legal name."))
    today = now.date()
    if not birth_date_is_real(date_of_birth, today=today):  # a date in the future is no age
        raise IdentityError(birth_date_unreal_text())
    if age_on(date_of_birth, today) < settings.PAYOUTS_MIN_AGE_YEARS:
        raise IdentityError(
            _("Payouts are for people aged %(age)s or over.") % {"age": settings.PAYOUTS_MIN_AGE_YEARS}
        )
    if not street.strip() or not postcode.strip() or not town.strip() or not country:
        raise IdentityError(_("Enter your full address: street, postcode, town and country."))
    if not postcode_is_valid(postcode):
        raise IdentityError(str(POSTCODE_ERROR))
    values = {
        "legal_name": " ".join(without_bidi_controls(legal_name).split())[:140],
        "date_of_birth": date_of_birth,
        "street": street.strip()[:70],
        "building_number": building_number.strip()[:16],
        "postcode": postcode_normal(postcode),
        "town": town.strip()[:35],
        "country": country.upper()[:2],
        "tax_id": (tax_id or "").strip()[:32],
    }
    with transaction.atomic(durable=True):
        current = PayeeIdentity.objects.select_for_update().filter(user=user).first()
        if (
            current is not None
            and current.status != IdentityStatus.MORE_INFO
            and all(getattr(current, name) == value for name, value in values.items())
        ):
            return current
        to_check = {"status": IdentityStatus.SUBMITTED, "status_reason": "", "submitted_at": now}
        identity, _created = PayeeIdentity.objects.update_or_create(
            user=user, defaults={**values, **to_check, "reviewed_by": None, "reviewed_at": None}
        )
    return identity


def identity_review(
    *, identity: PayeeIdentity, actor: User, verified: bool, reason: str, now: datetime
) -> None:
    """Ops mark a person verified, or ask for more with a reason the person sees."""
    if not verified and not reason.strip():
        raise IdentityError(_("Say what you need from the person."))
    with transaction.atomic(durable=True):
        PayeeIdentity.objects.filter(pk=identity.pk).update(
            status=IdentityStatus.VERIFIED if verified else IdentityStatus.MORE_INFO,
            status_reason="" if verified else reason.strip()[:300],
            reviewed_by=actor,
            reviewed_at=now,
        )
        with translation.override(person_language(identity.user)):
            subject = _("[TikJoy] Your identity for payouts")
            message = (
                _("We checked your details: you can be paid out.")
                if verified
                else _("We need more from you before we can pay you out: %(reason)s")
                % {"reason": reason.strip()}
            )
        mail_after_commit(
            subject=subject,
            message=(message),
            recipient_list=[identity.user.email or ""],
        )


def tax_year(now: datetime) -> int:
    """The calendar year a payout asked for at ``now`` counts in: the platform's (``BILLING_TIME_ZONE``),
    the same for everyone whatever zone the request's page was shown in."""
    return now.astimezone(ZoneInfo(settings.BILLING_TIME_ZONE)).year


def yearly_paid_total(*, owner, year: int) -> Decimal:
    """What was asked for or paid in the tax year ``year`` (everything not cancelled, rejected or returned)."""
    zone = ZoneInfo(settings.BILLING_TIME_ZONE)
    owner_type, owner_id = owner_key(owner)
    total = Payout.objects.filter(
        owner_type=owner_type,
        owner_id=owner_id,
        requested_at__gte=datetime(year, 1, 1, tzinfo=zone),
        requested_at__lt=datetime(year + 1, 1, 1, tzinfo=zone),
        state__in=[*OPEN_STATES, *IN_FLIGHT_STATES, PayoutState.PAID],
    ).aggregate(total=Sum("amount"))["total"]
    return total or Decimal(0)


def tax_id_needed(*, user: User, amount: Decimal, now: datetime) -> bool:
    """Whether asking for ``amount`` more at ``now`` takes the person's year above the tax-id threshold.
    Decided under the person's identity row lock in ``payout_request`` (two requests at once can't both
    pass it); the check before the lock only answers early."""
    return yearly_paid_total(owner=user, year=tax_year(now)) + amount > settings.PAYOUTS_TAX_ID_ABOVE


def _tax_id_refusal() -> IdentityError:
    return IdentityError(
        _("Payouts above %(limit)s in a year need your tax id. Add it to your identity.")
        % {"limit": money_text(Money(settings.PAYOUTS_TAX_ID_ABOVE, PAYOUT_CURRENCY))}
    )


# ---------------------------------------------------------------------------
# Payouts: request, cancel, approve, reject
# ---------------------------------------------------------------------------


def _event(
    payout: Payout,
    *,
    to_state: str,
    reason: str,
    actor: User | None,
    now: datetime,
    code: str = "",
    bank_file: BankFile | None = None,
) -> PayoutEvent:
    event = PayoutEvent(
        payout=payout,
        from_state=payout.state,
        to_state=to_state,
        reason=reason[:500],
        reason_code=code,
        actor=actor,
        bank_file=bank_file,
        at=now,
    )
    payout.state = to_state
    return event


def _notify(payouts: Iterable[Payout]) -> None:
    """Tell each person about their payout's new state, from the worker once this transaction commits."""
    by_state: dict[str, list[int]] = {}
    for payout in payouts:
        by_state.setdefault(payout.state, []).append(payout.pk)
    for state, ids in by_state.items():
        for offset in range(0, len(ids), 500):
            after_commit("payouts.tasks.payouts_notify", payout_ids=ids[offset : offset + 500], state=state)


class _AlertLines:
    """An ops alert's lines, one a line, each written in the language active when the e-mail is."""

    def __init__(self, lines: Sequence[LaterText]):
        self.lines = list(lines)

    def __str__(self) -> str:
        return "\n".join(str(line) for line in self.lines)


def _ops_recipients() -> list[tuple[User | None, str]]:
    """``PAYOUTS_OPS_EMAILS``, each with the active staff member whose address it is (written to in the
    language they saved), else ``None`` (a team address: English)."""
    addresses = list(settings.PAYOUTS_OPS_EMAILS)
    if not addresses:
        return []
    whose = Q()
    for address in addresses:
        whose |= Q(email__iexact=address)
    staff = {
        member.email.casefold(): member
        for member in User.objects.filter(whose, is_staff=True, is_active=True)
    }
    return [(staff.get(address.casefold()), address) for address in addresses]


def _ops_alert(subject: LaterText, lines: Sequence[LaterText]) -> None:
    """E-mail ``PAYOUTS_OPS_EMAILS``, each recipient in their own language (``_ops_recipients``), after commit."""
    mail_each_after_commit(
        recipients=_ops_recipients(),
        subject=LaterText("[TikJoy ops] %(subject)s", subject=subject),
        message=_AlertLines(lines),
    )


def payout_request(
    *, user: User, amount: Money, now: datetime, debts_settled: Sequence[Money] = ()
) -> Payout:
    """Reserve ``amount`` of the person's available balance for a payout to their bank account.

    A debt, in any currency, stops it, except up to ``debts_settled`` in its currency: what the caller
    itself settles right after (an account being deleted: TikJoy writes off what its balance can't repay,
    ``privacy.services.account_delete``, from the plan the person confirmed).
    """
    if str(amount.currency) != PAYOUT_CURRENCY:
        raise PayoutError(_("Payouts are made in euro by SEPA transfer."))
    if not is_at_precision(amount):
        raise PayoutError(
            _("Enter an amount in euro and cents, e.g. %(example)s.")
            % {"example": amount_text(Decimal("25.50"))}
        )
    minimum = payout_minimum()
    if amount.amount <= 0:  # well formed, but nothing to pay out
        raise PayoutError(
            _("Enter an amount above zero: the smallest payout is %(minimum)s.")
            % {"minimum": money_text(minimum)}
        )
    if amount < minimum:
        raise PayoutError(_("The smallest payout is %(minimum)s.") % {"minimum": money_text(minimum)})
    if Ban.objects.filter(user=user).exists():
        raise PayoutError(
            _("Your account is banned, so it can't be paid out. Write to us if you think this is wrong.")
        )
    settled = {str(m.currency): m for m in debts_settled}
    owed = [  # in any currency: a debt in another one is still a debt
        m for m in debts_of(owner=user) if m > settled.get(str(m.currency), Money(0, m.currency))
    ]
    if owed:
        raise PayoutError(
            _(
                "You owe %(debt)s (money taken back after it had reached your balance). "
                "It is repaid from what you earn next; payouts start again once it is repaid."
            )
            % {"debt": ", ".join(money_text(m) for m in owed)}
        )
    # What is asked for must be there before any step the person could take is asked of them: an amount
    # above the balance is refused as such, never with a step (a tax id, an identity, bank details) that
    # could not unlock it. A ban or a debt stops every payout whatever the amount, so they come first.
    # The reserve below checks the balance again under the account's lock.
    available = account_for(owner=user, purpose=Purpose.USER_AVAILABLE, currency=PAYOUT_CURRENCY)
    if amount > balance(available):
        raise PayoutError(str(OVER_BALANCE))
    identity = PayeeIdentity.objects.filter(user=user).first()
    if identity is None:
        raise IdentityError(
            _("Before your first payout, tell us who you are: legal name, date of birth and address.")
        )
    if identity.status == IdentityStatus.MORE_INFO:
        raise IdentityError(
            _("We need more from you before paying out: %(reason)s") % {"reason": identity.status_reason}
        )
    if not identity.tax_id and tax_id_needed(user=user, amount=amount.amount, now=now):
        raise _tax_id_refusal()
    owner_type, owner_id = owner_key(user)
    account = BankAccount.objects.current().filter(owner_type=owner_type, owner_id=owner_id).first()
    if account is None:
        raise BankDetailsError(_("Add your bank details first."))
    if account.is_blocked:
        raise BankDetailsError(
            _("%(reason)s Enter your bank details again.") % {"reason": gettext(account.blocked_reason)}
        )
    if account.payouts_hold_until > now:
        raise BankDetailsError(
            _("Your new bank details can be used from %(when)s (a 48-hour safety hold after any change).")
            % {"when": moment_text(account.payouts_hold_until, "SHORT_DATETIME_FORMAT")}
        )
    pending = account_for(owner=user, purpose=Purpose.PAYOUT_PENDING, currency=PAYOUT_CURRENCY)
    try:
        with transaction.atomic(durable=True):
            # The person's row first (``_owner_lock``): details confirmed meanwhile have committed, or
            # wait for this payout and then find it open. Then their identity row, which serialises their
            # requests (locked before the ledger's accounts, docs/ledger.md): the year's total is read
            # again under it, so two requests at once can't both pass the tax-id threshold.
            _owner_lock(owner_type, owner_id)
            if not BankAccount.objects.current().filter(pk=account.pk).exists():
                raise BankDetailsError(
                    _("Your bank details changed a moment ago. Check them, then ask for your payout again.")
                )
            identity = PayeeIdentity.objects.select_for_update().get(pk=identity.pk)
            if not identity.tax_id and tax_id_needed(user=user, amount=amount.amount, now=now):
                raise _tax_id_refusal()
            payout = Payout.objects.create(
                owner_type=owner_type,
                owner_id=owner_id,
                requested_by=user,
                bank_account=account,
                amount=amount.amount,
                currency=PAYOUT_CURRENCY,
                state=PayoutState.REQUESTED,
                end_to_end_id=new_end_to_end_id(),
                creditor_name=epc_name(account.holder_name),
                remittance=epc_remittance(settings.PAYOUTS_REMITTANCE_TEXT),
                reason=event_reasons.WAITING,
                requested_at=now,
            )
            PayoutEvent.objects.create(
                payout=payout,
                from_state="",
                to_state=PayoutState.REQUESTED,
                reason=event_reasons.recorded(event_reasons.REQUESTED),
                actor=user,
                at=now,
            )
            transfer(
                source=available,
                destination=pending,
                amount=amount,
                kind="PAYOUT_REQUEST",
                reason=f"Payout {payout.end_to_end_id} requested",
                idempotency_key=f"payout:{payout.pk}:request",
                actor=user,
                subject=payout,
            )
            if _auto_approvable(payout, identity=identity):
                event = _event(
                    payout,
                    to_state=PayoutState.APPROVED,
                    reason=event_reasons.recorded(
                        event_reasons.AUTO_APPROVED, limit=settings.PAYOUTS_AUTO_APPROVE_BELOW
                    ),
                    actor=None,
                    now=now,
                )
                payout.approved_at = now
                payout.reason = event_reasons.APPROVED_NEXT_TRANSFER
                payout.save(update_fields=["state", "approved_at", "reason"])
                event.save()
            _notify([payout])
    except InsufficientFunds:
        raise PayoutError(str(OVER_BALANCE)) from None
    return payout


def merchant_refund_refusal(*, merchant: Merchant, amount: Money, now: datetime) -> str:
    """Why ``amount`` can't be refunded to the merchant's bank account now ("" when it can)."""
    if str(amount.currency) != PAYOUT_CURRENCY:
        return _(
            "refunds are SEPA transfers in euro, and %(brand)s's wallet is in %(currency)s: "
            "write to us to arrange the refund"
        ) % {"brand": merchant.brand_name, "currency": amount.currency}
    account = BankAccount.objects.current().filter(owner_type=MERCHANT_PAYEE, owner_id=merchant.pk).first()
    if account is None:
        return _("enter the bank account the refund goes to first")
    if account.is_blocked:
        return _("the bank refused the bank details (%(reason)s): enter them again") % {
            "reason": gettext(account.blocked_reason)
        }
    if account.payouts_hold_until > now:
        return _("the new bank details are in their safety hold until %(when)s") % {
            "when": moment_text(account.payouts_hold_until, "SHORT_DATETIME_FORMAT")
        }
    return ""


def merchant_refund_reserve(
    *, merchant: Merchant, requested_by: User, amount: Money, reason: str, now: datetime
) -> Payout:
    """Reserve ``amount`` of a merchant's prepaid funds for a refund to its bank account: a payout
    like a person's (four eyes in ops, pain.001 with the account holder's name, returns handled),
    from ``merchant:available``. Runs inside the caller's transaction (the merchant's closing, which
    holds the locks); ``InsufficientFunds`` if the funds are not there."""
    refusal = merchant_refund_refusal(merchant=merchant, amount=amount, now=now)
    if refusal:
        raise PayoutError(refusal[0].upper() + refusal[1:] + ".")
    if amount.amount <= 0 or not is_at_precision(amount):
        raise PayoutError(_("A refund is a positive amount in cents."))
    account = BankAccount.objects.current().get(owner_type=MERCHANT_PAYEE, owner_id=merchant.pk)
    payout = Payout.objects.create(
        owner_type=MERCHANT_PAYEE,
        owner_id=merchant.pk,
        requested_by=requested_by,
        bank_account=account,
        amount=amount.amount,
        currency=PAYOUT_CURRENCY,
        state=PayoutState.REQUESTED,
        end_to_end_id=new_end_to_end_id(),
        creditor_name=epc_name(account.holder_name),
        remittance=epc_remittance(f"TikJoy refund {merchant.payment_reference}"),
        reason=event_reasons.WAITING,
        requested_at=now,
    )
    PayoutEvent.objects.create(
        payout=payout,
        from_state="",
        to_state=PayoutState.REQUESTED,
        reason=reason[:500],
        actor=requested_by,
        at=now,
    )
    transfer(
        source=account_for(owner=merchant, purpose=Purpose.MERCHANT_AVAILABLE, currency=PAYOUT_CURRENCY),
        destination=account_for(owner=merchant, purpose=Purpose.PAYOUT_PENDING, currency=PAYOUT_CURRENCY),
        amount=amount,
        kind="PAYOUT_REQUEST",
        reason=f"Refund {payout.end_to_end_id} requested: {reason}"[:500],
        idempotency_key=f"payout:{payout.pk}:request",
        actor=requested_by,
        subject=payout,
        now=now,
    )
    _notify([payout])
    return payout


def _auto_approvable(payout: Payout, *, identity: PayeeIdentity) -> bool:
    """Optional (``PAYOUTS_AUTO_APPROVE_BELOW``, off by default): small payouts of verified people
    with no risk signal skip the ops queue; the file still needs two people."""
    limit = settings.PAYOUTS_AUTO_APPROVE_BELOW
    return (
        limit is not None
        and payout.amount < limit
        and identity.status == IdentityStatus.VERIFIED
        and not payout_risk_signals(payout)
    )


def new_end_to_end_id() -> str:
    return "TJP" + uuid.uuid4().hex[:24].upper()


def _locked(payout_id: int) -> Payout:
    payout = (
        Payout.objects.select_for_update(of=("self",))
        .select_related("requested_by", "bank_account")
        .filter(pk=payout_id)
        .first()
    )
    if payout is None:
        raise PayoutError(_("There is no such payout."))
    return payout


def _owner_ref(payout: Payout):
    return _OwnerRef(payout.owner_type, payout.owner_id)


class _OwnerMeta:
    def __init__(self, label: str):
        self.label_lower = label


class _OwnerRef:
    """A ledger owner known only by its key (``wallets.models.owner_key`` reads these two attributes)."""

    def __init__(self, label: str, pk: int):
        self._meta = _OwnerMeta(label)
        self.pk = pk


def _release_posting(payout: Payout, *, source_purpose: str, reason: str, actor: User | None) -> Posting:
    owner = _owner_ref(payout)
    source = account_for(owner=owner, purpose=source_purpose, currency=payout.currency)
    available = account_for(
        owner=owner, purpose=available_purpose(payout.owner_type), currency=payout.currency
    )
    return Posting(
        entries=[(source, -payout.money), (available, payout.money)],
        kind="PAYOUT_RELEASE",
        reason=reason,
        idempotency_key=f"payout:{payout.pk}:release",
        actor=actor,
        subject=payout,
    )


def _cancel_refusal(payout: Payout) -> str:
    """Why a payout the person asks to cancel can't be: what truly became of it (another tab may
    have cancelled it, ops rejected it, the bank paid or returned it)."""
    if payout.state == PayoutState.CANCELLED:
        return _("This payout was already cancelled: the money is back in your balance.")
    if payout.state == PayoutState.REJECTED:
        return _("This payout was rejected: the money is back in your balance.")
    if payout.state == PayoutState.RETURNED:
        return _("Your bank sent this payout back: the money is back in your balance.")
    if payout.state == PayoutState.PAID:
        return _("This payout was already paid to your bank account, so it can't be cancelled.")
    return _("This payout is already on its way to the bank and can't be cancelled.")


def payout_cancel(*, payout_id: int, user: User, now: datetime) -> Payout:
    """The person takes back a payout that was not sent yet; the reserve returns to available."""
    with transaction.atomic(durable=True):
        payout = _locked(payout_id)
        if payout.requested_by_id != user.pk or payout.owner_type == MERCHANT_PAYEE:
            raise PayoutError(_("This payout is not yours."))  # a merchant's refund is ops' to reject
        if payout.state not in OPEN_STATES or payout.batch_id is not None:
            raise PayoutError(_cancel_refusal(payout))
        event = _event(
            payout,
            to_state=PayoutState.CANCELLED,
            reason=event_reasons.recorded(event_reasons.CANCELLED),
            actor=user,
            now=now,
        )
        payout.reason = event_reasons.CANCELLED_BY_PERSON
        payout.closed_at = now
        payout.save(update_fields=["state", "reason", "closed_at"])
        event.save()
        post_many(
            [
                _release_posting(
                    payout,
                    source_purpose=Purpose.PAYOUT_PENDING,
                    reason=f"Payout {payout.end_to_end_id} cancelled",
                    actor=user,
                )
            ]
        )
        _notify([payout])
    return payout


def payout_risk_signals(payout: Payout) -> list[str]:
    """Why ops should look twice: the same IBAN behind other people, a ban, a fresh account."""
    return payout_risk_signals_many([payout])[payout.pk]


def payout_risk_signals_many(payouts: Sequence[Payout]) -> dict[int, list[str]]:
    """``payout_risk_signals`` of each payout (by id), in four queries whatever their number
    (a page of the ops list): the IBANs' owners, the bans, the merchants' legal names, the debts."""
    payouts = list(payouts)
    if not payouts:
        return {}
    owners_of: dict[str, set[tuple[str, int]]] = {}
    for iban_hash, owner_type, owner_id in (
        BankAccount.objects.filter(iban_hash__in={p.bank_account.iban_hash for p in payouts})
        .values_list("iban_hash", "owner_type", "owner_id")
        .distinct()
    ):
        owners_of.setdefault(iban_hash, set()).add((owner_type, owner_id))
    banned = set(
        Ban.objects.filter(user_id__in={p.requested_by_id for p in payouts}).values_list("user_id", flat=True)
    )
    legal_names = dict(
        Merchant.objects.filter(
            pk__in={p.owner_id for p in payouts if p.owner_type == MERCHANT_PAYEE}
        ).values_list("pk", "legal_name")
    )
    people = {
        p.requested_by_id for p in payouts if p.requested_by_id is not None and p.owner_type != MERCHANT_PAYEE
    }
    debts: dict[int, list[Money]] = {}
    for owner_id, value, currency in (
        Account.objects.filter(
            owner_type=User._meta.label_lower, owner_id__in=people, purpose=Purpose.USER_OWED, balance__lt=0
        )
        .order_by("currency")
        .values_list("owner_id", "balance", "currency")
    ):
        debts.setdefault(owner_id, []).append(Money(-value, currency))
    result = {}
    for payout in payouts:
        signals = []
        account = payout.bank_account
        others = len(owners_of.get(account.iban_hash, set()) - {(payout.owner_type, payout.owner_id)})
        if others:
            signals.append(
                ngettext("same IBAN as %(count)s other person", "same IBAN as %(count)s other people", others)
                % {"count": others}
            )
        if payout.requested_by_id in banned:
            signals.append(gettext("banned"))
        if payout.owner_type == MERCHANT_PAYEE:
            legal_name = legal_names.get(payout.owner_id)
            if (
                legal_name is not None
                and epc_name(legal_name).casefold() != epc_name(account.holder_name).casefold()
            ):
                signals.append(
                    gettext("holder '%(holder)s' is not the merchant's legal name '%(legal_name)s'")
                    % {"holder": account.holder_name, "legal_name": legal_name}
                )
        if account.is_blocked:
            signals.append(gettext("bank details blocked (%(code)s)") % {"code": account.blocked_code})
        if payout.requested_by_id is not None and payout.owner_type != MERCHANT_PAYEE:  # a person's own debt
            signals += [
                gettext("owes %(amount)s") % {"amount": money_text(owed)}
                for owed in debts.get(payout.requested_by_id, [])
            ]
        result[payout.pk] = signals
    return result


def payout_approve(*, payout_id: int, actor: User, now: datetime) -> Payout:
    with transaction.atomic(durable=True):
        payout = _locked(payout_id)
        if payout.state != PayoutState.REQUESTED:
            raise PayoutError(
                _("Only a requested payout can be approved; this one is: %(state)s.")
                % {"state": payout.get_state_display()}
            )
        if payout.owner_type != MERCHANT_PAYEE:  # a merchant is known by its legal details, not a person's
            identity = PayeeIdentity.objects.filter(user_id=payout.requested_by_id).first()
            if identity is None or identity.status != IdentityStatus.VERIFIED:
                raise PayoutError(_("Verify the person's identity first."))
            threshold = Decimal(settings.PAYOUTS_TAX_ID_ABOVE)
            if (
                not identity.tax_id
                and yearly_paid_total(owner=payout.requested_by, year=tax_year(payout.requested_at))
                > threshold
            ):
                raise PayoutError(
                    _(
                        "The person's payouts this year are above %(limit)s and they gave no tax id: ask for it first."
                    )
                    % {"limit": money_text(Money(threshold, PAYOUT_CURRENCY))}
                )
        if Ban.objects.filter(user_id=payout.requested_by_id).exists():
            raise PayoutError(_("The person is banned: reject the payout instead."))
        account = payout.bank_account
        if account.is_blocked or account.retired_at is not None:
            raise PayoutError(_("The bank details of this payout are blocked or were replaced: reject it."))
        if account.payouts_hold_until > now:
            raise PayoutError(
                _("The bank details are on hold until %(when)s UTC.")
                % {"when": utc_text(account.payouts_hold_until)}
            )
        event = _event(
            payout,
            to_state=PayoutState.APPROVED,
            reason=event_reasons.recorded(event_reasons.APPROVED),
            actor=actor,
            now=now,
        )
        payout.approved_by = actor
        payout.approved_at = now
        payout.reason = event_reasons.APPROVED_NEXT_TRANSFER
        payout.save(update_fields=["state", "approved_by", "approved_at", "reason"])
        event.save()
        _notify([payout])
    return payout


def payout_reject(*, payout_id: int, actor: User, reason: str, now: datetime) -> Payout:
    """Ops refuse a payout before it is sent; the reserve returns to available with the reason."""
    if not reason.strip():
        raise PayoutError(_("Give a reason: the person sees it."))
    with transaction.atomic(durable=True):
        payout = _locked(payout_id)
        if payout.state not in OPEN_STATES or payout.batch_id is not None:
            raise PayoutError(_("Only a payout that is not in a batch yet can be rejected here."))
        event = _event(payout, to_state=PayoutState.REJECTED, reason=reason.strip(), actor=actor, now=now)
        payout.reason = reason.strip()[:500]
        payout.closed_at = now
        payout.save(update_fields=["state", "reason", "closed_at"])
        event.save()
        post_many(
            [
                _release_posting(
                    payout,
                    source_purpose=Purpose.PAYOUT_PENDING,
                    reason=f"Payout {payout.end_to_end_id} rejected: {reason.strip()}",
                    actor=actor,
                )
            ]
        )
        _notify([payout])
    return payout


# ---------------------------------------------------------------------------
# Batches: build (one person), release (another person)
# ---------------------------------------------------------------------------


def _new_message_id(prefix: str, now: datetime) -> str:
    return f"{prefix}{now:%Y%m%d%H%M%S}{secrets.token_hex(5).upper()}"


def next_business_day(day: date) -> date:
    day += timedelta(days=1)
    while day.weekday() >= 5:
        day += timedelta(days=1)
    return day


def batch_build(*, actor: User, now: datetime, limit: int | None = None) -> PayoutBatch:
    """Put every approved payout that is not in a batch yet into one pain.001 file (validated, stored).

    Rows are taken with ``FOR UPDATE SKIP LOCKED`` and re-checked under the lock, so two
    people building at once never put the same payout in two files.
    """
    with transaction.atomic(durable=True):
        query = (
            Payout.objects.select_for_update(skip_locked=True, of=("self",))
            .filter(state=PayoutState.APPROVED, batch__isnull=True, currency=PAYOUT_CURRENCY)
            .select_related("bank_account")
            .order_by("pk")
        )
        payouts = list(query[:limit] if limit else query)
        payouts = [p for p in payouts if not p.bank_account.is_blocked]
        if not payouts:
            raise BatchError(_("There is no approved payout to send."))
        msg_id = _new_message_id("TJM", now)
        batch = PayoutBatch(
            msg_id=msg_id,
            pmt_inf_id=_new_message_id("TJB", now),
            currency=PAYOUT_CURRENCY,
            count=len(payouts),
            control_sum=sum((p.amount for p in payouts), Decimal(0)),
            execution_date=next_business_day(now.date()),
            built_by=actor,
            built_at=now,
        )
        batch.xml = sepa.pain001_build(
            batch=batch, payouts=payouts, debtor=sepa.debtor_from_settings(), now=now
        )
        batch.save()
        updated = Payout.objects.filter(pk__in=[p.pk for p in payouts], batch__isnull=True).update(
            batch=batch
        )
        if updated != len(payouts):  # cannot happen under the row locks; never write a half batch
            raise BatchError(_("Some payouts changed while the file was built. Build it again."))
    return batch


def batch_release(*, batch_id: int, actor: User, now: datetime) -> PayoutBatch:
    """A second person releases a built file: its payouts are exported and their money is in transit."""
    with transaction.atomic(durable=True):
        batch = PayoutBatch.objects.select_for_update().get(pk=batch_id)
        if batch.state != BatchState.BUILT:
            raise BatchError(
                _("This file is: %(state)s; only a built file can be released.")
                % {"state": batch.get_state_display()}
            )
        if batch.built_by_id == actor.pk:
            raise BatchError(_("Four eyes: the person who built a file can't release it. Ask a colleague."))
        payouts = list(Payout.objects.select_for_update().filter(batch=batch).order_by("pk"))
        if any(p.state != PayoutState.APPROVED for p in payouts) or len(payouts) != batch.count:
            raise BatchError(
                _("The payouts of this file changed since it was built. Discard it and build a new one.")
            )
        owners = _ledger_accounts(payouts, [Purpose.PAYOUT_PENDING, Purpose.PAYOUT_IN_TRANSIT])
        postings, events = [], []
        for payout in payouts:
            key = (payout.owner_type, payout.owner_id)
            events.append(
                _event(
                    payout,
                    to_state=PayoutState.EXPORTED,
                    reason=event_reasons.recorded(event_reasons.SENT, batch=batch.msg_id),
                    actor=actor,
                    now=now,
                )
            )
            payout.exported_at = now
            payout.reason = event_reasons.SENT_TO_BANK
            postings.append(
                Posting(
                    entries=[
                        (owners[key, Purpose.PAYOUT_PENDING], -payout.money),
                        (owners[key, Purpose.PAYOUT_IN_TRANSIT], payout.money),
                    ],
                    kind="PAYOUT_EXPORT",
                    reason=f"Payout {payout.end_to_end_id} sent to the bank in {batch.msg_id}",
                    idempotency_key=f"payout:{payout.pk}:export",
                    actor=actor,
                    subject=payout,
                )
            )
        _update_grouped(payouts, ["state", "exported_at", "reason"])
        PayoutEvent.objects.bulk_create(events, batch_size=2000)
        _post_chunked(postings)
        batch.state = BatchState.EXPORTED
        batch.released_by = actor
        batch.released_at = now
        batch.save(update_fields=["state", "released_by", "released_at"])
        _notify(payouts)
    return batch


def batch_discard(*, batch_id: int, actor: User, now: datetime) -> PayoutBatch:
    """Drop a built file before release; its payouts go back to the approved queue (its ids are never reused)."""
    with transaction.atomic(durable=True):
        batch = PayoutBatch.objects.select_for_update().get(pk=batch_id)
        if batch.state != BatchState.BUILT:
            raise BatchError(_("Only a file that was not released can be discarded."))
        Payout.objects.filter(batch=batch, state=PayoutState.APPROVED).update(batch=None)
        batch.state = BatchState.DISCARDED
        batch.save(update_fields=["state"])
    logger.info("batch %s discarded by %s at %s", batch.msg_id, actor.pk, now.isoformat())
    return batch


def _ledger_accounts(payouts: Sequence[Payout], purposes: Iterable[str]) -> dict[tuple, Account]:
    """The ledger accounts of the payouts' owners, ``{((owner_type, owner_id), purpose): Account}``,
    read (and created where missing) in two queries per owner type and purpose (``wallets.accounts_for``)."""
    by_type: dict[str, set[int]] = {}
    for payout in payouts:
        by_type.setdefault(payout.owner_type, set()).add(payout.owner_id)
    currency = payouts[0].currency if payouts else PAYOUT_CURRENCY
    out: dict[tuple, Account] = {}
    for purpose in purposes:
        for owner_type, owner_ids in by_type.items():
            found = accounts_for(
                owner_type=owner_type, owner_ids=owner_ids, purpose=purpose, currency=currency
            )
            for owner_id in owner_ids:
                out[(owner_type, owner_id), Purpose(purpose)] = found[owner_id]
    return out


POST_CHUNK = 250


def _post_chunked(postings: Sequence[Posting]) -> None:
    """``post_many`` in chunks of 250 postings, so that one call's parameter arrays stay small for a
    10,000-payout file (wallets 0008 made the function linear in the batch). Same transaction throughout."""
    for offset in range(0, len(postings), POST_CHUNK):
        post_many(postings[offset : offset + POST_CHUNK])


def _update_grouped(payouts: Iterable[Payout], fields: Sequence[str]) -> None:
    """Write ``fields`` of many payouts with one UPDATE per distinct set of values (few after a bank file)."""
    groups: dict[tuple, list[int]] = {}
    for payout in payouts:
        groups.setdefault(tuple(getattr(payout, f) for f in fields), []).append(payout.pk)
    for values, ids in groups.items():
        for offset in range(0, len(ids), 5000):
            Payout.objects.filter(pk__in=ids[offset : offset + 5000]).update(
                **dict(zip(fields, values, strict=True))
            )


# ---------------------------------------------------------------------------
# What the bank sends back
# ---------------------------------------------------------------------------


@dataclass
class ImportResult:
    bank_file: BankFile
    applied: int = 0
    skipped: int = 0
    unmatched: list[str] = field(default_factory=list)
    outcomes: dict[str, int] = field(default_factory=dict)
    # The same as data, for ops to read in their language (payouts/import_summary.py): each line that
    # matched no payout, {"end_to_end_id", "kind"} and for an amount that differs the two amounts.
    not_matched: list[dict[str, str]] = field(default_factory=list)

    def details(self) -> dict:
        """What ``BankFile.details`` keeps: the counts and the lines not matched, as data."""
        return {
            "applied": self.applied,
            "skipped": self.skipped,
            "outcomes": dict(sorted(self.outcomes.items())),
            "not_matched": self.not_matched,
        }

    def message(self) -> str:
        """The import in words, in the active language (the ops person's), for the message after an upload."""
        return summary_text(self.details())

    def summary(self) -> str:
        """The import in words as recorded (English, ``BankFile.summary``)."""
        parts = [f"{self.applied} applied", f"{self.skipped} already applied"]
        parts += [f"{n} {state.lower()}" for state, n in sorted(self.outcomes.items())]
        if self.unmatched:
            parts.append(f"{len(self.unmatched)} not matched: " + "; ".join(self.unmatched[:20]))
        return ", ".join(parts)


class _Applier:
    """Applies the lines of one bank file inside the import's transaction, postings collected for one post_many."""

    def __init__(self, *, bank_file: BankFile, actor: User | None, now: datetime, payouts: Sequence[Payout]):
        self.bank_file = bank_file
        self.accounts = _ledger_accounts(payouts, [Purpose.PAYOUT_IN_TRANSIT]) if payouts else {}
        for owner_type in {p.owner_type for p in payouts}:  # a person's available balance, a merchant's funds
            of_type = [p for p in payouts if p.owner_type == owner_type]
            self.accounts.update(_ledger_accounts(of_type, [available_purpose(owner_type)]))
        self.actor = actor
        self.now = now
        self.postings: list[Posting] = []
        self.events: list[PayoutEvent] = []
        self.changed: dict[int, Payout] = {}
        self.blocked: set[int] = set()
        self.ops_alerts: list[LaterText] = []
        # The people whose money left the bank or came back (user id, currency): told after the commit.
        self.paid_out: set[tuple[int, str]] = set()
        self.platform_bank = account_for(
            owner=PLATFORM, purpose=Purpose.PLATFORM_BANK, currency=PAYOUT_CURRENCY
        )

    def _to(self, payout: Payout, state: str, *, reason: str, code: str = "") -> None:
        self.events.append(
            _event(
                payout,
                to_state=state,
                reason=reason,
                actor=self.actor,
                now=self.now,
                code=code,
                bank_file=self.bank_file,
            )
        )
        self.changed[payout.pk] = payout

    def _paid_out(self, payout: Payout) -> None:
        if payout.owner_type != MERCHANT_PAYEE:
            self.paid_out.add((payout.owner_id, payout.currency))

    def _account(self, payout: Payout, purpose: str) -> Account:
        return self.accounts[(payout.owner_type, payout.owner_id), purpose]

    def accepted(self, payout: Payout) -> str:
        if payout.state != PayoutState.EXPORTED:
            return left_outcome(payout.state)
        self._to(payout, PayoutState.ACCEPTED, reason=event_reasons.recorded(event_reasons.ACCEPTED))
        payout.reason = event_reasons.ACCEPTED_BY_BANK
        return ACCEPTED

    def paid(self, payout: Payout) -> str:
        if payout.state not in IN_FLIGHT_STATES:
            if payout.state != PayoutState.PAID:
                # The bank says the money left for a payout we no longer count as sent: reconcile by hand.
                self.ops_alerts.append(
                    LaterText(
                        gettext_lazy("%(payout)s: debited by the bank, but its state here is “%(state)s”"),
                        payout=payout.end_to_end_id,
                        state=PayoutState(payout.state).label,
                    )
                )
            return left_outcome(payout.state)
        self._to(payout, PayoutState.PAID, reason=event_reasons.recorded(event_reasons.DEBITED))
        payout.reason = event_reasons.PAID
        payout.closed_at = self.now
        self.postings.append(
            Posting(
                entries=[
                    (self._account(payout, Purpose.PAYOUT_IN_TRANSIT), -payout.money),
                    (self.platform_bank, payout.money),
                ],
                kind="PAYOUT_PAID",
                reason=f"Payout {payout.end_to_end_id} left the bank",
                idempotency_key=f"payout:{payout.pk}:paid",
                actor=self.actor,
                subject=payout,
                now=self.now,  # the booking is the import's: the time affiliates compare with
            )
        )
        self._paid_out(payout)
        return PAID

    def _after_bank_reason(self, payout: Payout, code: str) -> str:
        mapped = reason_for(code)
        payout.reason_code = mapped.code
        payout.reason = mapped.message
        account = payout.bank_account
        if mapped.action in (Action.BLOCK_IBAN, Action.COMPLIANCE):
            bank_account_block(account=account, code=mapped.code, reason=mapped.message, now=self.now)
            self.blocked.add(account.pk)
        if mapped.action == Action.COMPLIANCE:
            payout.escalation = Escalation.COMPLIANCE
            self.ops_alerts.append(
                LaterText(
                    gettext_lazy("COMPLIANCE %(code)s: payout %(payout)s (never retry it)"),
                    code=mapped.code,
                    payout=payout.end_to_end_id,
                )
            )
        elif mapped.action == Action.OPS:
            payout.escalation = Escalation.OPS
            self.ops_alerts.append(
                LaterText(
                    gettext_lazy("%(code)s: payout %(payout)s refused because of our own data"),
                    code=mapped.code,
                    payout=payout.end_to_end_id,
                )
            )
        return mapped.message

    def rejected(self, payout: Payout, code: str) -> str:
        if payout.state not in IN_FLIGHT_STATES:
            return left_outcome(payout.state)
        message = self._after_bank_reason(payout, code)
        self._to(
            payout,
            PayoutState.REJECTED,
            reason=event_reasons.recorded(event_reasons.REJECTED, code=code, message=message),
            code=code[:4],
        )
        payout.closed_at = self.now
        self.postings.append(
            _release_posting(
                payout,
                source_purpose=Purpose.PAYOUT_IN_TRANSIT,
                reason=f"Payout {payout.end_to_end_id} rejected by the bank ({code})",
                actor=self.actor,
            )
        )
        return REJECTED

    def returned(self, payout: Payout, code: str) -> str:
        if payout.state in IN_FLIGHT_STATES:
            self.paid(payout)  # the money did leave, then came back
        if payout.state != PayoutState.PAID:
            return left_outcome(payout.state)
        message = self._after_bank_reason(payout, code)
        self._to(
            payout,
            PayoutState.RETURNED,
            reason=event_reasons.recorded(event_reasons.RETURNED, code=code, message=message),
            code=code[:4],
        )
        payout.closed_at = self.now
        self.postings.append(
            Posting(
                entries=[
                    (self.platform_bank, -payout.money),
                    (self._account(payout, available_purpose(payout.owner_type)), payout.money),
                ],
                kind="PAYOUT_RETURN",
                reason=f"Payout {payout.end_to_end_id} returned ({code}): {message}",
                idempotency_key=f"payout:{payout.pk}:return",
                actor=self.actor,
                subject=payout,
                now=self.now,  # the booking is the import's: the time affiliates compare with
            )
        )
        self._paid_out(payout)
        return RETURNED


def _lines_for_group(parsed: ParsedFile, line: ParsedLine) -> list[tuple[ParsedLine, Payout | None]]:
    """A status for a whole message or payment block applies to each of its payouts."""
    batch = PayoutBatch.objects.filter(msg_id=line.original_msg_id).first()
    if batch is None:
        return [(line, None)]
    payouts = batch.payouts.order_by("pk")
    if line.scope == "PMTINF" and line.original_pmt_inf_id and line.original_pmt_inf_id != batch.pmt_inf_id:
        return [(line, None)]
    return [
        (
            ParsedLine(
                reference=f"{line.reference}/{p.end_to_end_id}",
                scope="TX",
                end_to_end_id=p.end_to_end_id,
                amount=p.amount,
                currency=p.currency,
                status=line.status,
                reason_code=line.reason_code,
                original_msg_id=line.original_msg_id,
            ),
            p,
        )
        for p in payouts
    ]


def bank_file_import(*, raw: bytes, name: str, actor: User | None, now: datetime) -> ImportResult:
    """Apply a pain.002, camt.054 or camt.053 once: the file by its hash and message id, each line by its bank reference."""
    try:
        parsed = parse_bank_file(raw)
    except BankFileError as exc:
        raise BankFileRejected(str(exc)) from None
    _unsent_batch_check(parsed)
    digest = hashlib.sha256(raw).hexdigest()
    try:
        with transaction.atomic(durable=True):
            bank_file = BankFile.objects.create(
                kind=parsed.kind,
                sha256=digest,
                msg_id=parsed.msg_id[:35],
                name=name[:200],
                raw=raw,
                uploaded_by=actor,
                uploaded_at=now,
            )
            result = _apply(parsed, bank_file=bank_file, actor=actor, now=now)
            bank_file.summary = result.summary()
            bank_file.details = result.details()
            bank_file.save(update_fields=["summary", "details"])
    except IntegrityError:
        # The same file (or the same bank message) was imported before, or is being imported right now
        # by someone else: the unique index made us wait for them, and their import is the one that counts.
        existing = (
            BankFile.objects.filter(sha256=digest).first()
            or BankFile.objects.filter(kind=parsed.kind, msg_id=parsed.msg_id[:35]).first()
        )
        raise BankFileRejected(
            _(
                "This bank file was already imported (%(file)s), or one of its lines was being imported from "
                "another file at the same moment; nothing was changed."
            )
            % {"file": existing or parsed.msg_id}
        ) from None
    return result


def _unsent_batch_check(parsed: ParsedFile) -> None:
    """Refuse a report for a file that never went to the bank (still waiting for its release, or
    discarded): a pain.002 answering it, or a camt.054/053 booking its transfers (named by the file's
    MsgId the bank echoes, or by a transfer of a file waiting for its release). The bank cannot have
    answered or booked it, so nothing of the report is applied, and nothing is recorded (no bank
    file, no line), so the bank's real report can be imported once the file is released; a report
    naming released files and an unreleased one is refused whole, for a person to look at."""
    named = {parsed.original_msg_id} | {line.original_msg_id for line in parsed.lines}
    named.discard("")
    e2e_ids = {line.end_to_end_id for line in parsed.lines if line.end_to_end_id}
    unsent = PayoutBatch.objects.exclude(state=BatchState.EXPORTED)
    batches = {batch.msg_id: batch.state for batch in unsent.filter(msg_id__in=named).only("msg_id", "state")}
    if e2e_ids:
        batches.update(unsent.filter(payouts__end_to_end_id__in=e2e_ids).values_list("msg_id", "state"))
    if not batches:
        return
    built = sorted(msg_id for msg_id, state in batches.items() if state == BatchState.BUILT)
    files = ", ".join(built or sorted(batches))
    # Kept in the log: a report for a file TikJoy never released is either the wrong report or a sign
    # that the file reached the bank some other way (its payouts would then be paid by the bank).
    logger.warning("%s %s for the unreleased file(s) %s refused", parsed.kind, parsed.msg_id, files)
    status_report = parsed.kind == BankFileKind.PAIN_002
    if built and status_report:
        message = _(
            "Nothing was imported: this status report answers the file %(file)s, which has not been "
            "released to the bank yet (it is waiting for a second person to release it), so the bank "
            "cannot have answered it. Check that this is the right report; if the file did reach the "
            "bank, have it released first, then import the report again."
        )
    elif built:
        message = _(
            "Nothing was imported: this bank statement books transfers of the file %(file)s, which has "
            "not been released to the bank yet (it is waiting for a second person to release it), so "
            "the bank cannot have made them. Check that this is the right statement; if the bank did "
            "make them, have the file released first, then import the statement again."
        )
    elif status_report:
        message = _(
            "Nothing was imported: this status report answers the file %(file)s, which was discarded before "
            "it was released, so the bank cannot have answered it. Check that this is the right report."
        )
    else:
        message = _(
            "Nothing was imported: this bank statement books transfers of the file %(file)s, which was "
            "discarded before it was released, so the bank cannot have made them. Check that this is the "
            "right statement, and ask the bank about these transfers if it did make them."
        )
    raise BankFileRejected(message % {"file": files})


def _apply(parsed: ParsedFile, *, bank_file: BankFile, actor: User | None, now: datetime) -> ImportResult:
    result = ImportResult(bank_file=bank_file)
    expanded: list[tuple[ParsedLine, Payout | None]] = []
    e2e_ids = {line.end_to_end_id for line in parsed.lines if line.scope == "TX" and line.end_to_end_id}
    # Lock every payout the file names, in primary-key order, before touching any.
    by_e2e = {
        p.end_to_end_id: p
        for p in Payout.objects.select_for_update(of=("self",))
        .filter(end_to_end_id__in=e2e_ids)
        .select_related("bank_account", "requested_by")
        .order_by("pk")
    }
    for line in parsed.lines:
        if line.scope == "TX":
            expanded.append((line, by_e2e.get(line.end_to_end_id)))
        else:
            expanded.extend(_lines_for_group(parsed, line))
    group_ids = [p.pk for _line, p in expanded if p is not None and p.end_to_end_id not in by_e2e]
    if group_ids:
        for p in (
            Payout.objects.select_for_update(of=("self",))
            .filter(pk__in=group_ids)
            .select_related("bank_account", "requested_by")
            .order_by("pk")
        ):
            by_e2e[p.end_to_end_id] = p
    references = [line.reference for line, _ in expanded]
    seen = set(BankLine.objects.filter(reference__in=references).values_list("reference", flat=True))
    applier = _Applier(
        bank_file=bank_file,
        actor=actor,
        now=now,
        payouts=[p for p in by_e2e.values() if p.currency == PAYOUT_CURRENCY],
    )
    lines = []
    for line, match in expanded:
        if line.reference in seen:
            result.skipped += 1
            continue
        seen.add(line.reference)
        payout = by_e2e.get(match.end_to_end_id) if match is not None else None
        if payout is None:
            outcome = NO_PAYOUT
            if line.end_to_end_id:
                result.unmatched.append(f"{line.end_to_end_id}: {outcome}")
                result.not_matched.append({"end_to_end_id": line.end_to_end_id, "kind": NO_PAYOUT})
        elif line.amount is not None and (
            line.amount != payout.amount or (line.currency and line.currency != payout.currency)
        ):
            outcome = f"amount {line.amount} {line.currency} differs from the payout's {payout.money}"
            result.unmatched.append(f"{line.end_to_end_id}: {outcome}")
            result.not_matched.append(
                {
                    "end_to_end_id": line.end_to_end_id,
                    "kind": AMOUNT_DIFFERS,
                    "amount": str(line.amount),
                    "currency": line.currency or "",
                    "payout_amount": str(payout.amount),
                    "payout_currency": payout.currency,
                }
            )
            applier.ops_alerts.append(
                LaterText(
                    gettext_lazy(
                        "%(payout)s: the bank's amount %(amount)s differs from the payout's %(payout_amount)s"
                    ),
                    payout=line.end_to_end_id,
                    amount=f"{line.amount} {line.currency or payout.currency}",
                    payout_amount=f"{payout.amount} {payout.currency}",
                )
            )
            payout = None
        else:
            outcome = _apply_line(applier, payout, line)
            result.outcomes[outcome] = result.outcomes.get(outcome, 0) + 1
            result.applied += 1
        lines.append(
            BankLine(
                bank_file=bank_file,
                reference=line.reference[:140],
                end_to_end_id=line.end_to_end_id[:35],
                amount=line.amount,
                status=line.status[:16],
                reason_code=line.reason_code[:4],
                payout=payout,
                outcome=outcome[:300],
            )
        )
    BankLine.objects.bulk_create(lines, batch_size=2000)
    changed = list(applier.changed.values())
    if changed:
        _update_grouped(changed, ["state", "reason", "reason_code", "escalation", "closed_at"])
        PayoutEvent.objects.bulk_create(applier.events, batch_size=2000)
        _post_chunked(applier.postings)
        _notify(changed)
        paid_out_tell(payees=applier.paid_out, now=now)
    if applier.ops_alerts:
        _ops_alert(
            LaterText(gettext_lazy("bank file %(file)s needs a look"), file=bank_file.msg_id),
            applier.ops_alerts,
        )
    return result


def _apply_line(applier: _Applier, payout: Payout, line: ParsedLine) -> str:
    status = line.status
    if status in ("ACCP", "ACSP", "ACSC", "ACTC", "ACWC", "ACCC"):
        return applier.accepted(payout)
    if status == "RJCT":
        return applier.rejected(payout, line.reason_code or "NARR")
    if status == "BOOK_DBIT":
        return applier.paid(payout)
    if status == "BOOK_RTRN":
        return applier.returned(payout, line.reason_code or "NARR")
    return status_outcome(status)


# --- a person deleting their account ---------------------------------------------------------


def payee_erase(*, user: User) -> dict[str, int]:
    """Forget what payouts knows of a deleted person, except what the law makes us keep.

    Codes waiting for bank details go; bank details no payout was sent to go, and the
    identity goes when no payout was ever asked for. A payout's bank details, its
    creditor name and the identity behind payouts are bookkeeping records the law makes
    us keep (docs/privacy.md). Runs inside the caller's
    transaction; returns counts by kind.
    """
    owner_type, owner_id = owner_key(user)
    has_payouts = Payout.objects.filter(requested_by=user).exists()
    counts = {
        "bank_detail_codes": BankDetailsChallenge.objects.filter(user=user).delete()[0],
        "bank_accounts": BankAccount.objects.filter(
            owner_type=owner_type, owner_id=owner_id, user=user, payouts__isnull=True
        ).delete()[0],
        "identities": 0 if has_payouts else PayeeIdentity.objects.filter(user=user).delete()[0],
    }
    return counts


def bank_files_raw_purge(*, before: datetime) -> int:
    """Retention: empty the raw content of bank files uploaded before ``before`` (their lines,
    summary and the payouts they moved stay); returns how many files were emptied."""
    return BankFile.objects.filter(uploaded_at__lt=before).exclude(raw=b"").update(raw=b"")
