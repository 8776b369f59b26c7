"""Every write of the affiliates app (docs/affiliates.md).

Ledger postings (kind: from -> to). The payer is the merchant's prepaid funds
(``merchant:available``) for a merchant program and the platform's bank account for
TikJoy's own program; a merchant also pays the platform's margin on top of the bounty.

- ``AFFILIATE_TRACK``    payer -> affiliate:pending (bounty) [+ the platform's affiliate:pending for the program (margin)]
- ``AFFILIATE_REVERSE``  the same, back to the payer (only before lock)
- ``AFFILIATE_LOCK``     affiliate:pending -> affiliate:locked
- ``AFFILIATE_APPROVE``  affiliate:locked -> user:available (what payouts pay out from)
                         [+ margin -> platform:revenue for the merchant]; then, if the person owes,
                         ``DEBT_REPAID`` user:available -> user:owed (wallets.debts)
- ``AFFILIATE_ADJUST``   after lock, either way between the payer and affiliate:locked (while locked)
                         or user:available (once approved); what the balance can't cover of a negative
                         one: ``DEBT_INCURRED`` user:owed -> payer

Locks in one order: the commission row, then the affiliate row, then the ledger's
accounts by primary key (inside ``wallets.services.post``). Every posting's key is
derived from the commission (or the adjustment), so a movement happens once.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from collections import deque
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from urllib.parse import urlencode, urlsplit, urlunsplit

from django.conf import settings
from django.db import IntegrityError, connection, transaction
from django.db.models import F, Q, Sum, Value
from django.db.models.functions import Concat
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from moneyed import Money
from publicsuffixlist import PublicSuffixList

from accounts.models import User
from affiliates import rollups
from affiliates.holds import Hold, HoldCode, duplicate_checks
from affiliates.models import (
    APPROVE_AFTER_DAYS,
    LOCK_AFTER_DAYS,
    Adjustment,
    Affiliate,
    AffiliateStatus,
    Attribution,
    Click,
    Commission,
    CommissionState,
    Conversion,
    ConversionSource,
    CustomerBinding,
    Inquiry,
    InquiryStatus,
    Link,
    PlatformReferral,
    Program,
    ProgramKind,
    RejectReason,
    ReversalCode,
)
from affiliates.payloads import commission_data, conversion_data
from core.errors import DomainError
from core.hosts import host_ascii
from core.i18n import language_codes, recipient_locale
from core.tasks import mail_after_commit
from merchants.models import Merchant
from wallets.debts import debt_incur, debt_owed, debt_repay
from wallets.formats import money_text, number_text
from wallets.models import PLATFORM, Account, Entry, Purpose
from wallets.money import is_at_precision, quantum, round_down, zero
from wallets.services import InsufficientFunds, account_for, balance, post
from webhooks.models import EventType
from webhooks.services import event_record

# A browser tag can be forged by anyone who holds a click id (the affiliate included), so what it
# reports is never paid on its word: the commission is reserved and HELD until the merchant confirms
# the order (its server reports the same order id to the API, or a person releases it in the console).
TAG_HOLD = Hold(HoldCode.TAG_UNCONFIRMED)
TAG_HOLD_REASON = TAG_HOLD.english()


TRACK_KIND = "AFFILIATE_TRACK"
REVERSE_KIND = "AFFILIATE_REVERSE"
LOCK_KIND = "AFFILIATE_LOCK"
APPROVE_KIND = "AFFILIATE_APPROVE"
ADJUST_KIND = "AFFILIATE_ADJUST"


class AffiliateError(DomainError):
    """An affiliate operation that can't be done; the message is for the person."""


class LinkExists(AffiliateError):
    """The affiliate has a link to this page with this sub-id already (``link``): one link a page and
    sub-id, so its clicks and conversions aren't split between two codes."""

    def __init__(self, link: Link):
        self.link = link
        super().__init__(
            _("You have a link to this page with this sub-id already: %(url)s")
            % {"url": f"{settings.SITE_URL}/r/{link.code}"}
        )


class TagClickUsed(AffiliateError):
    """The thank-you-page tag reports one order per visit (click); more come from the merchant's server."""


class DuplicateOrder(AffiliateError):
    def __init__(self, conversion: Conversion, *, another_affiliate: bool = False):
        self.conversion = conversion
        # the server's report is attributed to another approved affiliate (tag_conversion_supersede)
        self.another_affiliate = another_affiliate
        super().__init__(
            _("Order %(order)s was already reported for this program.") % {"order": repr(conversion.order_id)}
        )


# ---------------------------------------------------------------------------
# Accounts


def _payer(program: Program, currency: str) -> Account:
    if program.kind == ProgramKind.PLATFORM:
        return account_for(owner=PLATFORM, purpose=Purpose.PLATFORM_BANK, currency=currency)
    return account_for(owner=program.merchant, purpose=Purpose.MERCHANT_AVAILABLE, currency=currency)


def _margin_pending(program: Program, currency: str) -> Account:
    """The platform's margin on the program's commissions still reversible: the platform's own
    affiliate:pending account for the program (the platform's pending revenue is the engine's, and
    ``rewards_check`` reconciles it with rewards alone)."""
    return account_for(
        owner=PLATFORM, purpose=Purpose.AFFILIATE_PENDING, currency=currency, partition=program
    )


def _margin(program: Program, currency: str) -> Account:
    return account_for(
        owner=PLATFORM, purpose=Purpose.PLATFORM_REVENUE, currency=currency, partition=program.merchant
    )


def _pending(affiliate: Affiliate, currency: str) -> Account:
    return account_for(owner=affiliate, purpose=Purpose.AFFILIATE_PENDING, currency=currency)


def _locked(affiliate: Affiliate, currency: str) -> Account:
    return account_for(owner=affiliate, purpose=Purpose.AFFILIATE_LOCKED, currency=currency)


def _available(affiliate: Affiliate, currency: str) -> Account:
    return account_for(owner=affiliate.user, purpose=Purpose.USER_AVAILABLE, currency=currency)


def _owed(affiliate: Affiliate, currency: str) -> Account:
    """The person's debt account (``wallets.debts``): below zero while they owe."""
    return account_for(owner=affiliate.user, purpose=Purpose.USER_OWED, currency=currency)


def _accounts_lock(accounts: list[Account]) -> None:
    """Lock ledger account rows in primary-key order (the order ``wallets.services.post`` takes them in),
    before a transaction that posts to several of them in more than one step."""
    list(
        Account.objects.select_for_update()
        .filter(pk__in={account.pk for account in accounts})
        .order_by("pk")
        .values_list("pk", flat=True)
    )


def _tell_merchant(program: Program, event_type: str, data: dict, now: datetime) -> None:
    """A merchant program's webhook event, in the outbox of the caller's transaction."""
    if program.merchant_id is not None:
        event_record(merchant_id=program.merchant_id, type=event_type, data=data, now=now)


# ---------------------------------------------------------------------------
# Programs


_HOST = re.compile(r"[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?(\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)*")


# The Public Suffix List (publicsuffixlist ships it; an unknown single label counts as public too).
_PUBLIC_SUFFIXES = PublicSuffixList()


def domain_is_public_suffix(domain: str) -> bool:
    """A name under which anyone may own a site (``com``, ``co.uk``, ``github.io``, a single label):
    never one of a program's domains, else any site under it would be a link's destination. The names
    this deployment itself answers to (``ALLOWED_HOSTS``: ``localhost`` in development) are its own."""
    return domain not in settings.ALLOWED_HOSTS and _PUBLIC_SUFFIXES.is_public(domain)


def _clean_domains(domains: list[str]) -> list[str]:
    cleaned = []
    for raw in domains:
        host = raw.strip().lower().rstrip(".")
        if host.startswith(("http://", "https://")):
            try:
                host = urlsplit(host).hostname or ""
            except ValueError:  # "https://[zz": no host to read
                host = ""
        # An internationalised domain (müller.de) is kept as browsers send it: xn--mller-kva.de.
        host = host_ascii(host) or ""
        if not _HOST.fullmatch(host) or len(host) > 253:
            raise AffiliateError(
                _("%(value)s is not a domain name (write it like shop.example).") % {"value": repr(raw)}
            )
        if domain_is_public_suffix(host):
            raise AffiliateError(
                _(
                    "%(value)s is shared by many owners' sites (like com or github.io): "
                    "write your own site's domain, like shop.example."
                )
                % {"value": repr(raw)}
            )
        cleaned.append(host)
    if not cleaned:
        raise AffiliateError(_("Name at least one domain your affiliates may link to."))
    return sorted(set(cleaned))


def program_create(
    *,
    merchant: Merchant | None,
    name: str,
    domains: list[str],
    now: datetime,
    bounty: Decimal = Decimal("40.00"),
    currency: str | None = None,
    window_days: int = 30,
    attribution: str = Attribution.LAST_CLICK,
    margin_rate: Decimal | None = None,
    terms: str = "",
    terms_translations: dict[str, str] | None = None,
    name_translations: dict[str, str] | None = None,
) -> Program:
    """A merchant's program (``merchant`` given) or TikJoy's own (``merchant=None``, one only).

    ``terms`` in the owner's language, ``terms_translations`` the same terms in other shipped languages
    (``{"it": "..."}``), shown to readers of those languages (``Program.terms_in``); ``name_translations``
    likewise for the name (``Program.name_in``)."""
    currency = currency or (merchant.currency if merchant else "EUR")
    if not 1 <= int(window_days) <= 90:
        raise AffiliateError(_("The attribution window is 1 to 90 days."))
    if bounty <= 0 or not is_at_precision(Money(bounty, currency)):
        raise AffiliateError(
            _("The bounty is a positive amount in %(currency)s, e.g. 40.00.") % {"currency": currency}
        )
    if bounty > BOUNTY_MAX:
        raise AffiliateError(bounty_refusal(currency))
    if attribution not in Attribution.values:
        raise AffiliateError(_("Choose last click or first click."))
    if margin_rate is None:
        margin_rate = Decimal(0) if merchant is None else Decimal(settings.AFFILIATES_MARGIN_RATE)
    try:
        with transaction.atomic(durable=True):
            return Program.objects.create(
                kind=ProgramKind.PLATFORM if merchant is None else ProgramKind.MERCHANT,
                merchant=merchant,
                name=name.strip() or "Affiliate program",
                name_translations=_translations(name_translations or {}),
                currency=currency,
                bounty=bounty,
                margin_rate=margin_rate,
                domains=_clean_domains(domains),
                window_days=window_days,
                attribution=attribution,
                terms=terms,
                terms_translations=_translations(terms_translations or {}),
                created_at=now,
            )
    except IntegrityError as exc:
        raise AffiliateError(_("This program exists already.")) from exc


def _translations(texts: dict[str, str]) -> dict[str, str]:
    """The non-empty texts (a name's or the terms'), by shipped language code; any other language
    is refused."""
    unknown = sorted(set(texts) - set(language_codes()))
    if unknown:
        raise AffiliateError(_("Terms can be given only in the languages TikJoy speaks."))
    return {code: text.strip() for code, text in sorted(texts.items()) if text and text.strip()}


def _translations_merged(stored: dict[str, str] | None, given: dict[str, str]) -> dict[str, str]:
    """``given`` over ``stored``: the languages the form did not offer (the brand's own, which may
    have changed since) keep what they had, so saving never drops a translation nobody was shown."""
    kept = {code: text for code, text in (stored or {}).items() if code not in given}
    return _translations({**kept, **given})


def program_update(
    *,
    program_id: int,
    name: str,
    bounty: Decimal,
    domains: list[str],
    window_days: int,
    attribution: str,
    terms: str,
    is_active: bool,
    terms_translations: dict[str, str] | None = None,
    name_translations: dict[str, str] | None = None,
) -> Program:
    """Change a program's terms; a new bounty applies to conversions tracked from now on.
    ``terms_translations`` (``name_translations``) None keeps the terms' (name's) other languages as
    they are."""
    if not 1 <= int(window_days) <= 90:
        raise AffiliateError(_("The attribution window is 1 to 90 days."))
    if attribution not in Attribution.values:
        raise AffiliateError(_("Choose last click or first click."))
    with transaction.atomic(durable=True):
        program = Program.objects.select_for_update().get(pk=program_id)
        if bounty <= 0 or not is_at_precision(Money(bounty, program.currency)):
            raise AffiliateError(
                _("The bounty is a positive amount in %(currency)s, e.g. 40.00.")
                % {"currency": program.currency}
            )
        if bounty > BOUNTY_MAX:
            raise AffiliateError(bounty_refusal(program.currency))
        program.name = name.strip() or program.name
        program.bounty = bounty
        program.domains = _clean_domains(domains)
        program.window_days = window_days
        program.attribution = attribution
        program.terms = terms
        if terms_translations is not None:
            program.terms_translations = _translations_merged(program.terms_translations, terms_translations)
        if name_translations is not None:
            program.name_translations = _translations_merged(program.name_translations, name_translations)
        program.is_active = is_active
        program.save()
    return program


# Sane upper bounds of what a person types: a bounty per conversion, and an adjustment either way.
BOUNTY_MAX = Decimal("10000.00")
ADJUSTMENT_MAX = BOUNTY_MAX


def bounty_refusal(currency: str) -> str:
    """Why a bounty is refused, with its limits as the reader writes money."""
    return _("A bounty per conversion is at least %(min)s and at most %(max)s.") % {
        "min": money_text(Money(Decimal("0.01"), currency)),
        "max": money_text(Money(BOUNTY_MAX, currency)),
    }


def adjustment_amount_refusal(currency: str) -> str:
    """Why an adjustment's amount is refused, with its limit as the reader writes money."""
    return _("An adjustment is at most %(limit)s either way.") % {
        "limit": money_text(Money(ADJUSTMENT_MAX, currency))
    }


def commission_margin(program: Program, amount: Decimal) -> Money:
    """The platform's margin on ``amount`` earned by an affiliate of ``program``: the one rule of every
    commission and every adjustment (docs/affiliates.md "Adjustments"). The merchant pays it on top,
    rounded down; TikJoy's own program has none; nothing earned (or less), no margin."""
    if program.kind != ProgramKind.MERCHANT:
        return zero(program.currency)
    return round_down(max(amount, Decimal(0)) * program.margin_rate, program.currency)


def program_margin(program: Program) -> Money:
    """The platform's margin on one bounty (the merchant pays bounty + margin)."""
    return commission_margin(program, program.bounty)


# ---------------------------------------------------------------------------
# Joining


def affiliate_apply(
    *,
    program: Program,
    user: User,
    website: str,
    promotion_plan: str,
    now: datetime,
    device_id: str = "",
    visitor_hash: str = "",
) -> Affiliate:
    if not program.is_active:
        raise AffiliateError(_("This program is closed to new affiliates."))
    if not promotion_plan.strip():
        raise AffiliateError(_("Tell the program how you will promote it."))
    try:
        with transaction.atomic(durable=True):
            affiliate = Affiliate.objects.create(
                program=program,
                user=user,
                website=website.strip(),
                promotion_plan=promotion_plan.strip()[:2000],
                device_id=device_id,
                visitor_hash=visitor_hash,
                applied_at=now,
            )
    except IntegrityError as exc:
        raise AffiliateError(_("You have applied to this program already.")) from exc
    _tell_owner(
        program,
        lambda: (
            _("New affiliate application: %(person)s") % {"person": user},
            _("%(person)s applied to the program “%(program)s”.") % {"person": user, "program": program},
        ),
    )
    return affiliate


def _tell_owner(program: Program, compose: Callable[[], tuple[str, str]]) -> None:
    """E-mail the program's owner: the merchant, in its language (``compose`` returns the subject and
    the message, written inside ``recipient_locale``); TikJoy's own program: ops, in the default."""
    if program.merchant is not None:
        recipients = [program.merchant.contact_email]
    else:
        recipients = list(settings.AFFILIATES_OPS_EMAILS)
    with recipient_locale(program.merchant):
        subject, message = compose()
        mail_after_commit(subject=subject, message=message, recipient_list=recipients)


_DECISIONS = {
    # to status: the statuses it may come from
    AffiliateStatus.APPROVED: {AffiliateStatus.APPLIED, AffiliateStatus.DEACTIVATED},
    AffiliateStatus.REJECTED: {AffiliateStatus.APPLIED},
    AffiliateStatus.DEACTIVATED: {AffiliateStatus.APPROVED},
    AffiliateStatus.BANNED: {AffiliateStatus.APPLIED, AffiliateStatus.APPROVED, AffiliateStatus.DEACTIVATED},
}


def affiliate_decide(*, affiliate_id: int, status: str, reason: str, actor: User, now: datetime) -> Affiliate:
    """Approve, reject, deactivate or ban an affiliate; every refusal carries a reason the person sees."""
    status = AffiliateStatus(status)
    reason = reason.strip()
    if status != AffiliateStatus.APPROVED and not reason:
        raise AffiliateError(_("Give a reason: the affiliate will read it."))
    with transaction.atomic(durable=True):
        affiliate = (
            Affiliate.objects.select_for_update().select_related("program", "user").get(pk=affiliate_id)
        )
        if affiliate.status not in _DECISIONS[status]:
            raise AffiliateError(
                _("This affiliate's status is “%(current)s”: it can't change to “%(new)s”.")
                % {"current": affiliate.get_status_display(), "new": status.label}
            )
        affiliate.status = status
        affiliate.status_reason = reason[:500]
        affiliate.decided_at = now
        affiliate.decided_by = actor
        affiliate.save(update_fields=["status", "status_reason", "decided_at", "decided_by"])
        with recipient_locale(affiliate.user, brand=affiliate.program.merchant):
            mail_after_commit(
                subject=(
                    _("%(program)s: your application")
                    if status != AffiliateStatus.BANNED
                    else _("%(program)s: your account")
                )
                % {"program": affiliate.program},
                message=_("Your status in the program “%(program)s” is now: %(status)s.")
                % {"program": affiliate.program, "status": status.label}
                + ("\n" + _("Reason: %(reason)s") % {"reason": reason} if reason else ""),
                recipient_list=[affiliate.user.email or ""],
            )
    return affiliate


# ---------------------------------------------------------------------------
# Links and clicks

BOT_MARKERS = (
    "bot",
    "crawler",
    "spider",
    "whatsapp",
    "facebookexternalhit",
    "facebot",
    "twitterbot",
    "slackbot",
    "telegrambot",
    "discordbot",
    "linkedinbot",
    "bytespider",
    "tiktokspider",
    "preview",
    "prefetch",
    "curl/",
    "wget/",
    "python-requests",
    "python-urllib",
    "httpclient",
    "go-http-client",
    "headless",
)


def is_bot(*, method: str, user_agent: str, purpose: str = "") -> bool:
    """HEAD requests, prefetches and link-preview or crawler user agents are bots."""
    if method.upper() != "GET" or purpose.lower() in {"prefetch", "preview"}:
        return True
    agent = user_agent.lower()
    return not agent or any(marker in agent for marker in BOT_MARKERS)


def visitor_hash(ip: str | None) -> str:
    """A salted hash of the visitor's IP: counts unique visitors without keeping the address."""
    key = settings.AFFILIATES_VISITOR_SALT.encode()
    return hmac.new(key, (ip or "unknown").encode(), hashlib.sha256).hexdigest()


def destination_allowed(program: Program, url: str) -> bool:
    return destination_on_domains(program.domains, url)


def destination_on_domains(domains: list[str], url: str) -> bool:
    """An http(s) URL without user info whose host is one of ``domains`` or a sub-domain of one.

    A public suffix stored before the programs' domains refused them (``com``) is not honoured."""
    try:
        parts = urlsplit(url)
        host = (host_ascii(parts.hostname or "") or "").rstrip(".")
        parts.port  # noqa: B018 - a port out of range is no destination ("ValueError: Port out of range")
    except ValueError:
        return False
    if parts.scheme not in {"http", "https"} or not host or parts.username or parts.password:
        return False
    return any(
        (host == domain or host.endswith("." + domain)) and not domain_is_public_suffix(domain)
        for domain in domains
    )


def destination_normal(url: str) -> str:
    """A page written one way, so that one page and sub-id make one link: the host as browsers send
    it (``destination_ascii``), scheme and host in lower case, an empty path "/"
    (``https://Shop.example?x=1`` -> ``https://shop.example/?x=1``); the path and query as given."""
    url = destination_ascii(url.strip())
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018 - a port out of range: left as typed, refused by destination_allowed
    except ValueError:
        return url
    if not parts.hostname or parts.username or parts.password or parts.scheme not in {"http", "https"}:
        return url
    return parts._replace(netloc=parts.netloc.lower(), path=parts.path or "/").geturl()


def destination_ascii(url: str) -> str:
    """``https://Müller.de/Angebote?x=1`` -> ``https://xn--mller-kva.de/Angebote?x=1``: the host as
    browsers send it, so the redirect's ``Location`` is a valid header (the rest is kept as given)."""
    try:
        parts = urlsplit(url)
        hostname = parts.hostname or ""
        port = f":{parts.port}" if parts.port else ""
    except ValueError:
        return url
    if hostname.isascii() or parts.username or parts.password:  # user info: refused as it is
        return url
    host = host_ascii(hostname)
    if host is None:
        return url
    return parts._replace(netloc=f"{host}{port}").geturl()


def link_create(*, affiliate: Affiliate, destination: str, sub_id: str = "", now: datetime) -> Link:
    if affiliate.status != AffiliateStatus.APPROVED:
        raise AffiliateError(_("Only approved affiliates create links."))
    destination = destination_normal(destination)
    limit = Link._meta.get_field("destination").max_length
    if len(destination) > limit:  # written as browsers send it (its host in ASCII, an empty path "/")
        raise AffiliateError(
            _(
                "A page's address has at most %(limit)s characters as browsers send it (this one has %(count)s)."
            )
            % {"limit": number_text(limit), "count": number_text(len(destination))}
        )
    if not destination_allowed(affiliate.program, destination):
        allowed = ", ".join(affiliate.program.domains_readable)
        raise AffiliateError(
            _("Links may point only to the program's sites (%(domains)s), over http or https.")
            % {"domains": allowed}
        )
    sub_id = sub_id.strip()
    if len(sub_id) > 64 or any(not (c.isalnum() or c in "-_.") for c in sub_id):
        raise AffiliateError(_("A sub-id is up to 64 letters, digits, dots, dashes or underscores."))
    for _attempt in range(5):
        try:
            with transaction.atomic(durable=True):
                return Link.objects.create(
                    affiliate=affiliate,
                    code=secrets.token_urlsafe(6).replace("-", "x").replace("_", "y"),
                    destination=destination,
                    sub_id=sub_id,
                    created_at=now,
                )
        except IntegrityError:  # this page and sub-id's link (affiliates_link_once), or a code taken
            existing = Link.objects.filter(
                affiliate=affiliate, destination=destination, sub_id=sub_id, duplicate_of__isnull=True
            ).first()
            if existing is not None:
                raise LinkExists(existing) from None
    raise AffiliateError(_("Could not make a link code; try again."))


def new_click_id() -> str:
    return secrets.token_hex(12)


def redirect_target(destination: str, click_id: str) -> str:
    """The destination with ``tj_click=<click id>`` added to its query."""
    parts = urlsplit(destination)
    extra = urlencode({"tj_click": click_id})
    query = f"{parts.query}&{extra}" if parts.query else extra
    return urlunsplit((parts.scheme, parts.netloc, parts.path, query, parts.fragment))


def click_record(
    *, link_id: int, click_id: str, visitor: str, user_agent: str, bot: bool, at: datetime
) -> Click:
    """Record a click (after the redirect answered): the batch writer with a batch of one."""
    clicks_record_many(
        [
            {
                "link_id": link_id,
                "click_id": click_id,
                "visitor": visitor,
                "user_agent": user_agent,
                "bot": bot,
                "at": at,
            }
        ]
    )
    return Click.objects.get(click_id=click_id)


# PostgreSQL, one statement (its own transaction; no ORM objects built in the writer thread, which
# shares the worker's interpreter with the redirects): the humans' clicks inserted as unique, those
# the per-link, visitor and hour index refused and the bots' as not unique; a click id already
# recorded (a retried batch) is skipped by both; then the clicks written are added to the reports'
# roll-ups (``rollups.CLICKS_ROLLUP_POSTGRESQL``: their link's day and their program's day).
_CLICKS_RECORD_POSTGRESQL = (
    "WITH batch AS (SELECT * FROM unnest(%s::bigint[], %s::text[], %s::timestamptz[], %s::timestamptz[], "  # noqa: S608
    "%s::text[], %s::text[], %s::boolean[]) AS b(link_id, click_id, at, hour, visitor_hash, user_agent, is_bot)), "
    "uniq AS (INSERT INTO affiliates_click (link_id, click_id, at, hour, visitor_hash, user_agent, is_bot, is_unique) "
    "SELECT link_id, click_id, at, hour, visitor_hash, user_agent, false, true FROM batch WHERE NOT is_bot "
    "ON CONFLICT DO NOTHING RETURNING click_id, link_id, at), "
    "rest AS (INSERT INTO affiliates_click (link_id, click_id, at, hour, visitor_hash, user_agent, is_bot, is_unique) "
    "SELECT link_id, click_id, at, hour, visitor_hash, user_agent, is_bot, false FROM batch "
    "WHERE click_id NOT IN (SELECT click_id FROM uniq) ON CONFLICT DO NOTHING RETURNING link_id, at, is_bot), "
    + rollups.CLICKS_ROLLUP_POSTGRESQL
)


def clicks_record_many(clicks: list[dict]) -> int:
    """Record a batch of clicks (each: link_id, click_id, visitor, user_agent, bot, at) and add them
    to the reports' roll-ups: one statement on PostgreSQL, a transaction elsewhere.

    A human click is inserted as unique first; those the per-link, visitor and hour index refused
    (and the bots) are inserted as not unique. A click id already recorded is skipped (a retry) and
    not counted again.
    """
    rows = []
    for c in clicks:
        at = c["at"]
        rows.append(
            {
                "link_id": c["link_id"],
                "click_id": c["click_id"],
                "at": at,
                "hour": at.replace(minute=0, second=0, microsecond=0),
                "visitor_hash": c["visitor"],
                "user_agent": c["user_agent"][:300],
                "is_bot": c["bot"],
            }
        )
    # In the unique index's order: two batches that insert the same (link, visitor, hour) wait for
    # each other in one direction only (in the arrival order, a batch could wait for another's key
    # while that one waits for its own: a deadlock).
    rows.sort(key=lambda r: (r["link_id"], r["visitor_hash"], r["hour"], r["click_id"]))
    if connection.vendor == "postgresql":
        columns = ("link_id", "click_id", "at", "hour", "visitor_hash", "user_agent", "is_bot")
        with connection.cursor() as cursor:
            cursor.execute(_CLICKS_RECORD_POSTGRESQL, [[r[c] for r in rows] for c in columns])
        return len(rows)
    links = dict(Link.objects.filter(pk__in={r["link_id"] for r in rows}).values_list("pk", "affiliate_id"))
    programs = dict(Affiliate.objects.filter(pk__in=set(links.values())).values_list("pk", "program_id"))
    written = []
    with transaction.atomic():
        for r in rows:
            if Click.objects.filter(click_id=r["click_id"]).exists():
                continue  # a retry
            unique = False
            if not r["is_bot"]:
                try:
                    with transaction.atomic():
                        Click.objects.create(is_unique=True, **r)
                    unique = True
                except IntegrityError:
                    pass
            if not unique:
                Click.objects.create(is_unique=False, **r)
            if not r["is_bot"]:
                affiliate_id = links[r["link_id"]]
                written.append((programs[affiliate_id], affiliate_id, r["link_id"], r["at"], unique))
        rollups.clicks_add(written)
    return len(rows)


# ---------------------------------------------------------------------------
# Conversions and attribution


@dataclass(frozen=True)
class _Attributed:
    affiliate: Affiliate | None
    click: Click | None
    reject_reason: str = ""


def _attribute(*, program: Program, click_id: str, customer_ref: str, occurred_at: datetime) -> _Attributed:
    if not program.is_active:
        return _Attributed(None, None, RejectReason.PROGRAM_INACTIVE)
    given = None
    if click_id:
        given = (
            Click.objects.select_related("link__affiliate")
            .filter(click_id=click_id, link__affiliate__program=program)
            .first()
        )
    if customer_ref:
        binding = (
            CustomerBinding.objects.select_related("affiliate")
            .filter(program=program, customer_ref=customer_ref)
            .first()
        )
        if binding is not None:
            return _checked(binding.affiliate, given)
    if given is None:
        return _Attributed(None, None, RejectReason.NO_CLICK)
    window_start = occurred_at - timedelta(days=program.window_days)
    candidates = Click.objects.select_related("link__affiliate").filter(
        link__affiliate__program=program,
        visitor_hash=given.visitor_hash,
        is_bot=False,
        at__gte=window_start,
        at__lte=occurred_at,
    )
    order = ("at", "id") if program.attribution == Attribution.FIRST_CLICK else ("-at", "-id")
    chosen = candidates.order_by(*order).first()
    if chosen is None:
        return _Attributed(given.link.affiliate, given, RejectReason.OUTSIDE_WINDOW)
    return _checked(chosen.link.affiliate, chosen)


def _checked(affiliate: Affiliate, click: Click | None) -> _Attributed:
    if affiliate.status != AffiliateStatus.APPROVED:
        return _Attributed(affiliate, click, RejectReason.AFFILIATE_INACTIVE)
    return _Attributed(affiliate, click)


def normalised_email(email: str) -> str:
    local, _, domain = email.strip().lower().partition("@")
    return f"{local.split('+', 1)[0]}@{domain}" if domain else ""


def duplicate_account_reason(affiliate: Affiliate) -> Hold | None:
    """Why ``affiliate`` looks like another affiliate of its program (same device at application,
    same IBAN...), or None. A phone number can't be shared: it is unique per person (accounts)."""
    others = Affiliate.objects.filter(program_id=affiliate.program_id).exclude(pk=affiliate.pk)
    if affiliate.device_id and others.filter(device_id=affiliate.device_id).exists():
        return Hold(HoldCode.DUPLICATE_DEVICE)
    other_users = list(others.exclude(user_id=affiliate.user_id).values_list("user_id", flat=True))
    for check in duplicate_checks():
        if check.shared(user_id=affiliate.user_id, among=other_users):
            return Hold(HoldCode.DUPLICATE_ACCOUNT, {"check": check.code})
    return None


def fraud_hold_reason(
    *, affiliate: Affiliate, click: Click | None, customer_email: str, now: datetime
) -> Hold | None:
    """Why a new commission must wait for a person, or None; never a silent rejection."""
    email = normalised_email(customer_email)
    if email and email == normalised_email(affiliate.user.email or ""):
        return Hold(HoldCode.SELF_REFERRAL_EMAIL)
    if click is not None and affiliate.visitor_hash and click.visitor_hash == affiliate.visitor_hash:
        return Hold(HoldCode.SELF_REFERRAL_NETWORK)
    domain = email.rpartition("@")[2]
    if domain and domain in settings.AFFILIATES_DISPOSABLE_DOMAINS:
        return Hold(HoldCode.DISPOSABLE_EMAIL, {"domain": domain})
    duplicate = duplicate_account_reason(affiliate)
    if duplicate:
        return duplicate
    if click is not None:
        recent = Conversion.objects.filter(
            program_id=affiliate.program_id,
            click__visitor_hash=click.visitor_hash,
            created_at__gte=now - timedelta(hours=24),
        ).count()
        if recent >= settings.AFFILIATES_VELOCITY_PER_DAY:
            return Hold(HoldCode.VELOCITY, {"count": recent})
    return None


def lock_date_for(day: date) -> date:
    return day + timedelta(days=LOCK_AFTER_DAYS)


def conversion_record(
    *,
    program: Program,
    order_id: str,
    event_type: str,
    amount: Decimal,
    currency: str,
    occurred_at: datetime,
    now: datetime,
    click_id: str = "",
    customer_ref: str = "",
    customer_email: str = "",
    source: str = ConversionSource.API,
) -> Conversion:
    """Record a conversion once per (program, order id); attributed ones earn a commission.

    A conversion that can't be attributed (no click, outside the window, inactive affiliate,
    no funds) is recorded as rejected with its reason. A second report of an order id raises
    ``DuplicateOrder`` carrying the first.
    """
    order_id = order_id.strip()
    if not order_id or len(order_id) > 200:
        raise AffiliateError(_("order_id is 1 to 200 characters."))
    if amount < 0:
        raise AffiliateError(_("amount can't be negative."))
    attributed = _attribute(
        program=program, click_id=click_id.strip(), customer_ref=customer_ref.strip(), occurred_at=occurred_at
    )
    hold = None
    if not attributed.reject_reason:
        hold = fraud_hold_reason(
            affiliate=attributed.affiliate, click=attributed.click, customer_email=customer_email, now=now
        )
        if not hold and source == ConversionSource.TAG:
            hold = TAG_HOLD
    try:
        with transaction.atomic(durable=True):
            conversion = Conversion.objects.create(
                program=program,
                order_id=order_id,
                event_type=event_type.strip()[:40] or "sale",
                amount=amount,
                currency=currency,
                occurred_at=occurred_at,
                click=attributed.click,
                customer_ref=customer_ref.strip()[:200],
                customer_email=customer_email.strip()[:254],
                affiliate=attributed.affiliate,
                source=source,
                is_accepted=not attributed.reject_reason,
                reject_reason=attributed.reject_reason,
                created_at=now,
            )
            if conversion.is_accepted:
                _commission_track(conversion, hold=hold, tracked_at=now)
            if conversion.is_accepted and conversion.customer_ref:
                _customer_bind(conversion, now=now)
            _tell_merchant(
                program,
                EventType.CONVERSION_ACCEPTED if conversion.is_accepted else EventType.CONVERSION_REJECTED,
                conversion_data(conversion),
                now,
            )
    except IntegrityError:
        existing = Conversion.objects.filter(
            program=program, order_id=order_id, superseded_at__isnull=True
        ).first()
        if existing is not None:
            raise DuplicateOrder(existing) from None
        if source == ConversionSource.TAG:
            raise TagClickUsed(
                _(
                    "This visit has reported an order through the tag already; "
                    "report further orders from your server (POST /api/v1/conversions)."
                )
            ) from None
        raise
    return conversion


def tag_conversion_record(
    *,
    program: Program,
    click_id: str,
    order_id: str,
    event_type: str,
    amount: Decimal,
    now: datetime,
) -> Conversion | None:
    """A conversion the tag on the merchant's thank-you page reported from the shopper's browser.

    Only a known click of the program counts (None, and nothing recorded, for any other id: most
    orders come without an affiliate); it is recorded with the time it arrived, and its commission
    is HELD (``TAG_HOLD_REASON``) until the merchant confirms it. One tag report per click.
    """
    click_id = click_id.strip()
    if not click_id or len(click_id) > 32 or not click_id.isalnum():
        return None
    if not Click.objects.filter(click_id=click_id, link__affiliate__program=program, is_bot=False).exists():
        return None
    return conversion_record(
        program=program,
        order_id=order_id,
        event_type=event_type,
        amount=amount,
        currency=program.currency,
        occurred_at=now,
        now=now,
        click_id=click_id,
        source=ConversionSource.TAG,
    )


# When a tag report may arrive around the order's own time (the merchant's server's clock), for a
# server report that names no visit: a thank-you page is shown once, right after the order, so a
# report much earlier named a guessed order id, and one much later an order someone learned of.
TAG_BEFORE_ORDER = timedelta(minutes=5)
TAG_AFTER_ORDER = timedelta(hours=1)


class TagAttributionMismatch(AffiliateError):
    """The merchant's server reported an order the tag had reported, and what it says doesn't bear the
    tag's attribution out: the tag's report is not confirmed, and its commission stays held for a
    person to release or reverse."""

    def __init__(self, conversion: Conversion, *, another_affiliate: bool = False):
        self.conversion = conversion
        # the server's report is attributed to another approved affiliate (tag_conversion_supersede)
        self.another_affiliate = another_affiliate
        super().__init__(
            _(
                "Order %(order)s was reported by the thank-you-page tag, but your report doesn't bear out "
                "its affiliate (your click_id or customer_id gives another visit, or the tag's report came "
                "long before or after the order's time): it is not confirmed, and its commission stays held until a "
                "person releases or reverses it in the console. To confirm a tag report, send the click id "
                "the tag kept for the visit."
            )
            % {"order": repr(conversion.order_id)}
        )


def tag_conversion_confirm(
    *,
    conversion_id: int,
    amount: Decimal,
    now: datetime,
    click_id: str = "",
    customer_ref: str = "",
    occurred_at: datetime | None = None,
) -> Conversion:
    """The merchant's server reported an order the tag had reported: the server's amount is kept, and
    a commission held only because it came from the tag goes on as pending (its dates kept); one held
    for a fraud rule stays held for a person.

    Anyone holding a click id of their own can send the tag a guessed order id before the real order
    exists, so an order id alone doesn't confirm the tag's attribution. The server's ``click_id`` and
    ``customer_ref`` are attributed as its own report would be (``_attribute``): they must give the
    tag's affiliate. When they name no visit (no click id, a customer bound to no affiliate), the tag's
    report must have arrived around the order's time (``occurred_at``, from ``TAG_BEFORE_ORDER`` before
    to ``TAG_AFTER_ORDER`` after).
    Otherwise ``TagAttributionMismatch``, and nothing changes."""
    if amount < 0:
        raise AffiliateError(_("amount can't be negative."))
    reported = Conversion.objects.select_related("program").get(pk=conversion_id)
    if reported.source != ConversionSource.TAG:
        raise DuplicateOrder(reported)
    occurred_at = occurred_at or now
    attributed = _attribute(
        program=reported.program,
        click_id=click_id.strip(),
        customer_ref=customer_ref.strip(),
        occurred_at=occurred_at,
    )
    if attributed.reject_reason or attributed.affiliate is None:
        names_no_visit = not click_id.strip() and attributed.reject_reason == RejectReason.NO_CLICK
        if not names_no_visit or not (
            occurred_at - TAG_BEFORE_ORDER <= reported.occurred_at <= occurred_at + TAG_AFTER_ORDER
        ):
            raise TagAttributionMismatch(reported)
    elif attributed.affiliate.pk != reported.affiliate_id:
        raise TagAttributionMismatch(reported, another_affiliate=True)
    with transaction.atomic(durable=True):
        conversion = Conversion.objects.select_for_update().get(pk=conversion_id)
        if conversion.superseded_at is not None:  # set aside meanwhile by another report of the order
            standing = Conversion.objects.filter(
                program_id=conversion.program_id, order_id=conversion.order_id, superseded_at__isnull=True
            ).first()
            raise DuplicateOrder(standing or conversion)
        commission = (
            Commission.objects.select_for_update().filter(conversion=conversion).first()
            if conversion.is_accepted
            else None
        )
        before = None
        if commission is not None:
            commission.conversion = conversion
            before = rollups.commission_figures(commission)
        if conversion.amount != amount:
            conversion.amount = amount
            conversion.save(update_fields=["amount"])
        if (
            commission is not None
            and commission.state == CommissionState.HELD
            and commission.hold_code == HoldCode.TAG_UNCONFIRMED
        ):
            commission.state = CommissionState.PENDING
            commission.hold_reason = f"Confirmed by the merchant's server on {now:%Y-%m-%d}."
            commission.save(update_fields=["state", "hold_reason"])
        if commission is not None:
            _rollup(commission, before)
    conversion.refresh_from_db()
    return conversion


def tag_conversion_supersede(*, conversion_id: int, now: datetime) -> bool:
    """The merchant's server reported an order the tag had reported, and attributes it to another
    approved affiliate (``TagAttributionMismatch.another_affiliate``): the shop's own report stands
    for its order. Anyone with a click of their own could send the tag a guessed order id before the
    real order existed. The tag's report is set aside (``superseded_at``: its order id is free for the
    server's report, which the caller records next) when nobody has let its commission go on:

    - still held (for being a tag report, or by an automatic fraud rule: a forger's guesses trip the
      velocity rule) and never released by a person: reversed with ``TAG_NOT_BORNE_OUT``, the money
      back to the payer;
    - reversed already (a person did), or the tag's report was rejected (no commission): set aside
      only.

    False, and nothing changes, when its commission goes on (released by a person, pending after a
    confirmation, locked or approved): the order stays the tag's report and the caller answers the
    conflict. True when set aside (now or before)."""
    with transaction.atomic(durable=True):
        conversion = Conversion.objects.select_for_update().get(pk=conversion_id)
        if conversion.source != ConversionSource.TAG:
            return False
        if conversion.superseded_at is not None:
            return True
        pk = Commission.objects.filter(conversion=conversion).values_list("pk", flat=True).first()
        commission = _lock_commission(pk) if pk is not None else None
        held = (
            commission is not None
            and commission.state == CommissionState.HELD
            and commission.released_at is None
        )
        if commission is not None and not held and commission.state != CommissionState.REVERSED:
            return False
        conversion.superseded_at = now
        conversion.save(update_fields=["superseded_at"])
        if held:  # the roll-ups' upsert stays the transaction's last write (rollups.py)
            _commission_reverse_locked(commission, code=ReversalCode.TAG_NOT_BORNE_OUT, actor=None, now=now)
    return True


def _customer_bind(conversion: Conversion, *, now: datetime) -> None:
    """Bind the customer to the affiliate of its first attributed conversion (later ones keep the first)."""
    try:
        with transaction.atomic():
            CustomerBinding.objects.get_or_create(
                program=conversion.program,
                customer_ref=conversion.customer_ref,
                defaults={"affiliate": conversion.affiliate, "bound_at": now},
            )
    except IntegrityError:
        pass  # bound by a concurrent first conversion: the first one wins


def _commission_track(conversion: Conversion, *, hold: Hold | None, tracked_at: datetime) -> None:
    program = conversion.program
    affiliate = conversion.affiliate
    currency = program.currency
    bounty = Money(program.bounty, currency)
    margin = program_margin(program)
    lock_date = lock_date_for(timezone.localdate(tracked_at))
    try:
        with transaction.atomic():
            commission = Commission.objects.create(
                conversion=conversion,
                program=program,
                affiliate=affiliate,
                state=CommissionState.HELD if hold else CommissionState.PENDING,
                hold_reason=hold.english()[:300] if hold else "",
                hold_code=hold.code if hold else "",
                hold_params=hold.params if hold else {},
                amount=bounty.amount,
                margin=margin.amount,
                currency=currency,
                tracked_at=tracked_at,
                lock_date=lock_date,
                approve_date=lock_date + timedelta(days=APPROVE_AFTER_DAYS),
            )
            entries = [
                (_payer(program, currency), -(bounty + margin)),
                (_pending(affiliate, currency), bounty),
            ]
            if margin.amount:
                entries.append((_margin_pending(program, currency), margin))
            post(
                entries=entries,
                kind=TRACK_KIND,
                reason=f"Affiliate bounty for order {conversion.order_id} ({program})",
                idempotency_key=f"affiliates:commission:{commission.pk}:track",
                subject=commission,
                now=tracked_at,
            )
            _rollup(commission, None)
    except InsufficientFunds:
        conversion.refresh_from_db()  # forgets the commission that was rolled back
        conversion.is_accepted = False
        conversion.reject_reason = RejectReason.NO_FUNDS
        conversion.save(update_fields=["is_accepted", "reject_reason"])
        _tell_owner(
            program,
            lambda: (
                _("%(program)s: a conversion was not paid") % {"program": program},
                _(
                    "Order %(order)s was attributed to an affiliate, but your prepaid funds did not cover the "
                    "bounty (%(bounty)s + %(margin)s margin). Top up to keep paying your affiliates."
                )
                % {"order": conversion.order_id, "bounty": money_text(bounty), "margin": money_text(margin)},
            ),
        )


# ---------------------------------------------------------------------------
# The state machine


def _lock_commission(commission_id: int) -> Commission:
    return (
        Commission.objects.select_for_update(of=("self",))
        .select_related("affiliate__user", "affiliate__program__merchant", "conversion__click")
        .get(pk=commission_id)
    )


def _rollup(commission: Commission, before: dict | None) -> None:
    """Move the commission in the reports' roll-ups from ``before`` (its figures before the change, None
    when new) to what it is now; under its row lock, as the transaction's last write (rollups.py)."""
    changes = rollups.Changes()
    changes.commission(rollups.commission_key(commission), before, rollups.commission_figures(commission))
    changes.apply()


def commission_lock(*, commission_id: int, now: datetime) -> Commission:
    """PENDING -> LOCKED once its lock date came (no-op for any other state: safe to run twice)."""
    with transaction.atomic(durable=True):
        commission = _lock_commission(commission_id)
        if commission.state != CommissionState.PENDING or commission.lock_date > timezone.localdate(now):
            return commission
        # What may have come to light since it was tracked (an IBAN given later): held, not locked,
        # unless a person released it already.
        before = rollups.commission_figures(commission)
        duplicate = None if commission.released_at else duplicate_account_reason(commission.affiliate)
        if duplicate:
            commission.state = CommissionState.HELD
            commission.hold_reason = duplicate.english()[:300]
            commission.hold_code = duplicate.code
            commission.hold_params = duplicate.params
            commission.save(update_fields=["state", "hold_reason", "hold_code", "hold_params"])
            _rollup(commission, before)
            return commission
        money = Money(commission.amount, commission.currency)
        post(
            entries=[
                (_pending(commission.affiliate, commission.currency), -money),
                (_locked(commission.affiliate, commission.currency), money),
            ],
            kind=LOCK_KIND,
            reason=f"Affiliate commission locked (order {commission.conversion.order_id})",
            idempotency_key=f"affiliates:commission:{commission.pk}:lock",
            subject=commission,
            now=now,
        )
        commission.state = CommissionState.LOCKED
        commission.locked_at = now
        commission.save(update_fields=["state", "locked_at"])
        _tell_merchant(
            commission.affiliate.program, EventType.COMMISSION_LOCKED, commission_data(commission), now
        )
        _rollup(commission, before)
    return commission


def commission_approve(*, commission_id: int, now: datetime) -> Commission:
    """LOCKED -> APPROVED once its approval date came: the money becomes the person's available balance.

    A person who owes (``wallets.debts``: a negative adjustment their balance couldn't cover) repays
    from it at once, in the same transaction (``Commission.recovered``)."""
    with transaction.atomic(durable=True):
        commission = _lock_commission(commission_id)
        if commission.state != CommissionState.LOCKED or commission.approve_date > timezone.localdate(now):
            return commission
        before = rollups.commission_figures(commission)
        affiliate = (
            Affiliate.objects.select_for_update().select_related("user").get(pk=commission.affiliate_id)
        )
        program = commission.affiliate.program
        currency = commission.currency
        amount = Money(commission.amount, currency)
        available = _available(affiliate, currency)
        entries = [(_locked(affiliate, currency), -amount)]
        if amount.amount:
            entries.append((available, amount))
        if commission.margin:
            margin = Money(commission.margin, currency)
            entries += [(_margin_pending(program, currency), -margin), (_margin(program, currency), margin)]
        owes = debt_owed(owner=affiliate.user, currency=currency).amount > 0
        if owes:
            # Every account of the approval and the repayment, locked once in primary-key order first.
            _accounts_lock([account for account, _ in entries] + [_owed(affiliate, currency)])
        if amount.amount or commission.margin:
            post(
                entries=entries,
                kind=APPROVE_KIND,
                reason=f"Affiliate commission approved (order {commission.conversion.order_id})",
                idempotency_key=f"affiliates:commission:{commission.pk}:approve",
                subject=commission,
                now=now,
            )
        recovered = Money(0, currency)
        if owes and amount.amount:
            recovered = min(
                amount,
                debt_repay(
                    owner=affiliate.user,
                    source=available,
                    reason=f"Debt repaid from the affiliate commission of order {commission.conversion.order_id}",
                    idempotency_key=f"affiliates:commission:{commission.pk}:repay",
                    subject=commission,
                    now=now,
                ),
            )
        commission.state = CommissionState.APPROVED
        commission.approved_at = now
        commission.recovered = recovered.amount
        commission.save(update_fields=["state", "approved_at", "recovered"])
        _tell_merchant(program, EventType.COMMISSION_APPROVED, commission_data(commission), now)
        _rollup(commission, before)
    return commission


def commission_reverse(*, commission_id: int, code: str, actor: User | None, now: datetime) -> Commission:
    """Give a pending (or held) commission back to the payer, with a reason code the affiliate sees."""
    if code not in ReversalCode.values:
        raise AffiliateError(_("Choose a reason from the list."))
    with transaction.atomic(durable=True):
        commission = _lock_commission(commission_id)
        if commission.state not in {CommissionState.PENDING, CommissionState.HELD}:
            raise AffiliateError(
                _("This commission is “%(state)s”: after lock it can only be adjusted, not reversed.")
                % {"state": commission.get_state_display()}
            )
        _commission_reverse_locked(commission, code=code, actor=actor, now=now)
    return commission


def _commission_reverse_locked(
    commission: Commission, *, code: str, actor: User | None, now: datetime
) -> None:
    """Reverse a pending or held commission locked by ``_lock_commission``, inside the caller's transaction."""
    before = rollups.commission_figures(commission)
    program = commission.affiliate.program
    currency = commission.currency
    money = Money(commission.amount, currency)
    margin = Money(commission.margin, currency)
    entries = [
        (_pending(commission.affiliate, currency), -money),
        (_payer(program, currency), money + margin),
    ]
    if margin.amount:
        entries.append((_margin_pending(program, currency), -margin))
    post(
        entries=entries,
        kind=REVERSE_KIND,
        reason=f"Affiliate commission reversed: {ReversalCode(code).label} (order {commission.conversion.order_id})",
        idempotency_key=f"affiliates:commission:{commission.pk}:reverse",
        actor=actor,
        subject=commission,
        now=now,
    )
    commission.state = CommissionState.REVERSED
    commission.reversal_code = code
    commission.reversed_at = now
    commission.save(update_fields=["state", "reversal_code", "reversed_at"])
    _tell_merchant(program, EventType.COMMISSION_REVERSED, commission_data(commission), now)
    _rollup(commission, before)


def commission_release(*, commission_id: int, actor: User, now: datetime) -> Commission:
    """A held commission was checked by a person and is fine: it goes on as PENDING (its dates kept)."""
    with transaction.atomic(durable=True):
        commission = _lock_commission(commission_id)
        if commission.state != CommissionState.HELD:
            raise AffiliateError(_("Only a held commission can be released."))
        before = rollups.commission_figures(commission)
        commission.state = CommissionState.PENDING
        commission.hold_reason = f"Released by {actor} on {now:%Y-%m-%d}: {commission.hold_reason}"[:300]
        commission.released_at = now
        commission.save(update_fields=["state", "hold_reason", "released_at"])
        _rollup(commission, before)
    return commission


def commission_adjust(
    *, commission_id: int, amount: Decimal, reason: str, actor: User, now: datetime
) -> Adjustment:
    """After lock, correct a commission by a separate posting either way.

    While LOCKED the locked amount changes; once APPROVED (or PAID) the person's available
    balance does, and what it can't cover of a negative adjustment becomes the person's debt on the
    ledger (``wallets.debts``): the payer is refunded at once, payouts wait, and the person's next
    approved commissions repay it.

    The platform's margin follows by the rule of the commission itself (``commission_margin``): what the
    affiliate earns on the order before and after the adjustment each carry the rule's margin, and the
    payer pays (or gets back) the difference with the amount. So -x then +x leaves the commission, its
    margin, the payer and the platform's revenue as they were. While locked the margin waits with the
    commission's (the platform's ``affiliate:pending``); after approval it is revenue at once.

    Locks as every commission path: the commission row, the affiliate row, then the ledger accounts in
    primary-key order.
    """
    reason = reason.strip()
    if not reason:
        raise AffiliateError(_("Give a reason for the adjustment."))
    if amount == 0:
        raise AffiliateError(_("An adjustment is a non-zero amount."))
    with transaction.atomic(durable=True):
        commission = _lock_commission(commission_id)
        if commission.state not in {CommissionState.LOCKED, CommissionState.APPROVED, CommissionState.PAID}:
            raise AffiliateError(_("Before lock a commission is reversed, not adjusted."))
        before = rollups.commission_figures(commission)
        currency = commission.currency
        if not is_at_precision(Money(amount, currency)):
            raise AffiliateError(
                _("Write the amount in %(currency)s with its cents, e.g. 5.00.") % {"currency": currency}
            )
        if abs(amount) > ADJUSTMENT_MAX:
            raise AffiliateError(adjustment_amount_refusal(currency))
        amount = amount.quantize(quantum(currency))  # "-1" is -1.00: one way to write it everywhere
        affiliate = (
            Affiliate.objects.select_for_update().select_related("user").get(pk=commission.affiliate_id)
        )
        program = commission.affiliate.program
        payer = _payer(program, currency)
        is_locked = commission.state == CommissionState.LOCKED
        # What the affiliate earns on this order so far: the commission, and once approved the
        # adjustments made since (they count on their own).
        earned = commission.amount
        if not is_locked:
            earned += Adjustment.objects.filter(commission=commission, after_approval=True).aggregate(
                total=Sum("amount")
            )["total"] or Decimal(0)
        if is_locked and -amount > commission.amount:
            raise AffiliateError(
                _("The commission holds %(amount)s; adjust by at most that.")
                % {"amount": money_text(commission.amount, currency)}
            )
        if is_locked:
            holder, margin_account = _locked(affiliate, currency), _margin_pending(program, currency)
            new_margin = commission_margin(program, earned + amount)
            margin_moved = new_margin - Money(commission.margin, currency)
        else:
            holder, margin_account = _available(affiliate, currency), _margin(program, currency)
            margin_moved = commission_margin(program, earned + amount) - commission_margin(program, earned)
        adjustment = Adjustment.objects.create(
            commission=commission,
            amount=amount,
            after_approval=not is_locked,
            reason=reason[:500],
            actor=actor,
            created_at=now,
        )
        signed = Money(amount, currency)
        reason_text = f"Affiliate commission adjusted by {amount:+} {currency}: {reason}"
        key = f"affiliates:adjustment:{adjustment.pk}"
        owed = zero(currency)
        if amount < 0 and not is_locked:
            # Take back what the person's available balance holds (every account locked first, in
            # primary-key order); the rest becomes a debt on the ledger: the payer is refunded in full
            # at once, the person owes the rest (wallets.debts).
            owed_account = _owed(affiliate, currency)
            _accounts_lock([holder, payer, margin_account, owed_account])
            take = min(-signed, balance(holder))
            owed = -signed - take
            moved = -take
        else:
            moved = signed
        entries = [
            (account, value)
            for account, value in (
                (payer, -(moved + margin_moved)),
                (holder, moved),
                (margin_account, margin_moved),
            )
            if value.amount
        ]
        if entries:
            try:
                post(
                    entries=entries,
                    kind=ADJUST_KIND,
                    reason=reason_text,
                    idempotency_key=key,
                    actor=actor,
                    subject=commission,
                    now=now,
                )
            except InsufficientFunds as exc:
                if not margin_moved:
                    raise AffiliateError(
                        _("The program's funds don't cover %(amount)s.") % {"amount": money_text(moved)}
                    ) from exc
                raise AffiliateError(
                    _(
                        "The program's funds don't cover %(amount)s: %(adjustment)s plus TikJoy's margin of %(margin)s."
                    )
                    % {
                        "amount": money_text(moved + margin_moved),
                        "adjustment": money_text(moved),
                        "margin": money_text(margin_moved),
                    }
                ) from exc
        if owed.amount > 0:
            debt_incur(
                owner=affiliate.user,
                creditor=payer,
                amount=owed,
                reason=f"{reason_text} (not covered by the balance: owed)",
                idempotency_key=f"{key}:debt",
                actor=actor,
                subject=commission,
                now=now,
            )
            adjustment.owed = owed.amount
            adjustment.save(update_fields=["owed"])
        if is_locked:
            commission.amount += amount
            commission.margin = new_margin.amount
            commission.save(update_fields=["amount", "margin"])
        _tell_merchant(
            program,
            EventType.COMMISSION_ADJUSTED,
            {**commission_data(commission), "adjustment": {"amount": str(amount), "reason": reason[:500]}},
            now,
        )
        # Locked: the commission's amount changed; after approval: the adjustment counts on its own.
        changes = rollups.Changes()
        key = rollups.commission_key(commission)
        changes.commission(key, before, rollups.commission_figures(commission))
        if adjustment.after_approval:
            changes.add(key, {"adjusted": amount})
        changes.apply()
    return adjustment


def _payout_movements(*, user: User, currency: str) -> list[tuple[datetime, Decimal]]:
    """The person's money that left the bank (positive: ``PAYOUT_PAID``) and came back (negative:
    ``PAYOUT_RETURN``), at the time the bank file that reported it was imported, in that order."""
    moves = []
    for purpose, kind in (
        (Purpose.PAYOUT_IN_TRANSIT, "PAYOUT_PAID"),
        (Purpose.USER_AVAILABLE, "PAYOUT_RETURN"),
    ):
        moves += Entry.objects.filter(
            account__owner_type="accounts.user",
            account__owner_id=user.pk,
            account__purpose=purpose,
            account__currency=currency,
            transaction__kind=kind,
        ).values_list("created_at", "transaction_id", "amount")
    # the transit account is debited as the money leaves, the wallet credited as it comes back
    return [(at, -amount) for at, _txn, amount in sorted(moves)]


def _commissions_covered(
    commissions: list[Commission], movements: list[tuple[datetime, Decimal]]
) -> set[int]:
    """The commissions (approved or paid, in approval order) whose money has left the bank. Each payout
    pays the commissions approved by then first, oldest first (a part of one waits for the next
    payout); what is left of it was other money and pays no commission approved later. A payout that
    came back takes back the latest it paid. So money paid out before a commission was approved never
    pays it."""
    waiting = deque(commissions)
    paid: list[Commission] = []
    credit = Decimal(0)
    for at, amount in movements:
        credit += amount
        if amount > 0:
            while waiting and _approved_at(waiting[0]) <= at and credit >= _share(waiting[0]):
                credit -= _share(waiting[0])
                paid.append(waiting.popleft())
            if not waiting or _approved_at(waiting[0]) > at:
                credit = Decimal(0)  # no commission approved by then is left: the rest was other money
        else:
            while credit < 0 and paid:
                credit += _share(paid[-1])
                waiting.appendleft(paid.pop())
            credit = max(credit, Decimal(0))
    return {commission.pk for commission in paid}


def _share(commission: Commission) -> Decimal:
    return commission.amount - commission.recovered


def _approved_at(commission: Commission) -> datetime:
    """When it was approved; one approved without the time recorded counts as approved long ago
    (``approved_at`` may be NULL in the schema: such a row must not stop everyone's run)."""
    return commission.approved_at or datetime.min.replace(tzinfo=UTC)


def commissions_mark_paid(*, user: User, currency: str, now: datetime) -> int:
    """APPROVED -> PAID, oldest first, as far as the money that left the bank for this person covers;
    PAID -> APPROVED, latest paid first, when a payout came back and no longer covers them.

    What a person has been paid is read from the ledger, in time (``_commissions_covered``): each payout
    that left the bank pays the commissions approved by then first, before any other balance of the
    person, and money paid out before a commission was approved never pays it. A returned
    payout's money is back in the person's wallet (``PAYOUT_RETURN``), so the commissions it no longer
    covers are approved again ("in your wallet"), to be paid by the next payout. Run once payouts'
    import that moved the money commits (``commissions_follow_payouts``) and by the daily run; each run
    reads the ledger after taking the person's lock, so the last one to run sees the last money moved.
    Returns how many commissions were marked paid."""
    commissions = Commission.objects.filter(affiliate__user=user, currency=currency)
    marked = 0
    with transaction.atomic(durable=True):
        # One run at a time per person (a second one waits, then sees what the first marked).
        list(User.objects.select_for_update().filter(pk=user.pk).values_list("pk", flat=True))
        changes = rollups.Changes()  # written together at the end, in the roll-ups' lock order
        held = list(
            commissions.select_for_update(of=("self",))
            .select_related("affiliate__program", "conversion__click")
            .filter(state__in=[CommissionState.APPROVED, CommissionState.PAID])
            .order_by(F("approved_at").asc(nulls_first=True), "pk")
        )
        # The ledger read once the lock is held: a run that waited for another one (the daily run and
        # the task after a bank file) must not decide on what had left the bank before a return came in.
        covered = _commissions_covered(held, _payout_movements(user=user, currency=currency))
        uncovered = [c for c in held if c.state == CommissionState.PAID and c.pk not in covered]
        for commission in sorted(uncovered, key=lambda c: (c.paid_at, c.approved_at, c.pk), reverse=True):
            before = rollups.commission_figures(commission)
            commission.state = CommissionState.APPROVED
            commission.paid_at = None
            commission.save(update_fields=["state", "paid_at"])
            _tell_merchant(
                commission.affiliate.program, EventType.COMMISSION_APPROVED, commission_data(commission), now
            )
            changes.commission(
                rollups.commission_key(commission), before, rollups.commission_figures(commission)
            )
        for commission in held:
            if commission.state != CommissionState.APPROVED or commission.pk not in covered:
                continue
            before = rollups.commission_figures(commission)
            commission.state = CommissionState.PAID
            # never before its approval: a run late after a later import (``now`` is the import's time)
            # must not date it, nor the merchant's event, before the commission.approved it follows
            paid_at = max(now, commission.approved_at) if commission.approved_at else now
            commission.paid_at = paid_at
            commission.save(update_fields=["state", "paid_at"])
            marked += 1
            _tell_merchant(
                commission.affiliate.program, EventType.COMMISSION_PAID, commission_data(commission), paid_at
            )
            changes.commission(
                rollups.commission_key(commission), before, rollups.commission_figures(commission)
            )
        changes.apply()
    return marked


def commissions_follow_payouts(*, user_ids: Sequence[int], currency: str, now: datetime) -> int:
    """Once payouts' import of a bank file commits: the commissions of the people whose payout left the
    bank or came back in it marked paid, or approved again, at once (``commissions_mark_paid``, one
    person at a time, each in its own transaction), not a day later; the daily run does the same for
    everyone, as a safety net. Queued by payouts through the composition layer
    (``tikjoy.commissions_paid``). Returns how many commissions were marked paid."""
    payees = (
        Commission.objects.filter(
            affiliate__user_id__in=list(user_ids),
            currency=currency,
            state__in=[CommissionState.APPROVED, CommissionState.PAID],
        )
        .values("affiliate__user_id")
        .distinct()
    )
    marked = 0
    for user in User.objects.filter(pk__in=payees).order_by("pk"):
        marked += commissions_mark_paid(user=user, currency=currency, now=now)
    return marked


def commissions_advance(*, now: datetime) -> dict[str, int]:
    """The daily run: lock what is due, approve what is due, mark what was paid out. Safe to run twice."""
    today = timezone.localdate(now)
    counts = {"locked": 0, "approved": 0, "paid": 0}
    due_lock = Commission.objects.filter(state=CommissionState.PENDING, lock_date__lte=today).values_list(
        "pk", flat=True
    )
    for pk in list(due_lock.order_by("pk")):
        if commission_lock(commission_id=pk, now=now).locked_at == now:
            counts["locked"] += 1
    due_approve = Commission.objects.filter(state=CommissionState.LOCKED, approve_date__lte=today)
    for pk in list(due_approve.order_by("pk").values_list("pk", flat=True)):
        commission = commission_approve(commission_id=pk, now=now)
        if commission.state == CommissionState.APPROVED and commission.approved_at == now:
            counts["approved"] += 1
    # Who has approved commissions to mark paid, and who has paid ones a returned payout may uncover.
    returned_to = Entry.objects.filter(
        account__owner_type="accounts.user",
        account__purpose=Purpose.USER_AVAILABLE,
        transaction__kind="PAYOUT_RETURN",
    ).values("account__owner_id")
    payees = (
        Commission.objects.filter(
            Q(state=CommissionState.APPROVED)
            | Q(state=CommissionState.PAID, affiliate__user_id__in=returned_to)
        )
        .values_list("affiliate__user_id", "currency")
        .distinct()
    )
    for user_id, currency in list(payees):
        counts["paid"] += commissions_mark_paid(user=User.objects.get(pk=user_id), currency=currency, now=now)
    return counts


# ---------------------------------------------------------------------------
# TikJoy's own program: referred merchants

REFERRAL_COOKIE = "tj_ref"


def platform_program() -> Program | None:
    return Program.objects.filter(kind=ProgramKind.PLATFORM).first()


def platform_referral_remember(*, user: User, click_id: str, now: datetime) -> None:
    """Remember the platform-program click a new person arrived through (first one wins)."""
    if len(click_id) > 32 or not click_id.isalnum():
        return
    with transaction.atomic():
        PlatformReferral.objects.get_or_create(user=user, defaults={"click_id": click_id, "created_at": now})


def platform_conversion_record(*, merchant_id: int, now: datetime) -> Conversion | None:
    """A referred merchant's first top-up: TikJoy's program's conversion (once per merchant)."""
    program = platform_program()
    merchant = Merchant.objects.select_related("created_by").get(pk=merchant_id)
    if program is None or merchant.created_by_id is None:
        return None
    referral = PlatformReferral.objects.filter(user_id=merchant.created_by_id).first()
    if referral is None:
        return None
    try:
        return conversion_record(
            program=program,
            order_id=f"merchant-{merchant.pk}",
            event_type="first_top_up",
            amount=Decimal(0),
            currency=program.currency,
            occurred_at=now,
            now=now,
            click_id=referral.click_id,
            customer_ref=f"merchant-{merchant.pk}",
            customer_email=merchant.created_by.email or "",
            source=ConversionSource.PLATFORM,
        )
    except DuplicateOrder:
        return None  # not the first top-up


# ---------------------------------------------------------------------------
# Inquiries


# What an order an affiliate asks about can be: more than nothing, and at most a million in the
# program's currency ("1e9" typed in the form is refused before; an old inquiry above it is not accepted).
INQUIRY_AMOUNT_MAX = Decimal("1000000.00")
INQUIRY_MESSAGE_MAX = 2000


def inquiry_amount_refusal(currency: str) -> str:
    """Why an inquiry's order amount is refused, with the limit as the reader writes money."""
    return _("An order amount is more than zero and at most %(limit)s.") % {
        "limit": money_text(Money(INQUIRY_AMOUNT_MAX, currency))
    }


def inquiry_order_date_refusal(joined: date) -> str:
    """Why an inquiry's order date is refused: the earliest order that can have come from the
    affiliate's links is one of the day they applied to the program (their links, and so their
    clicks, come after it; the attribution window only says how long after a click an order
    counts, so it bounds nothing here)."""
    return _(
        "An order from before %(joined)s, the day you applied to the program, can't have come from "
        "your links: give the date of an order since then."
    ) % {"joined": date_format(joined, "DATE_FORMAT")}


def inquiry_open(
    *, affiliate: Affiliate, order_id: str, order_date: date, amount: Decimal, message: str, now: datetime
) -> Inquiry:
    """An approved affiliate reports a missing or wrong conversion; the program's owner answers it."""
    if affiliate.status != AffiliateStatus.APPROVED:
        raise AffiliateError(_("Only approved affiliates open inquiries."))
    order_id = order_id.strip()
    if not order_id or len(order_id) > 200:
        raise AffiliateError(_("Give the order id (1 to 200 characters)."))
    if order_date > timezone.localdate(now):
        raise AffiliateError(_("The order date can't be in the future."))
    joined = timezone.localdate(affiliate.applied_at)
    if order_date < joined:
        raise AffiliateError(inquiry_order_date_refusal(joined))
    if not Decimal(0) < amount <= INQUIRY_AMOUNT_MAX:
        raise AffiliateError(inquiry_amount_refusal(affiliate.program.currency))
    credited = Commission.objects.filter(
        conversion__program_id=affiliate.program_id, conversion__order_id=order_id, affiliate=affiliate
    ).exclude(state=CommissionState.REVERSED)
    if credited.exists():
        raise AffiliateError(_("This order is already credited to you."))
    try:
        with transaction.atomic(durable=True):
            inquiry = Inquiry.objects.create(
                affiliate=affiliate,
                order_id=order_id,
                order_date=order_date,
                amount=amount,
                message=message.strip()[:INQUIRY_MESSAGE_MAX],
                created_at=now,
            )
    except IntegrityError as exc:
        # The same inquiry sent twice (a double click, a resent form) is the one already open: the person
        # sees it was received, and the owner hears of it once.
        same = Inquiry.objects.filter(
            affiliate=affiliate,
            order_id=order_id,
            status=InquiryStatus.OPEN,
            order_date=order_date,
            amount=amount,
            message=message.strip()[:INQUIRY_MESSAGE_MAX],
        ).first()
        if same is not None:
            return same
        raise AffiliateError(_("You have an open inquiry about this order already.")) from exc
    _tell_owner(
        affiliate.program,
        lambda: (
            _("%(program)s: an affiliate's inquiry") % {"program": affiliate.program},
            _("%(person)s says order %(order)s (%(date)s) is missing or wrong: %(message)s")
            % {
                "person": affiliate.user,
                "order": order_id,
                "date": date_format(order_date, "DATE_FORMAT"),  # in the owner's language (_tell_owner)
                "message": message.strip()[:500],
            },
        ),
    )
    return inquiry


def inquiry_decide(*, inquiry_id: int, accept: bool, answer: str, actor: User, now: datetime) -> Inquiry:
    """Decline (with an answer) or accept: the order becomes the affiliate's conversion, tracked now,
    so its lock date runs from the acceptance."""
    answer = answer.strip()
    if not accept and not answer:
        raise AffiliateError(_("Tell the affiliate why: they read the answer."))
    with transaction.atomic(durable=True):
        inquiry = Inquiry.objects.select_for_update().select_related("affiliate__program").get(pk=inquiry_id)
        if inquiry.status != InquiryStatus.OPEN:
            raise AffiliateError(_("This inquiry was answered already."))
        affiliate = inquiry.affiliate
        program = affiliate.program
        if accept:
            if affiliate.status != AffiliateStatus.APPROVED:
                raise AffiliateError(_("The affiliate is no longer approved in the program."))
            if inquiry.amount > INQUIRY_AMOUNT_MAX:  # sent before the form had a limit
                raise AffiliateError(
                    _(
                        "This inquiry's order amount (%(amount)s) is more than an order can be: decline it, "
                        "the affiliate can send the inquiry again with the order's real amount."
                    )
                    % {"amount": money_text(Money(inquiry.amount, program.currency))}
                )
            conversion = (
                Conversion.objects.select_for_update()
                .filter(program=program, order_id=inquiry.order_id, superseded_at__isnull=True)
                .first()
            )
            if conversion is not None and conversion.is_accepted:
                raise AffiliateError(
                    _(
                        "This order is credited already (to this or another affiliate): reverse or adjust that one instead."
                    )
                )
            if conversion is None:
                conversion = Conversion.objects.create(
                    program=program,
                    order_id=inquiry.order_id,
                    event_type="inquiry",
                    amount=inquiry.amount,
                    currency=program.currency,
                    occurred_at=now,
                    affiliate=affiliate,
                    source=ConversionSource.INQUIRY,
                    is_accepted=True,
                    reject_reason="",
                    created_at=now,
                )
            else:
                conversion.affiliate = affiliate
                conversion.is_accepted = True
                conversion.reject_reason = ""
                conversion.save(update_fields=["affiliate", "is_accepted", "reject_reason"])
            _commission_track(conversion, hold=None, tracked_at=now)
            if not conversion.is_accepted:
                raise AffiliateError(
                    _("The program's funds don't cover the bounty: top up, then accept again.")
                )
            inquiry.conversion = conversion
        inquiry.status = InquiryStatus.ACCEPTED if accept else InquiryStatus.DECLINED
        inquiry.answer = answer[:500]
        inquiry.decided_at = now
        inquiry.decided_by = actor
        inquiry.save(update_fields=["status", "answer", "conversion", "decided_at", "decided_by"])
        with recipient_locale(affiliate.user, brand=affiliate.program.merchant):
            mail_after_commit(
                subject=_("%(program)s: your inquiry about order %(order)s")
                % {"program": program, "order": inquiry.order_id},
                message=f"{inquiry.get_status_display()}." + (f"\n{answer}" if answer else ""),
                recipient_list=[affiliate.user.email or ""],
            )
    return inquiry


def commissions_clock_advance(*, days: int, now: datetime) -> dict[str, int]:
    """The demo clock: bring every open commission's lock and approval dates ``days`` closer, as if the
    time had passed, then run the daily step. For the demo and trying the product; refused in production."""
    if settings.PRODUCTION:
        raise AffiliateError(_("The demo clock is refused in production."))
    if days <= 0:
        raise AffiliateError(_("The demo clock only moves forward."))
    shift = timedelta(days=days)
    with transaction.atomic(durable=True):
        Commission.objects.filter(
            state__in=[CommissionState.PENDING, CommissionState.HELD, CommissionState.LOCKED]
        ).update(lock_date=F("lock_date") - shift, approve_date=F("approve_date") - shift)
    return commissions_advance(now=now)


# --- a merchant closing (privacy.services.merchant_close) --------------------------------------


def program_close_for_merchant(*, merchant_id: int) -> int:
    """The program of a closing merchant stops taking affiliates and conversions: ``is_active``
    off. Inside the caller's transaction; returns how many programs were switched off."""
    return Program.objects.filter(merchant_id=merchant_id, is_active=True).update(is_active=False)


# --- retention (privacy.services.retention_purge) ---------------------------------------------

PURGED_VISITOR = "purged-"


def clicks_visitor_purge(*, before: datetime) -> int:
    """Retention: forget who clicked before ``before``: each click's visitor hash becomes a marker of
    its own (``purged-<click id>``, so the one-unique-click-an-hour index still holds) and its user
    agent is emptied; the click, its time and its conversions stay. One statement; returns how many."""
    return (
        Click.objects.filter(at__lt=before)
        .exclude(visitor_hash__startswith=PURGED_VISITOR)
        .update(visitor_hash=Concat(Value(PURGED_VISITOR), F("click_id")), user_agent="")
    )


# --- a person deleting their account (privacy.services.account_delete) ------------------------


def affiliates_deactivate_for_person(*, user: User, now: datetime) -> int:
    """The person's account is being deleted: every membership stops earning now (its links stop
    redirecting, no conversion is accepted for it), before their open commissions are reversed, so
    nothing new can reach an account no one can pay out. Returns how many were active."""
    return (
        Affiliate.objects.filter(user=user)
        .exclude(status__in=[AffiliateStatus.REJECTED, AffiliateStatus.DEACTIVATED, AffiliateStatus.BANNED])
        .update(status=AffiliateStatus.DEACTIVATED, status_reason="Account deleted.", decided_at=now)
    )


def commissions_reverse_for_person(*, user: User, now: datetime) -> int:
    """Reverse the person's pending and held commissions (their account is being deleted), each back
    to its payer with the code "account deleted", in a transaction of its own; locked ones can't be
    reversed (the deletion waits for them, see docs/privacy.md). Returns how many were reversed."""
    done = 0
    for commission_id in (
        Commission.objects.filter(
            affiliate__user=user, state__in=[CommissionState.PENDING, CommissionState.HELD]
        )
        .order_by("pk")
        .values_list("pk", flat=True)
    ):
        try:
            commission_reverse(
                commission_id=commission_id, code=ReversalCode.ACCOUNT_DELETED, actor=user, now=now
            )
        except AffiliateError:
            continue  # locked meanwhile
        done += 1
    return done


def affiliate_erase_for_person(*, user: User) -> dict[str, int]:
    """Forget what the person told affiliate programs (website, plan, device, network, inquiry texts,
    sub-ids) and where they arrived from; the partner rows, links, clicks and commissions stay as the
    books of the programs. Inside the caller's transaction; returns counts by kind."""
    return {
        "affiliate_profiles": Affiliate.objects.filter(user=user).update(
            # Every membership was deactivated first (affiliates_deactivate_for_person): a refusal keeps a
            # reason, and the one left is the deletion's (no reason written for the person stays).
            website="",
            promotion_plan="",
            device_id="",
            visitor_hash="",
            status_reason="Account deleted.",
        ),
        "affiliate_inquiries": Inquiry.objects.filter(affiliate__user=user).update(message=""),
        "affiliate_link_sub_ids": Link.objects.filter(affiliate__user=user)
        .exclude(sub_id="")
        .update(sub_id=""),
        "affiliate_referral": PlatformReferral.objects.filter(user=user).delete()[0],
    }
