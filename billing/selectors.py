"""Reads for billing: a statement's figures from the ledger, the month's confirmed margin, documents."""

from __future__ import annotations

import csv
import io
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal

from django.db import connection
from django.db.models import Count, Exists, OuterRef, Q, QuerySet, Subquery, Sum
from django.utils import timezone
from django.utils.formats import number_format
from django.utils.translation import (
    get_language,
    gettext,
    gettext_lazy,
    gettext_noop,
    ngettext,
    pgettext_lazy,
)
from moneyed import Money

from billing.models import DocumentKind, Invoice, InvoiceStatus, Statement
from billing.months import Month, Period, PeriodError, month_period
from campaigns.models import ActionType, Campaign, CampaignText
from core.i18n import LaterText
from core.spreadsheets import csv_cell
from merchants.console_site import export_text
from merchants.days import merchant_zone
from merchants.models import Merchant
from merchants.selectors import wallet_lines
from rewards.models import Reward, RewardKind, RewardStatus, SocialAction
from wallets.formats import MoneyLater
from wallets.models import PLATFORM, Account, Entry, Purpose, Transaction, owner_key, partition_key

ZERO = Decimal("0.00")

# Ledger kinds, in the order and words of the statement. Kinds not listed go under "Other movements".
# The words are translated when a statement is computed (in the merchant's language: billing.services).
SECTIONS: list[tuple[str, str]] = [
    ("TOP_UP", gettext_noop("Top-ups")),
    ("REWARD", gettext_noop("Rewards paid, by campaign and action")),
    ("REWARD_HOLD", gettext_noop("Rewards held for review, by campaign and action")),
    ("REWARD_REVERSAL", gettext_noop("Reversals refunded to you, by campaign and action")),
    ("FEE_CREDIT", gettext_noop("Service-fee credit notes refunded")),
    ("CHAT_MESSAGE", gettext_noop("WhatsApp messages to consumers (chats)")),
    ("CHAT_REFUND", gettext_noop("WhatsApp messages not delivered, refunded")),
]
SECTION_TITLES = dict(SECTIONS)
OTHER_TITLE = gettext_noop("Other movements")
REWARD_SUBJECT = Reward._meta.label_lower
CONFIRM_KINDS = {"REWARD_CONFIRM"}
REVERSAL_KINDS = {"REWARD_REVERSAL"}
HOLD_KINDS = {"REWARD_HOLD"}
CREDIT_KINDS = {"REWARD", "REWARD_RELEASE"}


@dataclass
class StatementFigures:
    """What a statement says, computed from the ledger only, and whether it reconciles."""

    merchant: Merchant
    currency: str
    period: Period
    account: Account | None
    opening: Decimal = ZERO
    closing: Decimal = ZERO
    money_in: Decimal = ZERO
    money_out: Decimal = ZERO
    entry_count: int = 0
    sections: list[dict] = field(default_factory=list)
    pending_at_end: dict = field(default_factory=dict)
    problems: list[LaterText] = field(default_factory=list)  # each written in its reader's language

    @property
    def month(self) -> Month:
        return self.period.month

    @property
    def reconciles(self) -> bool:
        return not self.problems

    @property
    def movements_total(self) -> Decimal:
        return sum((Decimal(line["amount"]) for s in self.sections for line in s["lines"]), ZERO)


def merchant_funds_account(*, merchant: Merchant, currency: str) -> Account | None:
    owner_type, owner_id = owner_key(merchant)
    return Account.objects.filter(
        owner_type=owner_type, owner_id=owner_id, purpose=Purpose.MERCHANT_AVAILABLE, currency=currency
    ).first()


def platform_revenue_account(*, merchant: Merchant, currency: str) -> Account | None:
    """Where the platform's confirmed margin on this merchant is credited (issue 10)."""
    return Account.objects.filter(
        owner_type=PLATFORM.owner_type,
        owner_id=PLATFORM.pk,
        purpose=Purpose.PLATFORM_REVENUE,
        currency=currency,
        partition=partition_key(merchant),
    ).first()


# --- the billing period: the one rule ----------------------------------------------------------------


def _issued_periods(merchant: Merchant, currency: str, months: list[Month]) -> dict[Month, tuple]:
    """(start, end, zone) of the issued statements of ``months``, else of their finalised service-fee
    invoices (a month whose statement could not be issued), as stored."""
    firsts = {m.first_day: m for m in months}
    found = {
        firsts[row[0]]: row[1:]
        for row in Statement.objects.filter(
            merchant=merchant, currency=currency, month__in=list(firsts)
        ).values_list("month", "period_start", "period_end", "time_zone")
    }
    missing = [day for day, m in firsts.items() if m not in found]
    if missing:
        for row in Invoice.objects.filter(
            merchant=merchant,
            currency=currency,
            kind=DocumentKind.INVOICE,
            status=InvoiceStatus.FINALISED,
            month__in=missing,
        ).values_list("month", "period_starts_at", "period_ends_at", "period_time_zone"):
            found[firsts[row[0]]] = row[1:]
    return found


def billing_period(*, merchant: Merchant, currency: str, month: Month) -> Period:
    """What ``merchant``'s statement and service-fee invoice in ``currency`` for ``month`` cover.

    The one rule (docs/billing.md, "Periods"): an issued month keeps the period it was issued with.
    Otherwise the month is ``[the 1st 00:00, the next 1st 00:00)`` in the merchant's time zone now,
    except that it starts exactly where the previous month's issued document ended, and ends exactly
    where the next month's issued one starts: after a change of zone no movement is counted twice
    or missed (the opening balance is the previous closing balance).
    """
    issued = _issued_periods(merchant, currency, [month.previous, month, month.next])
    if month in issued:
        start, end, zone = issued[month]
        return Period(month=month, start=start, end=end, zone=zone)
    zone = merchant_zone(merchant).key
    before, after = issued.get(month.previous), issued.get(month.next)
    period = month_period(month, zone, start=before[1] if before else None, end=after[0] if after else None)
    if period.start >= period.end:
        raise PeriodError(
            f"{month.label} of {merchant} would end before it starts ({period.start} to {period.end})."
        )
    return period


def statement_accounts(*, month: Month, merchant: Merchant | None = None) -> QuerySet[Account]:
    """The merchants' prepaid accounts that existed, or had money posted, before the month ended
    somewhere (in any zone; ``account_in_period`` then checks the merchant's own period): one
    statement each (a ledger dated by the caller's clock may hold entries older than the row)."""
    end = month.ended_everywhere
    posted = Entry.objects.filter(account=OuterRef("pk"), transaction__created_at__lt=end)
    accounts = Account.objects.filter(
        owner_type=Merchant._meta.label_lower, purpose=Purpose.MERCHANT_AVAILABLE
    ).filter(Q(created_at__lt=end) | Exists(posted))
    if merchant is not None:
        accounts = accounts.filter(owner_id=merchant.pk)
    return accounts.order_by("owner_id", "currency")


def account_in_period(account: Account, period: Period) -> bool:
    """Whether ``account`` existed, or had money posted, before ``period`` ended."""
    return account.created_at < period.end or (
        Entry.objects.filter(account=account, transaction__created_at__lt=period.end).exists()
    )


def _cents(value) -> Decimal:
    return Decimal(value or 0).quantize(Decimal("0.01"))


def _sum_before(account: Account, instant: datetime) -> Decimal:
    total = Entry.objects.filter(account=account, transaction__created_at__lt=instant).aggregate(
        s=Sum("amount")
    )
    return _cents(total["s"])


def _stored_balance_at(account: Account, start: datetime, end: datetime) -> tuple[Decimal, Decimal]:
    """The balance at ``start`` and ``end`` by the other road: the stored balance minus what came later.

    One statement, so the stored balance and the later entries are read from one snapshot.
    """
    entry, txn, acct = (connection.ops.quote_name(m._meta.db_table) for m in (Entry, Transaction, Account))
    later = (
        f"COALESCE((SELECT SUM(e.amount) FROM {entry} e JOIN {txn} t ON t.id = e.transaction_id "  # noqa: S608
        f"WHERE e.account_id = a.id AND t.created_at >= %s), 0)"
    )
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT ROUND(a.balance - {later}, 2), ROUND(a.balance - {later}, 2) FROM {acct} a WHERE a.id = %s",  # noqa: S608
            [start, end, account.pk],
        )
        at_start, at_end = cursor.fetchone()
    return Decimal(at_start).quantize(Decimal("0.01")), Decimal(at_end).quantize(Decimal("0.01"))


def _grouped_movements(account: Account, period: Period) -> list[tuple]:
    """(kind, campaign name, action type, reward kind, count, sum, money in, money out) for the period.

    The campaign is named in the active language (the document's: ``Campaign.name_in``'s rule, its
    ``CampaignText`` for that language when the campaign is written in another), as the console names it."""
    entry, txn, reward, action, campaign, text = (
        connection.ops.quote_name(m._meta.db_table)
        for m in (Entry, Transaction, Reward, SocialAction, Campaign, CampaignText)
    )
    language = (get_language() or "").split("-")[0].lower()
    name = "COALESCE(ct.name, c.name)"
    sql = (
        f"SELECT t.kind, {name}, a.action_type, r.kind, COUNT(*), ROUND(SUM(e.amount), 2), "  # noqa: S608
        f"ROUND(SUM(CASE WHEN e.amount > 0 THEN e.amount ELSE 0 END), 2), "
        f"ROUND(SUM(CASE WHEN e.amount < 0 THEN -e.amount ELSE 0 END), 2) "
        f"FROM {entry} e JOIN {txn} t ON t.id = e.transaction_id "
        f"LEFT JOIN {reward} r ON t.subject_type = %s AND CAST(r.id AS VARCHAR(64)) = t.subject_id "
        f"LEFT JOIN {action} a ON a.id = r.action_id "
        f"LEFT JOIN {campaign} c ON c.id = r.campaign_id "
        f"LEFT JOIN {text} ct ON ct.campaign_id = c.id AND ct.language = %s AND c.language <> %s "
        f"WHERE e.account_id = %s AND t.created_at >= %s AND t.created_at < %s "
        f"GROUP BY t.kind, {name}, a.action_type, r.kind"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [REWARD_SUBJECT, language, language, account.pk, period.start, period.end])
        return cursor.fetchall()


# Every kind the ledger writes, in the statement's words (a line groups the month's movements of a
# kind). The kinds are stored strings written by several apps (wallets' debts, merchants' top-ups,
# rewards, chats, Promote, affiliates, payouts, subscriptions, privacy, and credit notes here), so they
# are named here as such; billing/tests/test_statements.py checks every kind posted anywhere has words.
# Reward movements with a campaign are said by campaign and action instead.
KIND_LABELS = {
    "TOP_UP": gettext_lazy("Bank transfers received"),
    "TOP_UP_REVERSAL": gettext_lazy("Bank transfers taken back (recorded by mistake)"),
    "REWARD": gettext_lazy("Rewards paid"),
    "REWARD_HOLD": gettext_lazy("Rewards held for review"),
    "REWARD_RELEASE": gettext_lazy("Rewards released after review"),
    "REWARD_CONFIRM": gettext_lazy("Rewards confirmed"),
    "REWARD_REVERSAL": gettext_lazy("Rewards reversed, back in the wallet"),
    "REWARD_ADVANCE": gettext_lazy("Rewards paid out early (JoyFast)"),
    "REWARD_ADVANCE_DEBT": gettext_lazy("Rewards paid out early, then reversed: back in the wallet"),
    "DEBT_INCURRED": gettext_lazy("Amounts owed by a person, refunded to the payer"),
    "DEBT_REPAID": gettext_lazy("Amounts owed, repaid"),
    "DEBT_WRITTEN_OFF": gettext_lazy("Amounts owed, written off"),
    "FEE_CREDIT": gettext_lazy("Credit notes"),
    "CHAT_MESSAGE": gettext_lazy("WhatsApp messages"),
    "CHAT_REFUND": gettext_lazy("WhatsApp messages refunded"),
    "PROMOTE_COIN_PURCHASE": gettext_lazy("Promote coins bought"),
    "PROMOTE_COIN_WITHDRAWAL": gettext_lazy("Promote coins given back"),
    "PROMOTE_COUPON_ISSUE": gettext_lazy("Promote coupons issued"),
    "PROMOTE_COUPON_RETURN": gettext_lazy("Promote coupons returned"),
    "PROMOTE_ORDER_PLACE": gettext_lazy("Promotion orders placed"),
    "PROMOTE_ORDER_RELEASE": gettext_lazy("Promotion orders cancelled: coins back"),
    "PROMOTE_ORDER_SETTLE": gettext_lazy("Promotion orders settled"),
    # a closing merchant's refund (docs/privacy.md): the money leaves the wallet, or comes back
    "PAYOUT_REQUEST": gettext_lazy("Refund of the balance to your bank account"),
    "PAYOUT_RELEASE": gettext_lazy("Refund not sent (rejected), back in the wallet"),
    "PAYOUT_RETURN": gettext_lazy("Refund returned by your bank, back in the wallet"),
    "PAYOUT_EXPORT": gettext_lazy("Payouts sent to the bank"),
    "PAYOUT_PAID": gettext_lazy("Payouts paid by the bank"),
    # the merchant's affiliate program (docs/affiliates.md): commissions reserved, reversed, adjusted
    "AFFILIATE_TRACK": gettext_lazy("Affiliate commissions reserved"),
    "AFFILIATE_REVERSE": gettext_lazy("Affiliate commissions reversed, back in the wallet"),
    "AFFILIATE_LOCK": gettext_lazy("Affiliate commissions locked"),
    "AFFILIATE_APPROVE": gettext_lazy("Affiliate commissions approved"),
    "AFFILIATE_ADJUST": gettext_lazy("Affiliate commissions adjusted"),
    "SUBSCRIPTION_FEE": gettext_lazy("Subscription fees"),
    "BALANCE_FORFEITED": gettext_lazy("Balance forfeited when an account was closed"),
}


def kind_label(kind: str) -> str:
    """A ledger kind in the statement's words, in the active language (never the ledger's code)."""
    if kind in KIND_LABELS:
        return str(KIND_LABELS[kind])
    return gettext("Other ledger movements")


def _line_label(kind: str, campaign: str | None, action_type: str | None, reward_kind: str | None) -> str:
    if campaign is None:
        return kind_label(kind)
    action = ActionType(action_type).label if action_type in ActionType.values else (action_type or "")
    if reward_kind == RewardKind.ENGAGEMENT:
        return gettext("%(campaign)s · %(action)s (the post's engagement)") % {
            "campaign": campaign,
            "action": action,
        }
    return f"{campaign} · {action}"


def _pending_at_end(merchant: Merchant, currency: str, period: Period) -> dict:
    """Rewards granted before the period ended and neither confirmed nor reversed by then, from the ledger."""
    end = period.end
    candidates = dict(
        Reward.objects.filter(merchant=merchant, currency=currency, created_at__lt=end)
        .filter(Q(status__in=[RewardStatus.PENDING, RewardStatus.HELD]) | Q(decided_at__gte=end))
        .values_list("pk", "merchant_price")
    )
    kinds: dict[int, set[str]] = defaultdict(set)
    rows = Transaction.objects.filter(
        subject_type=REWARD_SUBJECT, subject_id__in=[str(pk) for pk in candidates], created_at__lt=end
    ).values_list("subject_id", "kind")
    for subject_id, kind in list(rows):
        kinds[int(subject_id)].add(kind)
    figures = {"pending_count": 0, "pending_amount": ZERO, "held_count": 0, "held_amount": ZERO}
    for pk, seen in kinds.items():
        if seen & (CONFIRM_KINDS | REVERSAL_KINDS):
            continue
        if seen & HOLD_KINDS and "REWARD_RELEASE" not in seen:
            figures["held_count"] += 1
            figures["held_amount"] += candidates[pk]
        elif seen & CREDIT_KINDS:
            figures["pending_count"] += 1
            figures["pending_amount"] += candidates[pk]
    return {k: (f"{v:.2f}" if isinstance(v, Decimal) else v) for k, v in figures.items()}


def statement_figures(
    *, merchant: Merchant, currency: str, month: Month, period: Period | None = None
) -> StatementFigures:
    """The statement of ``merchant``'s prepaid account for ``month`` (over ``period``, by default
    ``billing_period``'s), and the reconciliation's verdict.

    It reconciles when: the opening and closing balances (sums of the entries before each instant)
    equal the balances found by the other road (the stored balance minus the entries posted later);
    closing = opening + the movements; and the opening equals the closing of the previous statement
    issued, if any (a movement slipped into a month already stated breaks it).
    """
    period = period or billing_period(merchant=merchant, currency=currency, month=month)
    account = merchant_funds_account(merchant=merchant, currency=currency)
    figures = StatementFigures(merchant=merchant, currency=currency, period=period, account=account)
    if account is not None:
        figures.opening = _sum_before(account, period.start)
        figures.closing = _sum_before(account, period.end)
        grouped: dict[str, dict[str, dict]] = defaultdict(dict)
        for kind, campaign, action_type, reward_kind, count, total, money_in, money_out in _grouped_movements(
            account, period
        ):
            title = gettext(SECTION_TITLES.get(kind, OTHER_TITLE))
            label = _line_label(kind, campaign, action_type, reward_kind)
            line = grouped[title].setdefault(label, {"label": label, "count": 0, "amount": ZERO})
            line["count"] += count
            # in cents: SQLite (make run) sums decimals as floats (66.6499999...), PostgreSQL exactly
            line["amount"] += _cents(total)
            figures.money_in += _cents(money_in)
            figures.money_out += _cents(money_out)
            figures.entry_count += count
        for title in [gettext(title) for title in [*SECTION_TITLES.values(), OTHER_TITLE]]:
            if title in grouped:
                lines = sorted(grouped[title].values(), key=lambda line: line["label"])
                total = sum((line["amount"] for line in lines), ZERO)
                figures.sections.append(
                    {
                        "title": title,
                        "total": f"{total:.2f}",
                        "lines": [{**line, "amount": f"{line['amount']:.2f}"} for line in lines],
                    }
                )
        stored_start, stored_end = _stored_balance_at(account, period.start, period.end)
        if stored_start != figures.opening:
            figures.problems.append(
                LaterText(
                    gettext_lazy(
                        "Opening balance: the entries before %(moment)s %(zone)s sum to %(sum)s, but the "
                        "stored balance minus later entries gives %(stored)s."
                    ),
                    moment=f"{period.local_start:%Y-%m-%d %H:%M}",
                    zone=period.zone,
                    sum=MoneyLater(figures.opening, currency),
                    stored=MoneyLater(stored_start, currency),
                )
            )
        if stored_end != figures.closing:
            figures.problems.append(
                LaterText(
                    gettext_lazy(
                        "Closing balance: the entries before %(moment)s %(zone)s sum to %(sum)s, but the "
                        "stored balance minus later entries gives %(stored)s."
                    ),
                    moment=f"{period.local_end:%Y-%m-%d %H:%M}",
                    zone=period.zone,
                    sum=MoneyLater(figures.closing, currency),
                    stored=MoneyLater(stored_end, currency),
                )
            )
        if figures.opening + figures.movements_total != figures.closing:
            figures.problems.append(
                LaterText(
                    gettext_lazy("Opening %(opening)s + movements %(movements)s != closing %(closing)s."),
                    opening=MoneyLater(figures.opening, currency),
                    movements=MoneyLater(figures.movements_total, currency),
                    closing=MoneyLater(figures.closing, currency),
                )
            )
    previous = Statement.objects.filter(
        merchant=merchant, currency=currency, month=month.previous.first_day
    ).first()
    if previous is not None and previous.closing_balance != figures.opening:
        figures.problems.append(
            LaterText(
                gettext_lazy(
                    "The statement of %(previous)s closed at %(closed)s, but the ledger now opens %(month)s "
                    "at %(opening)s: a movement was posted into a month already stated."
                ),
                previous=month.previous,
                closed=MoneyLater(previous.closing_balance, currency),
                month=month,
                opening=MoneyLater(figures.opening, currency),
            )
        )
    figures.pending_at_end = _pending_at_end(merchant, currency, period)
    return figures


# The statement's ledger lines as the merchant's other CSV downloads write them (the console's wallet
# export, merchants.console): headed in the document's language, each movement in words with its
# detail (``wallet_lines``, never the ledger's code nor its English reason), times in the merchant's
# zone to the second (``export_text``), amounts as plain numbers, no spreadsheet formulas.
CSV_COLUMNS = (
    pgettext_lazy("wallet CSV column", "When"),
    pgettext_lazy("statement CSV column", "Transaction"),
    pgettext_lazy("wallet CSV column", "What"),
    pgettext_lazy("wallet CSV column", "Detail"),
    pgettext_lazy("wallet CSV column", "Amount"),
    pgettext_lazy("wallet CSV column", "Currency"),
    pgettext_lazy("statement CSV column", "Balance"),
)


def statement_csv(*, figures: StatementFigures) -> bytes:
    """Every ledger line of the month on the account, oldest first, with the running balance, in the
    active language and the period's time zone (the merchant's)."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow([csv_cell(str(column)) for column in CSV_COLUMNS])
    if figures.account is None:
        return out.getvalue().encode()
    running = figures.opening
    # A plain query, not a server-side cursor: PostgreSQL plans cursors for their first rows
    # (cursor_tuple_fraction), which here chose a plan 100 times slower over a month of lines.
    entries = list(
        Entry.objects.filter(
            account=figures.account,
            transaction__created_at__gte=figures.period.start,
            transaction__created_at__lt=figures.period.end,
        )
        .select_related("transaction")
        .order_by("transaction__created_at", "transaction_id", "id")
    )
    with timezone.override(figures.period.zone):
        for entry, line in zip(entries, wallet_lines(entries, batch=2000), strict=True):
            running += entry.amount
            cells = [
                export_text(line.at),
                entry.transaction_id,
                line.what,
                line.detail,
                f"{entry.amount:.2f}",
                figures.currency,
                f"{running:.2f}",
            ]
            writer.writerow([csv_cell(cell) for cell in cells])
    return out.getvalue().encode()


# What chats (WhatsApp messages, ``chats/``) moves to the platform's revenue: its own invoice line.
CHAT_KINDS = ("CHAT_MESSAGE", "CHAT_REFUND")
# What a merchant's affiliate program moves there (``affiliates/``: the margin on a commission at
# approval, and on its adjustments after): its own invoice line too, never counted as rewards confirmed.
AFFILIATE_KINDS = ("AFFILIATE_APPROVE", "AFFILIATE_ADJUST", "AFFILIATE_REVERSE")


@dataclass(frozen=True)
class FeeFigures:
    gross: Decimal
    count: int
    chats_gross: Decimal = ZERO
    chats_count: int = 0  # paid messages not refunded
    chats_entries: int = 0  # charges and refunds among ``count``
    affiliate_gross: Decimal = ZERO
    affiliate_count: int = 0  # commissions approved
    affiliate_entries: int = 0  # approvals and adjustments among ``count``

    @property
    def confirmations(self) -> int:
        """The movements of the rewards' margin (confirmations, net of later reversals): the rest."""
        return self.count - self.chats_entries - self.affiliate_entries


def confirmed_margin(
    *, merchant: Merchant, currency: str, month: Month, period: Period | None = None
) -> FeeFigures:
    """The platform's margin on ``merchant`` credited to its revenue account in ``month`` (over
    ``period``, by default ``billing_period``'s; net of debits)."""
    period = period or billing_period(merchant=merchant, currency=currency, month=month)
    account = platform_revenue_account(merchant=merchant, currency=currency)
    if account is None:
        return FeeFigures(gross=ZERO, count=0)
    rows = Entry.objects.filter(
        account=account, transaction__created_at__gte=period.start, transaction__created_at__lt=period.end
    ).exclude(transaction__kind="FEE_CREDIT")
    total = rows.aggregate(s=Sum("amount"), n=Count("id"))
    chats = rows.filter(transaction__kind__in=CHAT_KINDS).aggregate(
        s=Sum("amount"),
        sent=Count("id", filter=Q(transaction__kind="CHAT_MESSAGE")),
        refunded=Count("id", filter=Q(transaction__kind="CHAT_REFUND")),
    )
    affiliates = rows.filter(transaction__kind__in=AFFILIATE_KINDS).aggregate(
        s=Sum("amount"),
        n=Count("id"),
        approved=Count("id", filter=Q(transaction__kind="AFFILIATE_APPROVE")),
    )
    return FeeFigures(
        gross=Decimal(total["s"] or 0).quantize(Decimal("0.01")),
        count=total["n"] or 0,
        chats_gross=Decimal(chats["s"] or 0).quantize(Decimal("0.01")),
        chats_count=(chats["sent"] or 0) - (chats["refunded"] or 0),
        chats_entries=(chats["sent"] or 0) + (chats["refunded"] or 0),
        affiliate_gross=Decimal(affiliates["s"] or 0).quantize(Decimal("0.01")),
        affiliate_count=affiliates["approved"] or 0,
        affiliate_entries=affiliates["n"] or 0,
    )


def revenue_accounts(*, month: Month, merchant: Merchant | None = None) -> QuerySet[Account]:
    """Platform revenue accounts kept per merchant that existed, or had money posted, before the month
    ended somewhere (``account_in_period`` checks the merchant's own period)."""
    end = month.ended_everywhere
    posted = Entry.objects.filter(account=OuterRef("pk"), transaction__created_at__lt=end)
    accounts = Account.objects.filter(
        owner_type=PLATFORM.owner_type,
        purpose=Purpose.PLATFORM_REVENUE,
        partition__startswith=f"{Merchant._meta.label_lower}:",
    ).filter(Q(created_at__lt=end) | Exists(posted))
    if merchant is not None:
        accounts = accounts.filter(partition=partition_key(merchant))
    return accounts.order_by("partition", "currency")


# The stored files and the large JSON of a document: never read for a list or a detail page (a
# busy merchant's statement carries megabytes of CSV and PDF), only by the download of one file.
BLOBS = {Statement: ("pdf", "csv", "sections", "pending_at_end"), Invoice: ("pdf", "xml", "seller", "buyer")}
FILE_NAMES = {Statement: ("pdf", "csv"), Invoice: ("pdf", "xml")}


_HEX_DIGITS = frozenset("0123456789abcdef")


def sha256_typed(term: str) -> str | None:
    """A whole SHA-256 as a person types or pastes it (any case, spaces or line breaks inside,
    ``sha256:`` before it) in the lower-case hex that ``hexdigest`` stores, or ``None`` when the term
    is no SHA-256. Searched by equality on the index ``billing_statement_sha256`` (billing.0009)."""
    text = "".join(term.split()).lower().removeprefix("sha256:").removeprefix("sha-256:")
    return text if len(text) == 64 and set(text) <= _HEX_DIGITS else None


def document_blobs(model) -> tuple[str, ...]:
    return BLOBS[model]


def document_with_file(queryset: QuerySet, what: str) -> QuerySet:
    """``queryset`` of statements or invoices reading, of their files, only ``what`` (and the
    merchant, whose slug names the file)."""
    model = queryset.model
    if what not in FILE_NAMES[model]:
        what = "pdf"
    return queryset.select_related("merchant").defer(None).defer(*(b for b in BLOBS[model] if b != what))


def credited_total(*, invoice: Invoice) -> Decimal:
    total = invoice.credit_notes.filter(status=InvoiceStatus.FINALISED).aggregate(s=Sum("gross_amount"))["s"]
    return Decimal(total or 0)


def invoices_of(*, merchant: Merchant) -> QuerySet[Invoice]:
    return Invoice.objects.filter(merchant=merchant, status=InvoiceStatus.FINALISED).order_by(
        "-issue_date", "-pk"
    )


def invoice_of_month(*, merchant: Merchant, currency: str, month: Month) -> Invoice | None:
    return Invoice.objects.filter(
        merchant=merchant, currency=currency, month=month.first_day, kind=DocumentKind.INVOICE
    ).first()


# --- Promote coin purchases (read from the ledger: billing does not import promote) ---------------

COIN_PURCHASE_KIND = "PROMOTE_COIN_PURCHASE"
MERCHANT_OWNER = Merchant._meta.label_lower


@dataclass(frozen=True)
class CoinPurchaseFigures:
    """What a ``PROMOTE_COIN_PURCHASE`` ledger transaction says: who paid, how much, for how many coins."""

    transaction: Transaction
    owner_type: str
    owner_id: int
    amount: Decimal
    currency: str
    coins: int
    by_card: bool

    @property
    def buyer_is_merchant(self) -> bool:
        return self.owner_type == MERCHANT_OWNER


def coin_purchase_figures(*, transaction_id: int) -> CoinPurchaseFigures | None:
    """The figures of a coin purchase, from its legs: the money into the holder's coin funds, the
    coins into their balance, and where the money came from (the platform's bank: a card)."""
    txn = Transaction.objects.filter(pk=transaction_id, kind=COIN_PURCHASE_KIND).first()
    if txn is None:
        return None
    entries = list(Entry.objects.filter(transaction=txn).select_related("account"))
    funds = [e for e in entries if e.account.purpose == Purpose.PROMOTE_COIN_FUNDS and e.amount > 0]
    coins = [e for e in entries if e.account.purpose == Purpose.PROMOTE_COINS and e.amount > 0]
    if len(funds) != 1 or len(coins) != 1:
        return None
    return CoinPurchaseFigures(
        transaction=txn,
        owner_type=funds[0].account.owner_type,
        owner_id=funds[0].account.owner_id,
        amount=funds[0].amount.quantize(Decimal("0.01")),
        currency=funds[0].currency,
        coins=int(coins[0].amount),
        by_card=any(e.account.purpose == Purpose.PLATFORM_BANK for e in entries),
    )


def coin_purchases_uninvoiced(*, limit: int = 500) -> list[int]:
    """Coin purchase transactions that have no invoice row yet (oldest first)."""
    invoiced = Invoice.objects.filter(ledger_transaction=OuterRef("pk"))
    return list(
        Transaction.objects.filter(kind=COIN_PURCHASE_KIND)
        .exclude(Exists(invoiced))
        .order_by("pk")
        .values_list("pk", flat=True)[:limit]
    )


def coin_invoice_of(*, transaction_id: int) -> Invoice | None:
    return Invoice.objects.filter(
        ledger_transaction_id=transaction_id, kind=DocumentKind.COIN_INVOICE
    ).first()


def coin_invoice_line(coins: int) -> str:
    """What a coin invoice is for, in the active language: the line an issued invoice states in its
    own language, and the one the buyer's list shows in theirs (read from the ledger, not the stored
    text)."""
    return ngettext(
        "TikJoy Promote coins: %(count)s coin", "TikJoy Promote coins: %(count)s coins", coins
    ) % {"count": number_format(coins, force_grouping=True)}


def invoice_line_get(invoice: Invoice) -> str:
    """An invoice's line in the reader's language: a coin invoice's from the ledger's coin count
    (``coin_invoice_line``); other invoices' as issued (their own language)."""
    if invoice.kind == DocumentKind.COIN_INVOICE and invoice.ledger_transaction_id:
        coins = (
            Entry.objects.filter(
                transaction_id=invoice.ledger_transaction_id,
                account__purpose=Purpose.PROMOTE_COINS,
                amount__gt=0,
            )
            .values_list("amount", flat=True)
            .first()
        )
        if coins is not None:
            return coin_invoice_line(int(coins))
    return invoice.description


@dataclass(frozen=True)
class CoinInvoiceRow:
    invoice: Invoice
    line: str  # in the reader's language
    gross: Money


def coin_invoices_of_user(*, user) -> list[CoinInvoiceRow]:
    """A consumer's finalised coin invoices, newest first, each with its line in the reader's
    language (the issued PDF and XML keep theirs)."""
    coins = Entry.objects.filter(
        transaction=OuterRef("ledger_transaction"), account__purpose=Purpose.PROMOTE_COINS, amount__gt=0
    ).values("amount")[:1]
    invoices = (
        Invoice.objects.filter(user=user, status=InvoiceStatus.FINALISED)
        .annotate(coins=Subquery(coins))
        .order_by("-issue_date", "-pk")
    )
    return [
        CoinInvoiceRow(
            invoice=invoice,
            line=coin_invoice_line(int(invoice.coins)) if invoice.coins is not None else invoice.description,
            gross=Money(invoice.gross_amount, invoice.currency),
        )
        for invoice in invoices
    ]


def statement_years() -> list[int]:
    """The years that have statements, newest first, in one query that reads one index entry per month
    with statements (a loose scan of ``billing_statement_month``, billing.0013), not every statement."""
    table = connection.ops.quote_name(Statement._meta.db_table)
    month = connection.ops.quote_name(Statement._meta.get_field("month").column)
    sql = (
        f"WITH RECURSIVE months(m) AS ("  # noqa: S608 - names from the model
        f"SELECT MAX({month}) FROM {table} "
        f"UNION ALL SELECT (SELECT MAX(s.{month}) FROM {table} s WHERE s.{month} < months.m) "
        f"FROM months WHERE months.m IS NOT NULL"
        f") SELECT m FROM months WHERE m IS NOT NULL"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql)
        # A date on PostgreSQL, its ISO text on SQLite (make run): the year is its first four digits.
        years = {int(str(row[0])[:4]) for row in cursor.fetchall()}
    return sorted(years, reverse=True)
