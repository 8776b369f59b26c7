"""Every write of billing: issue statements, draft and finalise invoices, credit notes, the monthly run."""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal

import phonenumbers
from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import translation
from django.utils.formats import date_format
from django.utils.translation import gettext, gettext_lazy, ngettext, ngettext_lazy, pgettext
from django.utils.translation import gettext as _
from moneyed import Money

from accounts.models import User
from billing import rendering
from billing.cii import invoice_xml
from billing.models import INVOICE_KINDS, DocumentCounter, DocumentKind, Invoice, InvoiceStatus, Statement
from billing.months import EARLIEST_ZONE, LATEST_ZONE, Month, Period, billing_zone
from billing.selectors import (
    CoinPurchaseFigures,
    account_in_period,
    billing_period,
    coin_invoice_line,
    coin_purchase_figures,
    coin_purchases_uninvoiced,
    confirmed_margin,
    credited_total,
    merchant_funds_account,
    platform_revenue_account,
    revenue_accounts,
    statement_accounts,
    statement_csv,
    statement_figures,
)
from billing.validation import InvoiceInvalid, invoice_xml_check
from billing.vat import split_gross, vat_treatment
from core.errors import DomainError
from core.i18n import LaterText, language_for, time_zone_label
from core.tasks import mail_after_commit, mail_each_after_commit
from merchants.days import merchant_zone
from merchants.locale import member_locale, merchant_language
from merchants.models import Merchant
from merchants.selectors import owners_with_email
from wallets.formats import money_text
from wallets.services import LedgerError, post

logger = logging.getLogger(__name__)

# Coin purchase invoices are numbered in the same series as service-fee invoices: one gapless INV-<year>.
SERIES_PREFIX = {
    DocumentKind.INVOICE: "INV",
    DocumentKind.COIN_INVOICE: "INV",
    DocumentKind.CREDIT_NOTE: "CN",
}
FEE_CREDIT_KIND = "FEE_CREDIT"


class BillingError(DomainError):
    pass


def document_language(*, merchant: Merchant | None = None, user: User | None = None) -> str:
    """The language a statement, an invoice and their e-mails are written in: the merchant's
    (``merchants.locale.merchant_language``), or for a consumer's invoice theirs (``core.i18n.language_for``)."""
    if merchant is not None:
        return merchant_language(merchant)
    return language_for(user)


class StatementDoesNotReconcile(BillingError):
    def __init__(self, *, merchant: Merchant, currency: str, month: Month, problems: list[LaterText]):
        self.problems = problems
        self.alert = LaterText(
            gettext_lazy(
                "The %(month)s %(currency)s statement of %(merchant)s does not reconcile and was not "
                "issued: %(problems)s"
            ),
            month=month,
            currency=currency,
            merchant=str(merchant),
            problems=problems,
        )
        with translation.override(settings.LANGUAGE_CODE):  # the log's and the exception's words
            super().__init__(str(self.alert))


def ops_alert(*, subject: LaterText, message: LaterText) -> None:
    """Log the problem (in English) and e-mail every active staff member, each in the language they
    saved (``core.tasks.mail_each_after_commit``, as support's e-mails to ops), after commit."""
    with translation.override(settings.LANGUAGE_CODE):
        logger.error("%s: %s", subject, message)
    staff = User.objects.filter(is_staff=True, is_active=True).exclude(email=None).exclude(email="")
    mail_each_after_commit(
        recipients=[(member, member.email) for member in staff.order_by("pk")],
        subject=LaterText("[TikJoy ops] %(subject)s", subject=subject),
        message=message,
    )


def _invoice_invalid_text(exc: InvoiceInvalid) -> LaterText:
    """Why the e-invoice was refused, for ops: the rules' ids and texts stay as the standard writes them."""
    return LaterText(
        ngettext_lazy(
            "The e-invoice breaks EN 16931 (%(count)s rule): %(rules)s",
            "The e-invoice breaks EN 16931 (%(count)s rules): %(rules)s",
            "count",
        ),
        count=len(exc.failures),
        rules="; ".join(str(f) for f in exc.failures[:10]),
    )


# --- statements ---------------------------------------------------------------------------------


def _not_over(period: Period, *, document: str) -> BillingError:
    words = {
        "month": date_format(period.month.first_day, "YEAR_MONTH_FORMAT"),
        "zone": time_zone_label(period.zone),
    }
    if document == "statement":
        text = _("%(month)s is not over yet in %(zone)s: its statement is issued after it ends.")
    else:
        text = _("%(month)s is not over yet in %(zone)s: its invoice is drafted after it ends.")
    return BillingError(text % words)


def statement_issue(
    *, merchant: Merchant, currency: str, month: Month, now: datetime, alert: bool = True
) -> tuple[Statement, bool]:
    """Issue the statement of ``merchant``'s prepaid wallet in ``currency`` for ``month``, once, over
    its ``billing_period`` (the month in the merchant's time zone).

    Returns ``(statement, created)``; an issued statement is returned unchanged. Raises
    ``StatementDoesNotReconcile`` (logged; ops e-mailed unless ``alert`` is false) when the ledger
    does not reconcile.
    """
    existing = Statement.objects.filter(merchant=merchant, currency=currency, month=month.first_day).first()
    if existing is not None:
        return existing, False
    period = billing_period(merchant=merchant, currency=currency, month=month)
    if now < period.end:
        raise _not_over(period, document="statement")
    language = document_language(merchant=merchant)
    with translation.override(language):  # the movements' words, as printed and kept with the statement
        figures = statement_figures(merchant=merchant, currency=currency, month=month, period=period)
    if not figures.reconciles:
        error = StatementDoesNotReconcile(
            merchant=merchant, currency=currency, month=month, problems=figures.problems
        )
        subject = LaterText(
            gettext_lazy("Statement %(month)s %(currency)s of %(merchant)s not issued"),
            month=str(month),
            currency=currency,
            merchant=merchant.slug,
        )
        if alert:
            ops_alert(subject=subject, message=error.alert)
        else:
            logger.error("%s: %s", subject, error)
        raise error
    with translation.override(language):  # the ledger lines' words too, in the merchant's zone
        csv_bytes = statement_csv(figures=figures)
    pdf = rendering.statement_pdf(figures=figures, csv_bytes=csv_bytes, issued_at=now, language=language)
    try:
        with transaction.atomic(durable=True):
            statement = Statement.objects.create(
                merchant=merchant,
                currency=currency,
                month=month.first_day,
                period_start=period.start,
                period_end=period.end,
                time_zone=period.zone,
                opening_balance=figures.opening,
                closing_balance=figures.closing,
                money_in=figures.money_in,
                money_out=figures.money_out,
                entry_count=figures.entry_count,
                sections=figures.sections,
                pending_at_end=figures.pending_at_end,
                pdf=pdf,
                csv=csv_bytes,
                sha256=hashlib.sha256(pdf).hexdigest(),
                issued_at=now,
            )
            for owner in owners_with_email(merchant):
                with member_locale(owner, merchant):
                    words = {
                        "month": date_format(month.first_day, "YEAR_MONTH_FORMAT"),
                        "currency": currency,
                        "opening": money_text(figures.opening, currency),
                        "closing": money_text(figures.closing, currency),
                    }
                    subject = _("[TikJoy] Your %(month)s statement (%(currency)s)") % words
                    message = (
                        _(
                            "Your TikJoy wallet statement for %(month)s is ready in the console (Statements). "
                            "Opening balance %(opening)s, closing balance %(closing)s."
                        )
                        % words
                    )
                mail_after_commit(subject=subject, message=message, recipient_list=[owner.email])
    except IntegrityError:  # issued by someone else meanwhile
        return Statement.objects.get(merchant=merchant, currency=currency, month=month.first_day), False
    return statement, True


# --- invoices -----------------------------------------------------------------------------------


def _seller() -> dict:
    return dict(settings.BILLING_SELLER)


def _buyer(merchant: Merchant) -> dict:
    return {
        "legal_name": merchant.legal_name,
        "address": merchant.billing_address,
        "postcode": merchant.billing_postcode,
        "city": merchant.billing_city,
        "country": merchant.country,
        "vat_id": merchant.vat_number,
        "email": merchant.contact_email,
        "reference": merchant.payment_reference,
    }


def _consumer_country(user: User) -> str:
    """Where a consumer lives, as far as TikJoy knows: their phone number's country; otherwise the
    seller's (VAT is then charged at the operator's rate)."""
    if user.phone:
        try:
            region = phonenumbers.region_code_for_number(phonenumbers.parse(user.phone))
        except phonenumbers.NumberParseException:
            region = None
        if region and region != "ZZ":
            return region
    return settings.BILLING_SELLER["country"]


def _consumer_buyer(user: User) -> dict:
    return {
        "legal_name": (user.display_name or user.email or user.phone or f"TikJoy user {user.pk}")[:200],
        "address": "",
        "postcode": "",
        "city": "",
        "country": _consumer_country(user),
        "vat_id": "",
        "email": user.email or "",
        "reference": "",
    }


def _apply_parties_and_vat(invoice: Invoice) -> None:
    """Take the current legal details of both parties and the VAT treatment they imply."""
    invoice.seller = _seller()
    consumer = invoice.user_id is not None
    if consumer:
        invoice.buyer = _consumer_buyer(User.objects.get(pk=invoice.user_id))
    else:
        invoice.buyer = _buyer(Merchant.objects.get(pk=invoice.merchant_id))
    treatment = vat_treatment(
        seller_country=invoice.seller["country"],
        buyer_country=invoice.buyer["country"],
        buyer_vat_id=invoice.buyer["vat_id"],
        consumer=consumer,
    )
    invoice.vat_category, invoice.vat_rate, invoice.vat_note = (
        treatment.category,
        treatment.rate,
        treatment.note,
    )
    invoice.net_amount, invoice.vat_amount = split_gross(invoice.gross_amount, treatment.rate)


def invoice_draft_for_month(
    *, merchant: Merchant, currency: str, month: Month, now: datetime
) -> Invoice | None:
    """The service-fee invoice of ``month`` (over its ``billing_period``, the month in the merchant's
    time zone, the same as the statement's): created as a draft, or refreshed while still a draft.

    ``None`` when no margin was confirmed in the period. A finalised invoice is returned unchanged.
    """
    period = billing_period(merchant=merchant, currency=currency, month=month)
    if now < period.end:
        raise _not_over(period, document="invoice")
    fee = confirmed_margin(merchant=merchant, currency=currency, month=month, period=period)
    try:
        return _invoice_draft_save(merchant=merchant, currency=currency, period=period, now=now, fee=fee)
    except IntegrityError:  # drafted by a concurrent run meanwhile: the partial unique constraint
        return Invoice.objects.get(
            merchant=merchant, currency=currency, month=month.first_day, kind=DocumentKind.INVOICE
        )


def _invoice_draft_save(
    *, merchant: Merchant, currency: str, period: Period, now: datetime, fee
) -> Invoice | None:
    month = period.month
    with transaction.atomic(durable=True):
        invoice = (
            Invoice.objects.select_for_update()
            .filter(merchant=merchant, currency=currency, month=month.first_day, kind=DocumentKind.INVOICE)
            .first()
        )
        if invoice is not None and invoice.is_final:
            return invoice
        if fee.gross <= 0:
            return invoice  # a draft made earlier stays, for ops to look at; nothing new
        if invoice is None:
            invoice = Invoice(
                kind=DocumentKind.INVOICE,
                merchant=merchant,
                currency=currency,
                month=month.first_day,
                created_at=now,
            )
        # The supply period: the merchant's (the statement's), its days as dates in its zone (BT-73/74).
        invoice.period_start, invoice.period_end = period.first_day, period.last_day
        invoice.period_starts_at, invoice.period_ends_at = period.start, period.end
        invoice.period_time_zone = period.zone
        invoice.gross_amount = fee.gross
        invoice.fee_count = fee.count
        confirmations = fee.confirmations
        with translation.override(document_language(merchant=merchant)):  # the line texts, as printed
            words = {"month": date_format(month.first_day, "YEAR_MONTH_FORMAT")}
            invoice.description = ngettext(
                "TikJoy service fee: platform margin on rewards confirmed in %(month)s (%(count)s confirmation)",
                "TikJoy service fee: platform margin on rewards confirmed in %(month)s (%(count)s confirmations)",
                confirmations,
            ) % {**words, "count": confirmations}
            invoice.chats_gross_amount = fee.chats_gross
            invoice.chats_description = (
                ngettext(
                    "WhatsApp messages to consumers in %(month)s (%(count)s paid message; failed ones refunded)",
                    "WhatsApp messages to consumers in %(month)s (%(count)s paid messages; failed ones refunded)",
                    fee.chats_count,
                )
                % {**words, "count": fee.chats_count}
                if fee.chats_count
                else ""
            )
            invoice.affiliate_gross_amount = fee.affiliate_gross
            invoice.affiliate_description = (
                ngettext(
                    "TikJoy service fee: platform margin on affiliate commissions approved in %(month)s "
                    "(%(count)s commission)",
                    "TikJoy service fee: platform margin on affiliate commissions approved in %(month)s "
                    "(%(count)s commissions)",
                    fee.affiliate_count,
                )
                % {**words, "count": fee.affiliate_count}
                if fee.affiliate_entries
                else ""
            )
            _apply_parties_and_vat(invoice)
        invoice.save()
    return invoice


def _next_number(kind: str, year: int) -> tuple[str, int, str]:
    """Lock the series' counter row and take its next value (inside the caller's transaction)."""
    series = f"{SERIES_PREFIX[kind]}-{year}"
    DocumentCounter.objects.bulk_create([DocumentCounter(series=series)], ignore_conflicts=True)
    counter = DocumentCounter.objects.select_for_update().get(series=series)
    counter.last_value += 1
    counter.save(update_fields=["last_value"])
    return series, counter.last_value, f"{series}-{counter.last_value:06d}"


def _finalise_locked(invoice: Invoice, *, actor: User | None, now: datetime) -> Invoice:
    """Number, validate, render and freeze a locked draft (inside the caller's transaction)."""
    language = _invoice_language(invoice)
    with translation.override(language):  # the notes are fixed now in the document's language
        if invoice.kind in INVOICE_KINDS:
            _apply_parties_and_vat(invoice)
        issue_date = now.astimezone(billing_zone()).date()
        invoice.series, invoice.sequence, invoice.number = _next_number(invoice.kind, issue_date.year)
        invoice.issue_date = issue_date
        xml = invoice_xml(invoice)
    invoice_xml_check(xml)  # raises InvoiceInvalid: the transaction, number included, rolls back
    pdf = rendering.invoice_pdf(invoice=invoice, xml=xml, language=language)
    invoice.xml, invoice.pdf, invoice.sha256 = xml, pdf, hashlib.sha256(pdf).hexdigest()
    invoice.status, invoice.finalised_at, invoice.finalised_by = InvoiceStatus.FINALISED, now, actor
    invoice.save()
    _invoice_notify(invoice)
    return invoice


def _invoice_language(invoice: Invoice) -> str:
    if invoice.merchant_id is not None:
        return document_language(merchant=Merchant.objects.get(pk=invoice.merchant_id))
    return document_language(user=User.objects.filter(pk=invoice.user_id).first())


def _invoice_notify(invoice: Invoice) -> None:
    if invoice.user_id is not None:
        user = User.objects.get(pk=invoice.user_id)
        # Coins are TikJoy's own product, about no brand: no brand's language to fall back on (the
        # invoice's PDF, _coin_invoice_draft, is in the same language as this mail).
        with translation.override(document_language(user=user)):
            subject = _("[TikJoy] Your invoice %(number)s for Promote coins") % {"number": invoice.number}
            message = _(
                "TikJoy invoice %(number)s: %(description)s, %(amount)s. "
                "Download it from your Promote page (Invoices)."
            ) % {
                "number": invoice.number,
                "description": invoice.description,
                "amount": money_text(invoice.gross_amount, invoice.currency),
            }
        mail_after_commit(subject=subject, message=message, recipient_list=[user.email] if user.email else [])
        return
    merchant = Merchant.objects.get(pk=invoice.merchant_id)
    for owner in owners_with_email(merchant):
        with member_locale(owner, merchant):
            words = {
                "number": invoice.number,
                "amount": money_text(invoice.gross_amount, invoice.currency),
                "when": (
                    date_format(invoice.period_start, "DATE_FORMAT")
                    if invoice.kind == DocumentKind.COIN_INVOICE
                    else date_format(invoice.month, "YEAR_MONTH_FORMAT")
                ),
            }
            if invoice.kind == DocumentKind.CREDIT_NOTE:
                subject = _("[TikJoy] Your credit note %(number)s") % words
                message = _(
                    "TikJoy credit note %(number)s (%(amount)s, %(when)s) is in the console "
                    "(Invoices), as a PDF with its e-invoice XML."
                )
            elif invoice.kind == DocumentKind.COIN_INVOICE:
                # The merchant's purchase (the console): written to its owners formally, like every
                # merchant mail; a consumer's own purchase is a consumer mail (above), informal.
                subject = (
                    pgettext("to a merchant", "[TikJoy] Your invoice %(number)s for Promote coins") % words
                )
                message = _(
                    "TikJoy invoice %(number)s for Promote coins (%(amount)s, %(when)s) is in the "
                    "console (Invoices), as a PDF with its e-invoice XML."
                )
            else:
                subject = _("[TikJoy] Your invoice %(number)s") % words
                message = _(
                    "TikJoy invoice %(number)s (%(amount)s, %(when)s) is in the console (Invoices), "
                    "as a PDF with its e-invoice XML."
                )
            message %= words
        mail_after_commit(subject=subject, message=message, recipient_list=[owner.email])


def invoice_resend(*, invoice_id: int) -> Invoice:
    """E-mail the owners about a finalised invoice or credit note again (ops, on request)."""
    with transaction.atomic(durable=True):
        invoice = Invoice.objects.get(pk=invoice_id)
        if not invoice.is_final:
            raise BillingError(
                _("%(invoice)s is a draft: finalise it before sending it.") % {"invoice": invoice}
            )
        _invoice_notify(invoice)
    return invoice


def invoice_finalise(*, invoice_id: int, actor: User | None, now: datetime) -> Invoice:
    """Give a draft its gapless number and freeze it; a finalised invoice is returned unchanged.

    Raises ``InvoiceInvalid`` (with the EN 16931 rule ids) when the e-invoice breaks the standard:
    nothing is stored and no number is used.
    """
    return invoice_finalise_once(invoice_id=invoice_id, actor=actor, now=now)[0]


def invoice_finalise_once(*, invoice_id: int, actor: User | None, now: datetime) -> tuple[Invoice, bool]:
    """``invoice_finalise``, and whether this call finalised it (``False``: it already was)."""
    with transaction.atomic(durable=True):
        invoice = Invoice.objects.select_for_update().get(pk=invoice_id)
        if invoice.is_final:
            return invoice, False
        _draft_period_check(invoice)
        return _finalise_locked(invoice, actor=actor, now=now), True


def _draft_period_check(invoice: Invoice) -> None:
    """A service-fee draft covers what ``billing_period`` says its month covers now: a draft left from
    before a change of zone (or before its month's statement was issued, e.g. at a merchant's closing)
    is refused, so an invoice and its statement never cover different instants."""
    if invoice.kind != DocumentKind.INVOICE or invoice.merchant_id is None:
        return
    period = billing_period(
        merchant=invoice.merchant, currency=invoice.currency, month=Month.of(invoice.month)
    )
    if (period.start, period.end) != (invoice.period_starts_at, invoice.period_ends_at):
        raise BillingError(
            _(
                "This draft's period no longer matches what %(month)s covers for the merchant (their time zone "
                "changed, or the month's statement was issued since): the next monthly run drafts it again; "
                "finalise it then."
            )
            % {"month": str(Month.of(invoice.month))}
        )


def credit_note_issue(
    *, invoice_id: int, gross_amount: Decimal, reason: str, actor: User | None, now: datetime
) -> Invoice:
    """Credit (part of) a finalised invoice: a numbered credit note, and the amount back to the wallet."""
    reason = (reason or "").strip()
    if not reason:
        raise BillingError(_("Say why the invoice is credited: the reason is printed on the credit note."))
    with transaction.atomic(durable=True):
        original = (
            Invoice.objects.select_for_update(of=("self",)).select_related("merchant").get(pk=invoice_id)
        )
        if original.kind == DocumentKind.COIN_INVOICE:
            raise BillingError(
                _(
                    "A coin purchase is refunded by withdrawing the coins (Promote), not by a credit note here."
                )
            )
        if original.kind != DocumentKind.INVOICE or not original.is_final:
            raise BillingError(_("Only a finalised invoice can be credited."))
        remaining = original.gross_amount - credited_total(invoice=original)
        if gross_amount <= 0 or gross_amount > remaining:
            raise BillingError(
                _("A credit note of %(number)s is between %(least)s and %(remaining)s.")
                % {
                    "number": original.number,
                    "least": money_text(Decimal("0.01"), original.currency),
                    "remaining": money_text(remaining, original.currency),
                }
            )
        if gross_amount != gross_amount.quantize(Decimal("0.01")):
            raise BillingError(_("Amounts are in cents: at most two decimals."))
        net, vat = split_gross(gross_amount, original.vat_rate)
        note = Invoice.objects.create(
            kind=DocumentKind.CREDIT_NOTE,
            merchant=original.merchant,
            currency=original.currency,
            month=original.month,
            period_start=original.period_start,
            period_end=original.period_end,
            period_starts_at=original.period_starts_at,
            period_ends_at=original.period_ends_at,
            period_time_zone=original.period_time_zone,
            credited_invoice=original,
            reason=reason[:300],
            description=_credit_description(original, reason),
            gross_amount=gross_amount,
            net_amount=net,
            vat_amount=vat,
            vat_category=original.vat_category,
            vat_rate=original.vat_rate,
            vat_note=original.vat_note,
            seller=original.seller,
            buyer=original.buyer,
            created_at=now,
        )
        revenue = platform_revenue_account(merchant=original.merchant, currency=original.currency)
        funds = merchant_funds_account(merchant=original.merchant, currency=original.currency)
        if revenue is None or funds is None:
            raise BillingError(_("This merchant has no ledger accounts to refund from and to."))
        amount = Money(gross_amount, original.currency)
        try:
            txn = post(
                entries=[(revenue, -amount), (funds, amount)],
                kind=FEE_CREDIT_KIND,
                reason=f"Credit note on invoice {original.number}: {reason}"[:500],
                idempotency_key=f"billing:credit-note:{note.pk}",
                actor=actor,
                subject=note,
            )
        except LedgerError as exc:
            raise BillingError(_("The refund could not be posted: %(error)s") % {"error": exc}) from exc
        note.ledger_transaction = txn
        return _finalise_locked(note, actor=actor, now=now)


# --- the monthly run ------------------------------------------------------------------------------


@dataclass
class RunReport:
    months: list[Month]
    statements_issued: int = 0
    statements_existing: int = 0
    invoices_finalised: int = 0
    invoices_existing: int = 0
    not_over: int = 0  # merchants whose month has not ended yet in their zone
    failures: list[str] = field(default_factory=list)

    def __str__(self) -> str:
        waiting = f"{self.not_over} not over yet in the merchant's zone; " if self.not_over else ""
        return (
            f"{', '.join(str(m) for m in self.months)}: statements {self.statements_issued} issued, "
            f"{self.statements_existing} already; invoices {self.invoices_finalised} finalised, "
            f"{self.invoices_existing} already; {waiting}{len(self.failures)} failure(s)"
        )


def billing_run(
    *,
    now: datetime,
    month: Month | None = None,
    merchant: Merchant | None = None,
    progress: Callable[[str], None] | None = None,
    alert: bool = True,
) -> RunReport:
    """Issue every statement and service-fee invoice that is due and not issued yet (idempotent).

    ``month`` given: that month, for each merchant whose ``billing_period`` of it has ended at
    ``now`` (in the merchant's zone; the others are counted as not over yet). ``month`` omitted (the
    schedule): each merchant's last month that has ended in its own zone, so that a merchant in
    Pacific/Auckland gets its documents hours before one in America/Los_Angeles. Failures are
    logged and reported; ops are e-mailed about them when ``alert`` is true.
    """
    say = progress or (lambda _text: None)
    if month is not None:
        if now < month.ended_somewhere:
            raise BillingError(_("%(month)s is not over yet.") % {"month": month.label})
        months = [month]
    else:  # the last complete month of the zones furthest behind and ahead: at most two
        months = sorted({Month.before(now, LATEST_ZONE), Month.before(now, EARLIEST_ZONE)}, key=str)
    report = RunReport(months=months)
    owners: dict[int, Merchant] = {}

    def owner_of(pk: int) -> Merchant:
        if merchant is not None:
            return merchant
        if pk not in owners:
            owners[pk] = Merchant.objects.get(pk=pk)
        return owners[pk]

    def due(owner: Merchant, candidate: Month) -> bool:
        return month is not None or Month.before(now, merchant_zone(owner)) == candidate

    for candidate in months:
        for account in statement_accounts(month=candidate, merchant=merchant):
            owner = owner_of(account.owner_id)
            if due(owner, candidate):
                _run_statement(owner, account, candidate, now=now, report=report, say=say, alert=alert)
        for account in revenue_accounts(month=candidate, merchant=merchant):
            owner = owner_of(int(account.partition.rsplit(":", 1)[1]))
            if due(owner, candidate):
                _run_invoice(owner, account, candidate, now=now, report=report, say=say, alert=alert)
    return report


def _run_statement(owner, account, month: Month, *, now, report: RunReport, say, alert: bool) -> None:
    where = f"statement {owner.slug} {account.currency}"
    period = billing_period(merchant=owner, currency=account.currency, month=month)
    if now < period.end:
        report.not_over += 1
        say(f"{where}: not over yet in {period.zone}")
        return
    if not account_in_period(account, period):
        return  # opened after the month ended in the merchant's zone
    try:
        _statement, created = statement_issue(
            merchant=owner, currency=account.currency, month=month, now=now, alert=alert
        )
    except StatementDoesNotReconcile as exc:
        report.failures.append(str(exc))
        say(f"{where}: NOT ISSUED, does not reconcile")
        return
    if created:
        report.statements_issued += 1
    else:
        report.statements_existing += 1
    say(f"{where}: {'issued' if created else 'already issued'}")


def _run_invoice(owner, account, month: Month, *, now, report: RunReport, say, alert: bool) -> None:
    where = f"invoice {owner.slug} {account.currency}"
    period = billing_period(merchant=owner, currency=account.currency, month=month)
    if now < period.end:
        say(f"{where}: not over yet in {period.zone}")
        return
    if not account_in_period(account, period):
        return
    invoice = invoice_draft_for_month(merchant=owner, currency=account.currency, month=month, now=now)
    if invoice is None:
        return
    if invoice.is_final:
        report.invoices_existing += 1
        say(f"{where}: already {invoice.number}")
        return
    try:
        invoice, finalised = invoice_finalise_once(invoice_id=invoice.pk, actor=None, now=now)
    except InvoiceInvalid as exc:
        report.failures.append(f"{owner.slug}: {exc}")
        subject = LaterText(
            gettext_lazy("Invoice %(month)s %(currency)s of %(merchant)s left as a draft"),
            month=str(month),
            currency=account.currency,
            merchant=owner.slug,
        )
        if alert:
            ops_alert(subject=subject, message=_invoice_invalid_text(exc))
        else:
            logger.error("%s: %s", subject, exc)
        say(f"{where}: LEFT AS DRAFT, {exc}")
        return
    if not finalised:  # a concurrent run finalised it meanwhile
        report.invoices_existing += 1
        say(f"{where}: already {invoice.number}")
        return
    report.invoices_finalised += 1
    say(f"{where}: {invoice.number}")


# --- Promote coin purchases -----------------------------------------------------------------------


def _credit_description(original: Invoice, reason: str) -> str:
    with translation.override(_invoice_language(original)):
        return (
            gettext("Credit on invoice %(number)s: %(reason)s")
            % {"number": original.number, "reason": reason}
        )[:300]


def _coin_invoice_draft(figures: CoinPurchaseFigures, *, now: datetime) -> Invoice:
    """An unsaved draft for a coin purchase (the figures come from the ledger transaction), its
    texts in the buyer's language."""
    zone = billing_zone()  # the platform's: a purchase's date is the seller's (docs/billing.md)
    supplied = figures.transaction.created_at.astimezone(zone).date()
    day_starts = datetime.combine(supplied, datetime.min.time(), tzinfo=zone)
    if figures.buyer_is_merchant:
        language = document_language(merchant=Merchant.objects.get(pk=figures.owner_id))
    else:
        language = document_language(user=User.objects.filter(pk=figures.owner_id).first())
    with translation.override(language):
        if figures.by_card:
            paid = gettext("Paid by card on %(day)s") % {"day": date_format(supplied, "DATE_FORMAT")}
        elif figures.buyer_is_merchant:
            paid = gettext("Already paid from your TikJoy prepaid wallet")
        else:
            paid = gettext("Paid from your TikJoy wallet (JoyBack balance)")
        description = coin_invoice_line(figures.coins)
    invoice = Invoice(
        kind=DocumentKind.COIN_INVOICE,
        merchant_id=figures.owner_id if figures.buyer_is_merchant else None,
        user_id=None if figures.buyer_is_merchant else figures.owner_id,
        currency=figures.currency,
        month=supplied.replace(day=1),
        period_start=supplied,
        period_end=supplied,
        period_starts_at=day_starts,
        period_ends_at=datetime.combine(supplied + timedelta(days=1), datetime.min.time(), tzinfo=zone),
        period_time_zone=zone.key,
        description=description,
        fee_count=1,
        gross_amount=figures.amount,
        paid_note=paid,
        ledger_transaction=figures.transaction,
        created_at=now,
    )
    with translation.override(language):
        _apply_parties_and_vat(invoice)
    return invoice


def coin_invoice_issue(*, transaction_id: int, now: datetime) -> Invoice:
    """The invoice of one Promote coin purchase (a ``PROMOTE_COIN_PURCHASE`` ledger transaction),
    issued once: numbered in the INV series, validated against EN 16931, rendered, frozen.

    Idempotent and safe under concurrency: the invoice row is unique per ledger transaction, so a
    second caller waits for the first one's transaction and then gets its invoice (no number is
    taken twice, and a rolled-back attempt gives its number back). When the validator refuses the
    e-invoice, nothing is numbered: a draft is kept for ops (who are alerted once) and returned.
    """
    existing = Invoice.objects.filter(ledger_transaction_id=transaction_id).first()
    if existing is not None:
        return existing  # finalised, or a draft the validator refused (ops look at it)
    figures = coin_purchase_figures(transaction_id=transaction_id)
    if figures is None:
        raise BillingError(_("That ledger transaction is not a Promote coin purchase."))
    try:
        with transaction.atomic(durable=True):
            invoice = _coin_invoice_draft(figures, now=now)
            invoice.save()
            return _finalise_locked(invoice, actor=None, now=now)
    except IntegrityError:
        existing = Invoice.objects.filter(ledger_transaction_id=transaction_id).first()
        if existing is None:
            raise
        return existing
    except InvoiceInvalid as exc:
        try:
            with transaction.atomic(durable=True):
                draft = _coin_invoice_draft(figures, now=now)
                draft.save()
                ops_alert(
                    subject=LaterText(
                        gettext_lazy("Coin purchase invoice of transaction %(transaction)s left as a draft"),
                        transaction=transaction_id,
                    ),
                    message=_invoice_invalid_text(exc),
                )
        except IntegrityError:
            draft = Invoice.objects.get(ledger_transaction_id=transaction_id)
        return draft


def coin_invoices_issue_due(*, now: datetime, limit: int = 500) -> int:
    """Issue the invoice of every coin purchase that has none yet (the schedule, every minute).

    Returns how many were finalised by this call."""
    issued = 0
    for transaction_id in coin_purchases_uninvoiced(limit=limit):
        invoice = coin_invoice_issue(transaction_id=transaction_id, now=now)
        if invoice.is_final:
            issued += 1
    return issued
