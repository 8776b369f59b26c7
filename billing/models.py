"""Monthly statements and service-fee invoices (docs/billing.md).

Both are documents: once issued (a statement) or finalised (an invoice, a
credit note) the row, its PDF and its XML never change. On PostgreSQL a
trigger refuses any UPDATE of an issued statement or a finalised invoice and
any DELETE (migration 0002); on SQLite the service layer is the only writer.
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.formats import date_format
from django.utils.translation import gettext, pgettext_lazy
from django.utils.translation import gettext_lazy as _
from moneyed import Money

from billing.months import Month, Period

MONEY = {"max_digits": 20, "decimal_places": 2}


# The money CHECKs' slack: none that matters on PostgreSQL (amounts in whole cents), and enough for
# SQLite's float arithmetic (make run) as rewards.Reward's price check allows.
CENT_TOLERANCE = Decimal("0.001")


def to_the_cent(field: str, expression) -> Q:
    """A CHECK's ``field = expression`` within ``CENT_TOLERANCE``."""
    return Q(**{f"{field}__gte": expression - CENT_TOLERANCE}) & Q(
        **{f"{field}__lte": expression + CENT_TOLERANCE}
    )


class Statement(models.Model):
    """A merchant's prepaid-wallet statement for one month and currency, reconciled to the ledger."""

    merchant = models.ForeignKey(
        "merchants.Merchant", verbose_name=_("merchant"), on_delete=models.PROTECT, related_name="statements"
    )
    currency = models.CharField(_("currency"), max_length=3)
    month = models.DateField(_("month"), help_text=_("The first day of the month the statement covers."))
    period_start = models.DateTimeField(_("period start"), help_text=_("Inclusive."))
    period_end = models.DateTimeField(
        _("period end"), help_text=_("Exclusive: the first instant of the next month.")
    )
    time_zone = models.CharField(
        _("time zone"),
        max_length=64,
        help_text=_("The time zone the month was counted in: the merchant's when the statement was issued."),
    )
    opening_balance = models.DecimalField(_("opening balance"), **MONEY)
    closing_balance = models.DecimalField(_("closing balance"), **MONEY)
    money_in = models.DecimalField(_("money in"), **MONEY)
    money_out = models.DecimalField(_("money out"), **MONEY)
    entry_count = models.PositiveIntegerField(_("ledger lines"))
    sections = models.JSONField(
        _("sections"), help_text=_("The movements grouped in words, as printed on the PDF.")
    )
    pending_at_end = models.JSONField(
        _("pending at end"), help_text=_("Rewards still pending or held at the end of the month.")
    )
    pdf = models.BinaryField(_("pdf"))
    csv = models.BinaryField(
        _("csv"), help_text=_("Every ledger line of the month (also embedded in the PDF).")
    )
    sha256 = models.CharField(_("SHA-256"), max_length=64, help_text=_("SHA-256 of the PDF."))
    issued_at = models.DateTimeField(_("issued at"))

    class Meta:
        verbose_name = _("statement")
        verbose_name_plural = _("statements")
        constraints = [
            models.UniqueConstraint(
                fields=["merchant", "currency", "month"],
                name="billing_statement_one_per_month",
                violation_error_message=_(
                    "There is already a statement for this merchant, currency and month."
                ),
            ),
            models.CheckConstraint(
                # Exact in cents on PostgreSQL (the amounts are numeric(…, 2)); within a thousandth so that
                # SQLite (make run), which adds decimals as floats, doesn't refuse 536 + 66.65 - 100.55 = 502.10.
                condition=to_the_cent(
                    "closing_balance",
                    models.F("opening_balance") + models.F("money_in") - models.F("money_out"),
                ),
                name="billing_statement_reconciles",
                violation_error_message=_(
                    "The closing balance must equal the opening balance plus money in minus money out."
                ),
            ),
            models.CheckConstraint(
                condition=Q(period_start__lt=models.F("period_end")),
                name="billing_statement_period",
                violation_error_message=_("A statement's period must end after it starts."),
            ),
        ]

    def __str__(self) -> str:
        return gettext("Statement %(month)s %(currency)s · %(merchant)s") % {
            "month": date_format(self.month, "YEAR_MONTH_FORMAT"),
            "currency": self.currency,
            "merchant": self.merchant,
        }

    @property
    def title(self) -> str:
        return f"{date_format(self.month, 'YEAR_MONTH_FORMAT')} · {self.currency}"

    @property
    def period(self) -> Period:
        """What the statement covers, as issued (``billing.selectors.billing_period``)."""
        return Period(
            month=Month.of(self.month), start=self.period_start, end=self.period_end, zone=self.time_zone
        )


class DocumentKind(models.TextChoices):
    INVOICE = "INVOICE", _("Invoice")
    CREDIT_NOTE = "CREDIT_NOTE", _("Credit note")
    COIN_INVOICE = "COIN_INVOICE", _("Invoice for Promote coins")


INVOICE_KINDS = (DocumentKind.INVOICE, DocumentKind.COIN_INVOICE)


class InvoiceStatus(models.TextChoices):
    DRAFT = "DRAFT", _("Draft")
    FINALISED = "FINALISED", _("Finalised")


class VatCategory(models.TextChoices):
    """UNTDID 5305 codes used by EN 16931."""

    STANDARD = "S", _("Standard rate")
    REVERSE_CHARGE = "AE", _("Reverse charge")
    NOT_IN_SCOPE = "O", _("Not subject to VAT")


class Invoice(models.Model):
    """A service-fee invoice, a credit note, or the invoice of a Promote coin purchase.

    DRAFT has no number; FINALISED is numbered and frozen. The buyer is a merchant, or (coin
    purchases only) a consumer (``user``).
    """

    kind = models.CharField(_("kind"), max_length=12, choices=DocumentKind.choices)
    status = models.CharField(
        _("status"), max_length=10, choices=InvoiceStatus.choices, default=InvoiceStatus.DRAFT
    )
    merchant = models.ForeignKey(
        "merchants.Merchant",
        verbose_name=_("merchant"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="invoices",
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("user"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="invoices",
        help_text=_("The consumer who bought coins (coin purchase invoices of a consumer)."),
    )
    paid_note = models.CharField(
        _("paid note"),
        max_length=200,
        blank=True,
        help_text=_("Coin purchases: how it was paid, as printed."),
    )
    currency = models.CharField(_("currency"), max_length=3)
    month = models.DateField(
        _("month"), help_text=_("The first day of the month the invoice is for (of the purchase, for coins).")
    )
    period_start = models.DateField(_("period start"), help_text=_("First day of the supply period."))
    period_end = models.DateField(_("period end"), help_text=_("Last day of the supply period."))
    period_starts_at = models.DateTimeField(_("period starts at"), help_text=_("Inclusive."))
    period_ends_at = models.DateTimeField(_("period ends at"), help_text=_("Exclusive."))
    period_time_zone = models.CharField(
        _("time zone"),
        max_length=64,
        help_text=_("The time zone the supply period's days are dates in."),
    )
    credited_invoice = models.ForeignKey(
        "self",
        verbose_name=_("credited invoice"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="credit_notes",
    )
    reason = models.CharField(_("reason"), max_length=300, blank=True, help_text=_("Credit notes: why."))
    description = models.CharField(
        _("description"), max_length=300, help_text=_("The invoice line, in words.")
    )
    fee_count = models.PositiveIntegerField(
        _("fee count"), default=0, help_text=_("Ledger movements the fee adds up.")
    )
    chats_description = models.CharField(
        _("chats description"),
        max_length=300,
        blank=True,
        help_text=_("The WhatsApp messages' own line, in words (empty: no such line)."),
    )
    chats_gross_amount = models.DecimalField(
        _("chats gross amount"),
        max_digits=20,
        decimal_places=2,
        default=Decimal("0.00"),
        help_text=_("The part of the gross amount that is WhatsApp messages (chats), on a line of its own."),
    )
    affiliate_description = models.CharField(
        _("affiliate description"),
        max_length=300,
        blank=True,
        help_text=_("The affiliate commissions' own line, in words (empty: no such line)."),
    )
    affiliate_gross_amount = models.DecimalField(
        _("affiliate gross amount"),
        max_digits=20,
        decimal_places=2,
        default=Decimal("0.00"),
        help_text=_(
            "The part of the gross amount that is the margin on affiliate commissions, on a line of its own."
        ),
    )
    gross_amount = models.DecimalField(
        _("total"), **MONEY, help_text=_("What was taken from the prepaid wallet.")
    )
    net_amount = models.DecimalField(_("net amount"), **MONEY)
    vat_category = models.CharField(_("VAT category"), max_length=2, choices=VatCategory.choices)
    vat_rate = models.DecimalField(_("VAT rate"), max_digits=5, decimal_places=2)
    vat_amount = models.DecimalField(pgettext_lazy("amount", "VAT"), **MONEY)
    vat_note = models.CharField(
        _("VAT note"), max_length=300, help_text=_("Why this VAT treatment, as printed.")
    )
    seller = models.JSONField(_("seller"), help_text=_("The platform's legal details when finalised."))
    buyer = models.JSONField(_("buyer"), help_text=_("The merchant's legal details when finalised."))
    series = models.CharField(_("series"), max_length=20, blank=True)
    sequence = models.PositiveIntegerField(_("sequence"), null=True, blank=True)
    number = models.CharField(_("number"), max_length=40, blank=True)
    issue_date = models.DateField(_("issue date"), null=True, blank=True)
    xml = models.BinaryField(_("xml"), blank=True, default=b"")
    pdf = models.BinaryField(_("pdf"), blank=True, default=b"")
    sha256 = models.CharField(_("sha256"), max_length=64, blank=True, help_text=_("SHA-256 of the PDF."))
    created_at = models.DateTimeField(_("created at"))
    finalised_at = models.DateTimeField(_("finalised at"), null=True, blank=True)
    finalised_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("finalised by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    ledger_transaction = models.OneToOneField(
        "wallets.Transaction",
        verbose_name=_("ledger transaction"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text=_(
            "Credit notes: the refund to the prepaid wallet. Coin invoices: the purchase (one invoice each)."
        ),
    )

    class Meta:
        verbose_name = _("invoice")
        verbose_name_plural = _("invoices")
        constraints = [
            models.UniqueConstraint(
                fields=["merchant", "currency", "month"],
                condition=Q(kind="INVOICE"),
                name="billing_invoice_one_per_month",
                violation_error_message=_(
                    "There is already an invoice for this merchant, currency and month."
                ),
            ),
            models.UniqueConstraint(
                fields=["series", "sequence"],
                condition=Q(sequence__isnull=False),
                name="billing_invoice_number_once",
                violation_error_message=_("This invoice number is already used."),
            ),
            models.CheckConstraint(
                condition=Q(kind__in=DocumentKind.values),
                name="billing_invoice_kind_known",
                violation_error_message=_(
                    "An invoice is an invoice (for a service fee or for coins) or a credit note."
                ),
            ),
            models.CheckConstraint(
                condition=(Q(status="DRAFT", sequence__isnull=True, number="", issue_date__isnull=True))
                | (
                    Q(
                        status="FINALISED",
                        sequence__isnull=False,
                        issue_date__isnull=False,
                        finalised_at__isnull=False,
                    )
                    & ~Q(number="")
                    & ~Q(series="")
                    & ~Q(sha256="")
                ),
                name="billing_invoice_number_iff_finalised",
                violation_error_message=_(
                    "Only a finalised invoice has a number and an issue date, and every finalised one has them."
                ),
            ),
            models.CheckConstraint(
                condition=(Q(merchant__isnull=False) & Q(user__isnull=True))
                | (Q(merchant__isnull=True) & Q(user__isnull=False) & Q(kind="COIN_INVOICE")),
                name="billing_invoice_one_buyer",
                violation_error_message=_("An invoice has one buyer: a merchant, or a consumer for coins."),
            ),
            models.CheckConstraint(
                condition=~Q(kind="COIN_INVOICE") | Q(ledger_transaction__isnull=False),
                name="billing_invoice_coins_name_the_purchase",
                violation_error_message=_("A coin purchase invoice names the purchase's ledger transaction."),
            ),
            models.CheckConstraint(
                condition=Q(kind__in=["INVOICE", "COIN_INVOICE"], credited_invoice__isnull=True)
                | Q(kind="CREDIT_NOTE", credited_invoice__isnull=False),
                name="billing_invoice_credit_note_references_invoice",
                violation_error_message=_(
                    "A credit note must name the invoice it corrects; an invoice names none."
                ),
            ),
            models.CheckConstraint(
                condition=Q(gross_amount__gt=0)
                & to_the_cent("gross_amount", models.F("net_amount") + models.F("vat_amount"))
                & Q(vat_amount__gte=0),
                name="billing_invoice_amounts",
                violation_error_message=_(
                    "The gross amount must be more than zero and equal the net amount plus VAT."
                ),
            ),
            models.CheckConstraint(
                condition=Q(period_start__lte=models.F("period_end")),
                name="billing_invoice_period",
                violation_error_message=_("An invoice's period must not end before it starts."),
            ),
            models.CheckConstraint(
                condition=Q(period_starts_at__lt=models.F("period_ends_at")),
                name="billing_invoice_period_instants",
                violation_error_message=_("An invoice's period must end after it starts."),
            ),
        ]
        indexes = [
            models.Index(fields=["merchant", "-period_start"], name="billing_invoice_merchant"),
            models.Index(fields=["user", "-issue_date"], name="billing_invoice_user"),
        ]

    def __str__(self) -> str:
        label = self.get_kind_display()
        return f"{label} {self.number}" if self.number else f"{label} (draft) {self.month:%B %Y}"

    @property
    def period(self) -> Period:
        """What the invoice covers: its month's period (``billing.selectors.billing_period``)."""
        return Period(
            month=Month.of(self.month),
            start=self.period_starts_at,
            end=self.period_ends_at,
            zone=self.period_time_zone,
        )

    @property
    def buyer_name(self) -> str:
        return (self.buyer or {}).get("legal_name", "") or str(self.merchant or self.user or "")

    @property
    def is_receipt(self) -> bool:
        """A consumer's coin invoice: receipt-style (their name, no business details)."""
        return self.kind == DocumentKind.COIN_INVOICE and self.user_id is not None

    @property
    def lines(self) -> list[tuple[str, Decimal]]:
        """(description, net amount) per invoice line: the platform's margin on rewards, and the margin on
        affiliate commissions and WhatsApp messages on lines of their own. The line nets add up to
        ``net_amount`` exactly (each own line's net is rounded half up; the first line's is the rest)."""
        own = [
            (description, gross)
            for description, gross in (
                (self.affiliate_description, self.affiliate_gross_amount),
                (self.chats_description, self.chats_gross_amount),
            )
            if description and gross > 0
        ]
        rest = self.gross_amount - sum((gross for _line, gross in own), Decimal("0.00"))
        lines = [(self.description, rest), *own] if rest > 0 or not own else own
        if len(lines) == 1:
            return [(lines[0][0], self.net_amount)]
        cent = Decimal("0.01")
        nets = [
            (gross * 100 / (100 + self.vat_rate)).quantize(cent, rounding=ROUND_HALF_UP)
            for _line, gross in lines[1:]
        ]
        while self.net_amount - sum(nets) < cent:  # the first line keeps at least a cent
            largest = nets.index(max(nets))
            nets[largest] -= cent
        return [(lines[0][0], self.net_amount - sum(nets))] + [
            (description, net) for (description, _gross), net in zip(lines[1:], nets, strict=True)
        ]

    @property
    def gross_money(self) -> Money:
        return Money(self.gross_amount, self.currency)

    @property
    def is_final(self) -> bool:
        return self.status == InvoiceStatus.FINALISED

    @property
    def vat_rate_text(self) -> str:
        return f"{self.vat_rate.normalize():f} %" if self.vat_rate else "0 %"


class DocumentCounter(models.Model):
    """The next number of a series (e.g. INV-2026): locked and bumped inside the finalising transaction.

    A row lock, never a PostgreSQL sequence: a rolled-back finalisation gives its number back.
    """

    series = models.CharField(_("series"), max_length=20, primary_key=True)
    last_value = models.PositiveIntegerField(_("last value"), default=0)

    class Meta:
        verbose_name = _("document counter")
        verbose_name_plural = _("document counters")

    def __str__(self) -> str:
        return f"{self.series}: {self.last_value}"


ZERO = Decimal("0.00")
