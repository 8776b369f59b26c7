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
from django.utils.translation import gettext_lazy as _
from moneyed import Money

from wallets.models import AMOUNT_DECIMALS, AMOUNT_DIGITS


class BankAccountQuerySet(models.QuerySet):
    def current(self) -> BankAccountQuerySet:
        return self.filter(retired_at__isnull=True)


class BankAccount(models.Model):
    """Where an owner's payouts go. A change is a new row; the old one is retired, never edited."""

    owner_type = models.CharField(max_length=64)
    owner_id = models.BigIntegerField()
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="bank_accounts",
        help_text="the person who manages these details and is told about changes",
    )
    holder_name = models.CharField(max_length=140, help_text="as the person typed it")
    street = models.CharField(max_length=70)
    building_number = models.CharField(max_length=16, blank=True)
    postcode = models.CharField(max_length=16)
    town = models.CharField(max_length=35)
    country = models.CharField(max_length=2)
    iban = models.CharField(max_length=34, help_text="compact, upper case, checksum verified")
    iban_hash = models.CharField(
        max_length=64, db_index=True, help_text="keyed hash of the IBAN: the same IBAN behind several people"
    )
    bic = models.CharField(
        max_length=11, blank=True, help_text="derived from the IBAN when the bank is known"
    )
    bank_name = models.CharField(max_length=140, blank=True)
    sepa_eea = models.BooleanField(help_text="the IBAN's country is in the EEA (not only in SEPA)")
    payouts_hold_until = models.DateTimeField(help_text="no payout to this account before this time")
    hold_ended_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    hold_end_reason = models.CharField(max_length=300, blank=True, help_text="why ops ended the hold early")
    blocked_at = models.DateTimeField(null=True, blank=True)
    blocked_code = models.CharField(max_length=4, blank=True)
    blocked_reason = models.CharField(max_length=300, blank=True)
    created_at = models.DateTimeField()
    retired_at = models.DateTimeField(null=True, blank=True)

    objects = BankAccountQuerySet.as_manager()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["owner_type", "owner_id"],
                condition=Q(retired_at__isnull=True),
                name="payouts_bankaccount_one_current_per_owner",
                violation_error_message="There is already a current bank account; replace it instead.",
            ),
            models.CheckConstraint(
                condition=Q(iban__regex=r"^[A-Z]{2}[0-9]{2}[A-Z0-9]{11,30}$"),
                name="payouts_bankaccount_iban_compact",
                violation_error_message="Enter the IBAN without spaces: two letters, two digits, then 11 to 30 letters or digits.",
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
    VERIFIED = "VERIFIED", _("Verified")
    MORE_INFO = "MORE_INFO", _("We need more from you")


class PayeeIdentity(models.Model):
    """Who a person is, before money leaves: legal name, date of birth, address, tax id above a yearly total."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="payee_identity"
    )
    legal_name = models.CharField(max_length=140)
    date_of_birth = models.DateField()
    street = models.CharField(max_length=70)
    building_number = models.CharField(max_length=16, blank=True)
    postcode = models.CharField(max_length=16)
    town = models.CharField(max_length=35)
    country = models.CharField(max_length=2)
    tax_id = models.CharField(max_length=32, blank=True)
    status = models.CharField(max_length=16, choices=IdentityStatus.choices, default=IdentityStatus.SUBMITTED)
    status_reason = models.CharField(max_length=300, blank=True, help_text="shown to the person")
    submitted_at = models.DateTimeField()
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    reviewed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = "payee identity"
        verbose_name_plural = "payee identities"
        constraints = [
            models.CheckConstraint(
                condition=Q(status__in=IdentityStatus.values),
                name="payouts_identity_status_valid",
                violation_error_message="Choose an identity check status from the list.",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.legal_name} ({self.get_status_display()})"


class CodeChannel(models.TextChoices):
    EMAIL = "EMAIL", _("e-mail")
    WHATSAPP = "WHATSAPP", _("WhatsApp")


class BankDetailsChallenge(models.Model):
    """A one-time code sent before new bank details take effect; the details wait here until it is typed."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    owner_type = models.CharField(
        max_length=64, blank=True, help_text="whose details these are, when not the person's own (a merchant)"
    )
    owner_id = models.BigIntegerField(default=0)
    channel = models.CharField(max_length=8, choices=CodeChannel.choices)
    destination = models.CharField(max_length=254, help_text="where the code went (e-mail or phone)")
    code_hash = models.CharField(max_length=96, help_text="salt$HMAC of the code")
    details = models.JSONField(help_text="the bank details waiting for the code")
    attempts = models.PositiveSmallIntegerField(default=0)
    created_at = models.DateTimeField()
    expires_at = models.DateTimeField()
    used_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"bank details code for {self.user} by {self.channel}"


class PayoutState(models.TextChoices):
    REQUESTED = "REQUESTED", _("Requested")
    APPROVED = "APPROVED", _("Approved")
    EXPORTED = "EXPORTED", _("Sent to the bank")
    ACCEPTED = "ACCEPTED", _("Accepted by the bank")
    PAID = "PAID", _("Paid")
    REJECTED = "REJECTED", _("Rejected")
    RETURNED = "RETURNED", _("Returned")
    CANCELLED = "CANCELLED", _("Cancelled")


OPEN_STATES = (PayoutState.REQUESTED, PayoutState.APPROVED)
MERCHANT_PAYEE = "merchants.merchant"  # the owner_type of a merchant's bank details and refunds
IN_FLIGHT_STATES = (PayoutState.EXPORTED, PayoutState.ACCEPTED)


class Escalation(models.TextChoices):
    NONE = "", "none"
    COMPLIANCE = "COMPLIANCE", "compliance"
    OPS = "OPS", "ops"


class BatchState(models.TextChoices):
    BUILT = "BUILT", _("Built, waiting for a second person to release it")
    EXPORTED = "EXPORTED", _("Released to the bank")
    DISCARDED = "DISCARDED", _("Discarded before release")


class PayoutBatch(models.Model):
    """One pain.001 file: built by one person, released by another (four eyes)."""

    msg_id = models.CharField(max_length=35, unique=True)
    pmt_inf_id = models.CharField(max_length=35, unique=True)
    state = models.CharField(max_length=16, choices=BatchState.choices, default=BatchState.BUILT)
    currency = models.CharField(max_length=3)
    count = models.PositiveIntegerField()
    control_sum = models.DecimalField(max_digits=AMOUNT_DIGITS, decimal_places=AMOUNT_DECIMALS)
    execution_date = models.DateField()
    built_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    built_at = models.DateTimeField()
    released_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    released_at = models.DateTimeField(null=True, blank=True)
    xml = models.BinaryField(help_text="the pain.001.001.09 file, as validated and released")

    class Meta:
        verbose_name = "SEPA batch"
        verbose_name_plural = "SEPA batches"
        constraints = [
            models.CheckConstraint(
                condition=Q(released_by__isnull=True) | ~Q(released_by=F("built_by")),
                name="payouts_batch_four_eyes",
                violation_error_message="A payout file must be released by someone other than the person who built it.",
            ),
            models.CheckConstraint(
                condition=Q(state="EXPORTED", released_by__isnull=False, released_at__isnull=False)
                | (~Q(state="EXPORTED") & Q(released_by__isnull=True)),
                name="payouts_batch_released_when_exported",
                violation_error_message="A payout file is released when, and only when, it is exported.",
            ),
            models.CheckConstraint(
                condition=Q(count__gt=0),
                name="payouts_batch_not_empty",
                violation_error_message="A payout file must contain at least one payout.",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.msg_id} ({self.count} payouts, {self.control_sum} {self.currency})"

    @property
    def filename(self) -> str:
        return f"{self.msg_id}.pain.001.001.09.xml"


class Payout(models.Model):
    owner_type = models.CharField(max_length=64)
    owner_id = models.BigIntegerField()
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="payouts"
    )
    bank_account = models.ForeignKey(BankAccount, on_delete=models.PROTECT, related_name="payouts")
    amount = models.DecimalField(max_digits=AMOUNT_DIGITS, decimal_places=AMOUNT_DECIMALS)
    currency = models.CharField(max_length=3)
    state = models.CharField(max_length=16, choices=PayoutState.choices, default=PayoutState.REQUESTED)
    end_to_end_id = models.CharField(max_length=35, unique=True, help_text="our reference for this payout")
    creditor_name = models.CharField(max_length=70, help_text="the name sent to the bank, exactly")
    remittance = models.CharField(max_length=140)
    reason = models.CharField(max_length=500, blank=True, help_text="why it is in its state, for the person")
    reason_code = models.CharField(max_length=4, blank=True, help_text="the bank's ISO reason code")
    escalation = models.CharField(max_length=16, choices=Escalation.choices, blank=True, default="")
    batch = models.ForeignKey(
        PayoutBatch, null=True, blank=True, on_delete=models.PROTECT, related_name="payouts"
    )
    requested_at = models.DateTimeField()
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    approved_at = models.DateTimeField(null=True, blank=True)
    exported_at = models.DateTimeField(null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True, help_text="paid, rejected, returned or cancelled")

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=Q(amount__gt=0),
                name="payouts_payout_amount_positive",
                violation_error_message="The amount must be more than zero.",
            ),
            models.CheckConstraint(
                condition=Q(state__in=PayoutState.values),
                name="payouts_payout_state_valid",
                violation_error_message="Choose a payout state from the list.",
            ),
            models.CheckConstraint(
                condition=~Q(state__in=["EXPORTED", "ACCEPTED", "PAID"]) | Q(batch__isnull=False),
                name="payouts_payout_exported_in_a_batch",
                violation_error_message="An exported payout must belong to a payout file.",
            ),
        ]
        indexes = [
            models.Index(fields=["owner_type", "owner_id", "state"], name="payouts_owner_state"),
            models.Index(fields=["state", "id"], name="payouts_state_id"),
        ]

    def __str__(self) -> str:
        return f"payout {self.end_to_end_id}: {self.amount} {self.currency} ({self.state})"

    @property
    def money(self) -> Money:
        return Money(self.amount, self.currency)


class PayoutEvent(models.Model):
    """One state change of a payout: from, to, why, who, when. Never edited."""

    payout = models.ForeignKey(Payout, on_delete=models.PROTECT, related_name="events")
    from_state = models.CharField(max_length=16, blank=True)
    to_state = models.CharField(max_length=16)
    reason = models.CharField(max_length=500)
    reason_code = models.CharField(max_length=4, blank=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    bank_file = models.ForeignKey(
        "BankFile", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    at = models.DateTimeField()

    def __str__(self) -> str:
        return f"{self.payout_id}: {self.from_state or '-'} -> {self.to_state} ({self.reason})"


class BankFileKind(models.TextChoices):
    PAIN_002 = "PAIN_002", "pain.002 payment status report"
    CAMT_054 = "CAMT_054", "camt.054 debit/credit notification"
    CAMT_053 = "CAMT_053", "camt.053 statement"


class BankFile(models.Model):
    """A file the bank sent back, kept raw for audit; each file is applied once."""

    kind = models.CharField(max_length=16, choices=BankFileKind.choices)
    sha256 = models.CharField(max_length=64, unique=True)
    msg_id = models.CharField(max_length=35, help_text="the bank's GrpHdr/MsgId")
    name = models.CharField(max_length=200, blank=True)
    raw = models.BinaryField()
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    uploaded_at = models.DateTimeField()
    summary = models.TextField(blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["kind", "msg_id"],
                name="payouts_bankfile_one_per_message",
                violation_error_message="This bank file was already imported.",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.msg_id}"


class BankLine(models.Model):
    """One status or booking line of a bank file, by the bank's reference: applied once, whatever file repeats it."""

    bank_file = models.ForeignKey(BankFile, on_delete=models.PROTECT, related_name="lines")
    reference = models.CharField(max_length=140, unique=True)
    end_to_end_id = models.CharField(max_length=35, blank=True)
    amount = models.DecimalField(
        max_digits=AMOUNT_DIGITS, decimal_places=AMOUNT_DECIMALS, null=True, blank=True
    )
    status = models.CharField(max_length=8, help_text="ACCP, RJCT, BOOK, RTRN ...")
    reason_code = models.CharField(max_length=4, blank=True)
    payout = models.ForeignKey(
        Payout, null=True, blank=True, on_delete=models.PROTECT, related_name="bank_lines"
    )
    outcome = models.CharField(max_length=300)

    def __str__(self) -> str:
        return f"{self.reference}: {self.outcome}"
