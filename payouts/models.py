"""Payouts: bank details, identity, payout requests, SEPA batches and what the bank sends back.

A payout belongs to a ledger owner (``owner_type``/``owner_id``, as in
``wallets``): a consumer, or a merchant whose prepaid balance is refunded when it
closes (``MERCHANT_PAYEE``). The person who asked for it
(``requested_by``) is the one who is told about it. Every money-moving state
change is a ledger transaction (see ``payouts.services``); every state change is
a ``PayoutEvent`` row with a reason, an actor and a time.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext, ngettext, pgettext_lazy
from django.utils.translation import gettext_lazy as _
from moneyed import Money

from wallets.formats import money_text
from wallets.models import AMOUNT_DECIMALS, AMOUNT_DIGITS


class BankAccountQuerySet(models.QuerySet):
    def current(self) -> BankAccountQuerySet:
        return self.filter(retired_at__isnull=True)


class BankAccount(models.Model):
    """Where an owner's payouts go. A change is a new row; the old one is retired, never edited."""

    owner_type = models.CharField(_("owner type"), max_length=64)
    owner_id = models.BigIntegerField(_("owner id"))
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="bank_accounts",
        help_text=_("the person who manages these details and is told about changes"),
        verbose_name=_("person"),
    )
    holder_name = models.CharField(_("holder name"), max_length=140, help_text=_("as the person typed it"))
    street = models.CharField(_("street"), max_length=70)
    building_number = models.CharField(_("building number"), max_length=16, blank=True)
    postcode = models.CharField(_("postcode"), max_length=16)
    town = models.CharField(_("town"), max_length=35)
    country = models.CharField(_("country"), max_length=2)
    iban = models.CharField(_("IBAN"), max_length=34, help_text=_("compact, upper case, checksum verified"))
    iban_hash = models.CharField(
        _("IBAN hash"),
        max_length=64,
        db_index=True,
        help_text=_("keyed hash of the IBAN: the same IBAN behind several people"),
    )
    bic = models.CharField(
        _("BIC"), max_length=11, blank=True, help_text=_("derived from the IBAN when the bank is known")
    )
    bank_name = models.CharField(_("bank name"), max_length=140, blank=True)
    sepa_eea = models.BooleanField(
        _("in the EEA"), help_text=_("the IBAN's country is in the EEA (not only in SEPA)")
    )
    payouts_hold_until = models.DateTimeField(
        _("payouts held until"), help_text=_("no payout to this account before this time")
    )
    hold_ended_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("hold ended by"),
    )
    hold_end_reason = models.CharField(
        _("hold end reason"), max_length=300, blank=True, help_text=_("why ops ended the hold early")
    )
    blocked_at = models.DateTimeField(_("blocked at"), null=True, blank=True)
    blocked_code = models.CharField(_("blocked code"), max_length=4, blank=True)
    blocked_reason = models.CharField(_("blocked reason"), max_length=300, blank=True)
    created_at = models.DateTimeField(_("created at"))
    retired_at = models.DateTimeField(_("retired at"), null=True, blank=True)

    objects = BankAccountQuerySet.as_manager()

    class Meta:
        verbose_name = _("bank account")
        verbose_name_plural = _("bank accounts")
        constraints = [
            models.UniqueConstraint(
                fields=["owner_type", "owner_id"],
                condition=Q(retired_at__isnull=True),
                name="payouts_bankaccount_one_current_per_owner",
                violation_error_message=_("There is already a current bank account; replace it instead."),
            ),
            models.CheckConstraint(
                condition=Q(iban__regex=r"^[A-Z]{2}[0-9]{2}[A-Z0-9]{11,30}$"),
                name="payouts_bankaccount_iban_compact",
                violation_error_message=_(
                    "Enter the IBAN without spaces: two letters, two digits, then 11 to 30 letters or digits."
                ),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.holder_name} {self.iban_masked}"

    @property
    def iban_masked(self) -> str:
        return f"{self.iban[:4]} •••• {self.iban[-4:]}"

    @property
    def iban_formatted(self) -> str:
        return " ".join(self.iban[i : i + 4] for i in range(0, len(self.iban), 4))

    @property
    def is_blocked(self) -> bool:
        return self.blocked_at is not None


class IdentityStatus(models.TextChoices):
    SUBMITTED = "SUBMITTED", _("Waiting for our check")
    VERIFIED = "VERIFIED", pgettext_lazy("identity status", "Verified")
    MORE_INFO = "MORE_INFO", _("We need more from you")


class PayeeIdentity(models.Model):
    """Who a person is, before money leaves: legal name, date of birth, address, tax id above a yearly total."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="payee_identity",
        verbose_name=_("person"),
    )
    legal_name = models.CharField(pgettext_lazy("payee identity", "legal name"), max_length=140)
    date_of_birth = models.DateField(_("date of birth"))
    street = models.CharField(_("street"), max_length=70)
    building_number = models.CharField(_("building number"), max_length=16, blank=True)
    postcode = models.CharField(_("postcode"), max_length=16)
    town = models.CharField(_("town"), max_length=35)
    country = models.CharField(_("country"), max_length=2)
    tax_id = models.CharField(_("tax id"), max_length=32, blank=True)
    status = models.CharField(
        _("status"), max_length=16, choices=IdentityStatus.choices, default=IdentityStatus.SUBMITTED
    )
    status_reason = models.CharField(
        _("status reason"), max_length=300, blank=True, help_text=_("shown to the person")
    )
    submitted_at = models.DateTimeField(pgettext_lazy("payee identity", "submitted at"))
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=pgettext_lazy("payee identity", "reviewed by"),
    )
    reviewed_at = models.DateTimeField(pgettext_lazy("payee identity", "reviewed at"), null=True, blank=True)

    class Meta:
        verbose_name = _("payee identity")
        verbose_name_plural = _("payee identities")
        constraints = [
            models.CheckConstraint(
                condition=Q(status__in=IdentityStatus.values),
                name="payouts_identity_status_valid",
                violation_error_message=_("Choose an identity check status from the list."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.legal_name} ({self.get_status_display()})"


class CodeChannel(models.TextChoices):
    EMAIL = "EMAIL", _("e-mail")
    WHATSAPP = "WHATSAPP", _("WhatsApp")


class BankDetailsChallenge(models.Model):
    """A one-time code sent before new bank details take effect; the details wait here until it is typed."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+", verbose_name=_("user")
    )
    owner_type = models.CharField(
        _("owner type"),
        max_length=64,
        blank=True,
        help_text=_("whose details these are, when not the person's own (a merchant)"),
    )
    owner_id = models.BigIntegerField(_("owner id"), default=0)
    channel = models.CharField(_("channel"), max_length=8, choices=CodeChannel.choices)
    destination = models.CharField(
        _("destination"), max_length=254, help_text=_("where the code went (e-mail or phone)")
    )
    code_hash = models.CharField(_("code hash"), max_length=96, help_text=_("salt$HMAC of the code"))
    details = models.JSONField(_("details"), help_text=_("the bank details waiting for the code"))
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    created_at = models.DateTimeField(_("created at"))
    expires_at = models.DateTimeField(pgettext_lazy("expiry", "expires at"))
    used_at = models.DateTimeField(_("used at"), null=True, blank=True)

    class Meta:
        verbose_name = _("bank details code")
        verbose_name_plural = _("bank details codes")

    def __str__(self) -> str:
        return gettext("bank details code for %(person)s by %(channel)s") % {
            "person": self.user,
            "channel": self.get_channel_display(),
        }


class PayoutState(models.TextChoices):
    REQUESTED = "REQUESTED", _("Requested")
    APPROVED = "APPROVED", _("Approved")
    EXPORTED = "EXPORTED", _("Sent to the bank")
    ACCEPTED = "ACCEPTED", _("Accepted by the bank")
    PAID = "PAID", pgettext_lazy("payout state", "Paid")
    REJECTED = "REJECTED", _("Rejected")
    RETURNED = "RETURNED", pgettext_lazy("payout state", "Returned")
    CANCELLED = "CANCELLED", _("Cancelled")


OPEN_STATES = (PayoutState.REQUESTED, PayoutState.APPROVED)
MERCHANT_PAYEE = "merchants.merchant"  # the owner_type of a merchant's bank details and refunds
IN_FLIGHT_STATES = (PayoutState.EXPORTED, PayoutState.ACCEPTED)


class Escalation(models.TextChoices):
    NONE = "", _("none")
    COMPLIANCE = "COMPLIANCE", _("compliance")
    OPS = "OPS", _("ops")


class BatchState(models.TextChoices):
    BUILT = "BUILT", _("Built, waiting for a second person to release it")
    EXPORTED = "EXPORTED", _("Released to the bank")
    DISCARDED = "DISCARDED", _("Discarded before release")


class PayoutBatch(models.Model):
    """One pain.001 file: built by one person, released by another (four eyes)."""

    msg_id = models.CharField(_("message id"), max_length=35, unique=True)
    pmt_inf_id = models.CharField(_("payment information id"), max_length=35, unique=True)
    state = models.CharField(_("state"), max_length=16, choices=BatchState.choices, default=BatchState.BUILT)
    currency = models.CharField(_("currency"), max_length=3)
    count = models.PositiveIntegerField(_("count"))
    control_sum = models.DecimalField(_("total"), max_digits=AMOUNT_DIGITS, decimal_places=AMOUNT_DECIMALS)
    execution_date = models.DateField(_("execution date"))
    built_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("built by")
    )
    built_at = models.DateTimeField(_("built at"))
    released_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("released by"),
    )
    released_at = models.DateTimeField(_("released at"), null=True, blank=True)
    xml = models.BinaryField(_("XML"), help_text=_("the pain.001.001.09 file, as validated and released"))

    class Meta:
        verbose_name = _("SEPA batch")
        verbose_name_plural = _("SEPA batches")
        constraints = [
            models.CheckConstraint(
                condition=Q(released_by__isnull=True) | ~Q(released_by=F("built_by")),
                name="payouts_batch_four_eyes",
                violation_error_message=_(
                    "A payout file must be released by someone other than the person who built it."
                ),
            ),
            models.CheckConstraint(
                condition=Q(state="EXPORTED", released_by__isnull=False, released_at__isnull=False)
                | (~Q(state="EXPORTED") & Q(released_by__isnull=True)),
                name="payouts_batch_released_when_exported",
                violation_error_message=_("A payout file is released when, and only when, it is exported."),
            ),
            models.CheckConstraint(
                condition=Q(count__gt=0),
                name="payouts_batch_not_empty",
                violation_error_message=_("A payout file must contain at least one payout."),
            ),
        ]

    def __str__(self) -> str:
        return ngettext(
            "%(file)s (%(count)s payout, %(total)s)", "%(file)s (%(count)s payouts, %(total)s)", self.count
        ) % {"file": self.msg_id, "count": self.count, "total": money_text(self.control_sum, self.currency)}

    @property
    def filename(self) -> str:
        return f"{self.msg_id}.pain.001.001.09.xml"


class Payout(models.Model):
    owner_type = models.CharField(_("owner type"), max_length=64)
    owner_id = models.BigIntegerField(_("owner id"))
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="payouts",
        verbose_name=_("requested by"),
    )
    bank_account = models.ForeignKey(
        BankAccount, on_delete=models.PROTECT, related_name="payouts", verbose_name=_("bank account")
    )
    amount = models.DecimalField(_("amount"), max_digits=AMOUNT_DIGITS, decimal_places=AMOUNT_DECIMALS)
    currency = models.CharField(_("currency"), max_length=3)
    state = models.CharField(
        _("state"), max_length=16, choices=PayoutState.choices, default=PayoutState.REQUESTED
    )
    end_to_end_id = models.CharField(
        _("end-to-end id"), max_length=35, unique=True, help_text=_("our reference for this payout")
    )
    creditor_name = models.CharField(
        _("creditor name"), max_length=70, help_text=_("the name sent to the bank, exactly")
    )
    remittance = models.CharField(_("remittance"), max_length=140)
    reason = models.CharField(
        _("reason"), max_length=500, blank=True, help_text=_("why it is in its state, for the person")
    )
    reason_code = models.CharField(
        _("reason code"), max_length=4, blank=True, help_text=_("the bank's ISO reason code")
    )
    escalation = models.CharField(
        _("escalation"), max_length=16, choices=Escalation.choices, blank=True, default=""
    )
    notified_state = models.CharField(
        _("person told of"),
        max_length=16,
        choices=PayoutState.choices,
        blank=True,
        default="",
        help_text=_("the last state the person was told of (payouts.tasks.payouts_notify: once each)"),
    )
    batch = models.ForeignKey(
        PayoutBatch,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="payouts",
        verbose_name=_("SEPA batch"),
    )
    requested_at = models.DateTimeField(_("requested at"))
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("approved by"),
    )
    approved_at = models.DateTimeField(_("approved at"), null=True, blank=True)
    exported_at = models.DateTimeField(_("exported at"), null=True, blank=True)
    closed_at = models.DateTimeField(
        pgettext_lazy("payout", "closed at"),
        null=True,
        blank=True,
        help_text=_("paid, rejected, returned or cancelled"),
    )

    class Meta:
        verbose_name = _("payout")
        verbose_name_plural = _("payouts")
        constraints = [
            models.CheckConstraint(
                condition=Q(amount__gt=0),
                name="payouts_payout_amount_positive",
                violation_error_message=_("The amount must be more than zero."),
            ),
            models.CheckConstraint(
                condition=Q(state__in=PayoutState.values),
                name="payouts_payout_state_valid",
                violation_error_message=_("Choose a payout state from the list."),
            ),
            models.CheckConstraint(
                condition=~Q(state__in=["EXPORTED", "ACCEPTED", "PAID"]) | Q(batch__isnull=False),
                name="payouts_payout_exported_in_a_batch",
                violation_error_message=_("An exported payout must belong to a payout file."),
            ),
        ]
        indexes = [
            models.Index(fields=["owner_type", "owner_id", "state"], name="payouts_owner_state"),
            models.Index(fields=["state", "id"], name="payouts_state_id"),
            # /ops/ lists payouts newest first (PayoutAdmin.ordering), read through this index.
            models.Index(fields=["requested_at", "id"], name="payouts_requested_id"),
        ]

    def __str__(self) -> str:
        return gettext("payout %(reference)s: %(amount)s (%(state)s)") % {
            "reference": self.end_to_end_id,
            "amount": money_text(self.amount, self.currency),
            "state": self.get_state_display(),
        }

    @property
    def money(self) -> Money:
        return Money(self.amount, self.currency)


class PayoutEvent(models.Model):
    """One state change of a payout: from, to, why, who, when. Never edited."""

    payout = models.ForeignKey(
        Payout, on_delete=models.PROTECT, related_name="events", verbose_name=_("payout")
    )
    from_state = models.CharField(_("from"), max_length=16, blank=True)
    to_state = models.CharField(_("to"), max_length=16)
    reason = models.CharField(_("reason"), max_length=500)
    reason_code = models.CharField(_("reason code"), max_length=4, blank=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("actor"),
    )
    bank_file = models.ForeignKey(
        "BankFile",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("bank file"),
    )
    at = models.DateTimeField(_("when"))

    class Meta:
        verbose_name = _("payout event")
        verbose_name_plural = _("payout events")

    def __str__(self) -> str:
        # Each row of a payout's history in /ops/: its states as the reader's language names them.
        return gettext("Payout #%(number)s: %(before)s → %(after)s") % {
            "number": self.payout_id,
            "before": self.from_state_name,
            "after": self.to_state_name,
        }

    @property
    def from_state_name(self) -> str:
        return _state_name(self.from_state)

    @property
    def to_state_name(self) -> str:
        return _state_name(self.to_state)


def _state_name(state: str) -> str:
    """A payout state's name in the active language ("-" before the first state, the code if unknown)."""
    if not state:
        return "-"
    return str(PayoutState(state).label) if state in PayoutState.values else state


class BankFileKind(models.TextChoices):
    PAIN_002 = "PAIN_002", _("pain.002 payment status report")
    CAMT_054 = "CAMT_054", _("camt.054 debit/credit notification")
    CAMT_053 = "CAMT_053", _("camt.053 statement")


class BankFile(models.Model):
    """A file the bank sent back, kept raw for audit; each file is applied once."""

    kind = models.CharField(_("kind"), max_length=16, choices=BankFileKind.choices)
    sha256 = models.CharField(_("SHA-256"), max_length=64, unique=True)
    msg_id = models.CharField(_("message id"), max_length=35, help_text=_("the bank's GrpHdr/MsgId"))
    name = models.CharField(_("name"), max_length=200, blank=True)
    raw = models.BinaryField(_("raw file"))
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("uploaded by"),
    )
    uploaded_at = models.DateTimeField(_("uploaded at"))
    summary = models.TextField(_("summary"), blank=True)
    # What the import did, as data (counts by outcome, the lines not matched): shown to ops in their
    # language (payouts/import_summary.py); ``summary`` is the same in English, as recorded.
    details = models.JSONField(_("details"), default=dict, blank=True)

    class Meta:
        verbose_name = _("bank file")
        verbose_name_plural = _("bank files")
        constraints = [
            models.UniqueConstraint(
                fields=["kind", "msg_id"],
                name="payouts_bankfile_one_per_message",
                violation_error_message=_("This bank file was already imported."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.msg_id}"


class BankLine(models.Model):
    """One status or booking line of a bank file, by the bank's reference: applied once, whatever file repeats it."""

    bank_file = models.ForeignKey(
        BankFile, on_delete=models.PROTECT, related_name="lines", verbose_name=_("bank file")
    )
    reference = models.CharField(_("reference"), max_length=140, unique=True)
    end_to_end_id = models.CharField(_("end-to-end id"), max_length=35, blank=True)
    amount = models.DecimalField(
        _("amount"), max_digits=AMOUNT_DIGITS, decimal_places=AMOUNT_DECIMALS, null=True, blank=True
    )
    status = models.CharField(_("status"), max_length=16, help_text=_("ACCP, RJCT, BOOK, RTRN ..."))
    reason_code = models.CharField(_("reason code"), max_length=4, blank=True)
    payout = models.ForeignKey(
        Payout,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="bank_lines",
        verbose_name=_("payout"),
    )
    outcome = models.CharField(_("outcome"), max_length=300)

    class Meta:
        verbose_name = _("bank file line")
        verbose_name_plural = _("bank file lines")

    def __str__(self) -> str:
        # The bank's reference names the line; its outcome (recorded in English) is read in the reader's
        # language from its own column (payouts.import_summary.outcome_text).
        return self.reference
