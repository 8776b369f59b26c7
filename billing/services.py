"""Every write of billing: issue statements, draft and finalise invoices, credit notes, the monthly run."""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal

from django.conf import settings
from django.db import IntegrityError, transaction
from moneyed import Money

from accounts.models import User
from billing import rendering
from billing.cii import invoice_xml
from billing.models import DocumentCounter, DocumentKind, Invoice, InvoiceStatus, Statement
from billing.months import Month, billing_zone
from billing.selectors import (
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
from core.tasks import mail_after_commit
from merchants.models import Merchant, Role
from wallets.services import LedgerError, post

logger = logging.getLogger(__name__)

SERIES_PREFIX = {DocumentKind.INVOICE: "INV", DocumentKind.CREDIT_NOTE: "CN"}
FEE_CREDIT_KIND = "FEE_CREDIT"


class BillingError(DomainError):
    pass


class StatementDoesNotReconcile(BillingError):
    def __init__(self, *, merchant: Merchant, currency: str, month: Month, problems: list[str]):
        self.problems = problems
        super().__init__(
            f"The {month.label} {currency} statement of {merchant} does not reconcile and was not issued: "
            + " ".join(problems)
        )


def _owner_emails(merchant: Merchant) -> list[str]:
    return [
        m.user.email
        for m in merchant.memberships.filter(role=Role.OWNER).select_related("user")
        if m.user.email
    ]


def ops_alert(*, subject: str, message: str) -> None:
    """Log the problem and e-mail every active staff member (after commit)."""
    logger.error("%s: %s", subject, message)
    staff = list(
        User.objects.filter(is_staff=True, is_active=True).exclude(email=None).values_list("email", flat=True)
    )
    mail_after_commit(subject=f"[TikJoy ops] {subject}", message=message, recipient_list=staff)


# --- statements ---------------------------------------------------------------------------------


def statement_issue(
    *, merchant: Merchant, currency: str, month: Month, now: datetime
) -> tuple[Statement, bool]:
    """Issue the statement of ``merchant``'s prepaid wallet in ``currency`` for ``month``, once.

    Returns ``(statement, created)``; an issued statement is returned unchanged. Raises
    ``StatementDoesNotReconcile`` (and alerts ops) when the ledger does not reconcile.
    """
    if now < month.end:
        raise BillingError(f"{month.label} is not over yet: its statement is issued after it ends.")
    existing = Statement.objects.filter(merchant=merchant, currency=currency, month=month.first_day).first()
    if existing is not None:
        return existing, False
    figures = statement_figures(merchant=merchant, currency=currency, month=month)
    if not figures.reconciles:
        error = StatementDoesNotReconcile(
            merchant=merchant, currency=currency, month=month, problems=figures.problems
        )
        ops_alert(subject=f"Statement {month} {currency} of {merchant.slug} not issued", message=str(error))
        raise error
    csv_bytes = statement_csv(figures=figures)
    pdf = rendering.statement_pdf(figures=figures, csv_bytes=csv_bytes, issued_at=now)
    try:
        with transaction.atomic(durable=True):
            statement = Statement.objects.create(
                merchant=merchant,
                currency=currency,
                month=month.first_day,
                period_start=month.start,
                period_end=month.end,
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
            mail_after_commit(
                subject=f"[TikJoy] Your {month.label} statement ({currency})",
                message=(
                    f"Your TikJoy wallet statement for {month.label} is ready in the console "
                    f"(Statements). Opening balance {figures.opening} {currency}, "
                    f"closing balance {figures.closing} {currency}."
                ),
                recipient_list=_owner_emails(merchant),
            )
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


def _apply_parties_and_vat(invoice: Invoice, merchant: Merchant) -> None:
    """Take the current legal details of both parties and the VAT treatment they imply."""
    invoice.seller = _seller()
    invoice.buyer = _buyer(merchant)
    treatment = vat_treatment(
        seller_country=invoice.seller["country"],
        buyer_country=invoice.buyer["country"],
        buyer_vat_id=invoice.buyer["vat_id"],
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
    """The service-fee invoice of ``month``: created as a draft, or refreshed while still a draft.

    ``None`` when no margin was confirmed in the month. A finalised invoice is returned unchanged.
    """
    if now < month.end:
        raise BillingError(f"{month.label} is not over yet: its invoice is drafted after it ends.")
    fee = confirmed_margin(merchant=merchant, currency=currency, month=month)
    try:
        return _invoice_draft_save(merchant=merchant, currency=currency, month=month, now=now, fee=fee)
    except IntegrityError:  # drafted by a concurrent run meanwhile: the partial unique constraint
        return Invoice.objects.get(
            merchant=merchant, currency=currency, period_start=month.first_day, kind=DocumentKind.INVOICE
        )


def _invoice_draft_save(
    *, merchant: Merchant, currency: str, month: Month, now: datetime, fee
) -> Invoice | None:
    with transaction.atomic(durable=True):
        invoice = (
            Invoice.objects.select_for_update()
            .filter(
                merchant=merchant, currency=currency, period_start=month.first_day, kind=DocumentKind.INVOICE
            )
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
                period_start=month.first_day,
                period_end=month.last_day,
                created_at=now,
            )
        invoice.gross_amount = fee.gross
        invoice.fee_count = fee.count
        confirmations = fee.count - fee.chats_entries
        invoice.description = (
            f"TikJoy service fee: platform margin on rewards confirmed in {month.label} "
            f"({confirmations} confirmation{'s' if confirmations != 1 else ''})"
        )
        invoice.chats_gross_amount = fee.chats_gross
        invoice.chats_description = (
            f"WhatsApp messages to consumers in {month.label} ({fee.chats_count} "
            f"paid message{'s' if fee.chats_count != 1 else ''}; failed ones refunded)"
            if fee.chats_count
            else ""
        )
        _apply_parties_and_vat(invoice, merchant)
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
    merchant = Merchant.objects.get(pk=invoice.merchant_id)
    if invoice.kind == DocumentKind.INVOICE:
        _apply_parties_and_vat(invoice, merchant)
    issue_date = now.astimezone(billing_zone()).date()
    invoice.series, invoice.sequence, invoice.number = _next_number(invoice.kind, issue_date.year)
    invoice.issue_date = issue_date
    xml = invoice_xml(invoice)
    invoice_xml_check(xml)  # raises InvoiceInvalid: the transaction, number included, rolls back
    pdf = rendering.invoice_pdf(invoice=invoice, xml=xml)
    invoice.xml, invoice.pdf, invoice.sha256 = xml, pdf, hashlib.sha256(pdf).hexdigest()
    invoice.status, invoice.finalised_at, invoice.finalised_by = InvoiceStatus.FINALISED, now, actor
    invoice.save()
    _invoice_notify(invoice, merchant)
    return invoice


def _invoice_notify(invoice: Invoice, merchant: Merchant) -> None:
    label = invoice.get_kind_display().lower()
    mail_after_commit(
        subject=f"[TikJoy] Your {label} {invoice.number}",
        message=(
            f"TikJoy {label} {invoice.number} ({invoice.gross_amount} {invoice.currency}, "
            f"{invoice.period_start:%B %Y}) is in the console (Invoices), as a PDF with its e-invoice XML."
        ),
        recipient_list=_owner_emails(merchant),
    )


def invoice_resend(*, invoice_id: int) -> Invoice:
    """E-mail the owners about a finalised invoice or credit note again (ops, on request)."""
    with transaction.atomic(durable=True):
        invoice = Invoice.objects.select_related("merchant").get(pk=invoice_id)
        if not invoice.is_final:
            raise BillingError(f"{invoice} is a draft: finalise it before sending it.")
        _invoice_notify(invoice, invoice.merchant)
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
        return _finalise_locked(invoice, actor=actor, now=now), True


def credit_note_issue(
    *, invoice_id: int, gross_amount: Decimal, reason: str, actor: User | None, now: datetime
) -> Invoice:
    """Credit (part of) a finalised invoice: a numbered credit note, and the amount back to the wallet."""
    reason = (reason or "").strip()
    if not reason:
        raise BillingError("Say why the invoice is credited: the reason is printed on the credit note.")
    with transaction.atomic(durable=True):
        original = Invoice.objects.select_for_update().select_related("merchant").get(pk=invoice_id)
        if original.kind != DocumentKind.INVOICE or not original.is_final:
            raise BillingError("Only a finalised invoice can be credited.")
        remaining = original.gross_amount - credited_total(invoice=original)
        if gross_amount <= 0 or gross_amount > remaining:
            raise BillingError(
                f"A credit note of {original.number} is between 0.01 and {remaining} {original.currency}."
            )
        if gross_amount != gross_amount.quantize(Decimal("0.01")):
            raise BillingError("Amounts are in cents: at most two decimals.")
        net, vat = split_gross(gross_amount, original.vat_rate)
        note = Invoice.objects.create(
            kind=DocumentKind.CREDIT_NOTE,
            merchant=original.merchant,
            currency=original.currency,
            period_start=original.period_start,
            period_end=original.period_end,
            credited_invoice=original,
            reason=reason[:300],
            description=f"Credit on invoice {original.number}: {reason}"[:300],
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
            raise BillingError("This merchant has no ledger accounts to refund from and to.")
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
            raise BillingError(f"The refund could not be posted: {exc}") from exc
        note.ledger_transaction = txn
        return _finalise_locked(note, actor=actor, now=now)


# --- the monthly run ------------------------------------------------------------------------------


@dataclass
class RunReport:
    month: Month
    statements_issued: int = 0
    statements_existing: int = 0
    invoices_finalised: int = 0
    invoices_existing: int = 0
    failures: list[str] = field(default_factory=list)

    def __str__(self) -> str:
        return (
            f"{self.month}: statements {self.statements_issued} issued, {self.statements_existing} already; "
            f"invoices {self.invoices_finalised} finalised, {self.invoices_existing} already; "
            f"{len(self.failures)} failure(s)"
        )


def billing_run(
    *,
    month: Month,
    now: datetime,
    merchant: Merchant | None = None,
    progress: Callable[[str], None] | None = None,
) -> RunReport:
    """Issue every statement and service-fee invoice of ``month`` that is not issued yet (idempotent)."""
    say = progress or (lambda _text: None)
    report = RunReport(month=month)
    if now < month.end:
        raise BillingError(f"{month.label} is not over yet.")
    for account in statement_accounts(month=month, merchant=merchant):
        owner = merchant or Merchant.objects.get(pk=account.owner_id)
        try:
            _statement, created = statement_issue(
                merchant=owner, currency=account.currency, month=month, now=now
            )
        except StatementDoesNotReconcile as exc:
            report.failures.append(str(exc))
            say(f"statement {owner.slug} {account.currency}: NOT ISSUED, does not reconcile")
            continue
        if created:
            report.statements_issued += 1
        else:
            report.statements_existing += 1
        say(f"statement {owner.slug} {account.currency}: {'issued' if created else 'already issued'}")
    for account in revenue_accounts(month=month, merchant=merchant):
        owner = merchant or Merchant.objects.get(pk=int(account.partition.rsplit(":", 1)[1]))
        invoice = invoice_draft_for_month(merchant=owner, currency=account.currency, month=month, now=now)
        if invoice is None:
            continue
        if invoice.is_final:
            report.invoices_existing += 1
            say(f"invoice {owner.slug} {account.currency}: already {invoice.number}")
            continue
        try:
            invoice, finalised = invoice_finalise_once(invoice_id=invoice.pk, actor=None, now=now)
        except InvoiceInvalid as exc:
            report.failures.append(f"{owner.slug}: {exc}")
            ops_alert(
                subject=f"Invoice {month} {account.currency} of {owner.slug} left as a draft",
                message=str(exc),
            )
            say(f"invoice {owner.slug} {account.currency}: LEFT AS DRAFT, {exc}")
            continue
        if not finalised:  # a concurrent run finalised it meanwhile
            report.invoices_existing += 1
            say(f"invoice {owner.slug} {account.currency}: already {invoice.number}")
            continue
        report.invoices_finalised += 1
        say(f"invoice {owner.slug} {account.currency}: {invoice.number}")
    return report
