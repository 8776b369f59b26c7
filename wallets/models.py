"""The double-entry ledger.

Accounts are states that money is in; a Transaction moves money between them
through Entries whose signed amounts sum to zero per currency. Stored balances
are kept in the same database transaction as the entries. On PostgreSQL the
database itself refuses unbalanced transactions, negative non-negative
accounts, and any UPDATE or DELETE of entries and transactions (see the
migrations); ``manage.py ledger_check`` verifies everything over all data.
"""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.db import models
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from moneyed import Money

from wallets.formats import money_text

AMOUNT_DIGITS = 20
AMOUNT_DECIMALS = 2


class Purpose(models.TextChoices):
    PLATFORM_BANK = "PLATFORM_BANK", _("platform: money at the bank")
    PLATFORM_REVENUE = "PLATFORM_REVENUE", _("platform: revenue (margin, fees)")
    PLATFORM_REVENUE_PENDING = "PLATFORM_REVENUE_PENDING", _("platform: margin on rewards still reversible")
    MERCHANT_AVAILABLE = "MERCHANT_AVAILABLE", _("merchant: available prepaid funds")
    USER_PENDING = "USER_PENDING", _("user: pending rewards")
    USER_AVAILABLE = "USER_AVAILABLE", _("user: available balance")
    PAYOUT_PENDING = "PAYOUT_PENDING", _("payout: requested, reserved until exported")
    PAYOUT_IN_TRANSIT = "PAYOUT_IN_TRANSIT", _("payout: in transit to the bank")
    AFFILIATE_PENDING = "AFFILIATE_PENDING", _("affiliate: pending commissions")
    AFFILIATE_LOCKED = "AFFILIATE_LOCKED", _("affiliate: locked commissions")
    AFFILIATE_APPROVED = "AFFILIATE_APPROVED", _("affiliate: approved commissions")
    PLATFORM_HELD = "PLATFORM_HELD", _("platform: rewards held for fraud review")
    # Promote (docs/promote.md). Coin accounts are in the coin unit (wallets.money.COIN).
    PROMOTE_COINS = "PROMOTE_COINS", _("promote: coin balance (coins)")
    PROMOTE_COIN_FUNDS = "PROMOTE_COIN_FUNDS", _("promote: money paid for coins not yet spent")
    PROMOTE_COINS_ISSUED = "PROMOTE_COINS_ISSUED", _("platform: coins sold (minus coins in circulation)")
    PROMOTE_COUPONS = "PROMOTE_COUPONS", _("platform: coupon coins (minus coupons applied)")
    PROMOTE_ESCROW = "PROMOTE_ESCROW", _("platform: a promotion order's budget (coins, per order)")
    PROMOTE_DELIVERED = "PROMOTE_DELIVERED", _("platform: coins spent on delivered promotion")
    PROMOTE_REVENUE = "PROMOTE_REVENUE", _("platform: revenue from coins spent on promotion")
    # A person's debt (wallets/debts.py): minus what they owe; never above zero. Payouts wait while it is below.
    USER_OWED = "USER_OWED", _("user: owed by the person (a debt, repaid before any payout)")
    # What TikJoy wrote off: the debts of deleted accounts (wallets/debts.py ``debt_write_off``); minus the loss.
    PLATFORM_WRITE_OFF = "PLATFORM_WRITE_OFF", _("platform: debts written off (minus the loss)")


# Only the bank account stands for the world outside the ledger: money that comes
# in (a top-up) leaves it, so its balance is minus what the platform holds. The coin
# issuing accounts are its counterpart for coins: minus the coins sold (or handed out as
# coupons) and still in someone's balance or an order's escrow.
# A person's debt account is minus what they owe (wallets/debts.py keeps it at or below zero);
# the write-off account is minus what TikJoy lost by writing debts off.
NEGATIVE_ALLOWED = frozenset(
    {
        Purpose.PLATFORM_BANK,
        Purpose.PROMOTE_COINS_ISSUED,
        Purpose.PROMOTE_COUPONS,
        Purpose.USER_OWED,
        Purpose.PLATFORM_WRITE_OFF,
    }
)


class _Platform:
    """The owner of platform accounts (``wallets.models.PLATFORM``)."""

    owner_type = "platform"
    pk = 0

    def __repr__(self) -> str:
        return "PLATFORM"


PLATFORM = _Platform()


class AccountQuerySet(models.QuerySet):
    def owned_by(self, owner) -> AccountQuerySet:
        owner_type, owner_id = owner_key(owner)
        return self.filter(owner_type=owner_type, owner_id=owner_id)


def partition_key(partition) -> str:
    """A platform account's partition: the business object it is kept for ("" for none).

    Platform accounts (revenue, pending revenue) are kept per merchant so that
    billing reads one merchant's margin in one row and no single row is every
    reward's hot spot; the merchant does not own them, the platform does.
    """
    if partition is None:
        return ""
    if partition.pk is None:
        raise ValueError("A ledger account's partition must be saved first.")
    return f"{partition._meta.label_lower}:{int(partition.pk)}"


def owner_key(owner) -> tuple[str, int]:
    if owner is PLATFORM:
        return PLATFORM.owner_type, PLATFORM.pk
    if owner is None or owner.pk is None:
        raise ValueError("A ledger account's owner must be saved first (or be PLATFORM).")
    return owner._meta.label_lower, int(owner.pk)


class Account(models.Model):
    owner_type = models.CharField(
        _("owner type"),
        max_length=64,
        help_text=_("'platform' or the owner's model, e.g. merchants.merchant"),
    )
    owner_id = models.BigIntegerField(_("owner id"), default=0)
    purpose = models.CharField(_("purpose"), max_length=32, choices=Purpose.choices)
    currency = models.CharField(_("currency"), max_length=3)
    partition = models.CharField(
        _("partition"),
        max_length=64,
        blank=True,
        default="",
        help_text=_("platform accounts only: the object the account is kept for, e.g. merchants.merchant:12"),
    )
    balance = models.DecimalField(
        _("balance"), max_digits=AMOUNT_DIGITS, decimal_places=AMOUNT_DECIMALS, default=Decimal(0)
    )
    allow_negative = models.BooleanField(_("allow negative"), default=False)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    objects = AccountQuerySet.as_manager()

    class Meta:
        verbose_name = _("ledger account")
        verbose_name_plural = _("ledger accounts")
        constraints = [
            models.UniqueConstraint(
                fields=["owner_type", "owner_id", "purpose", "currency", "partition"],
                name="wallets_account_one_per_owner_purpose_partition",
                violation_error_message=_("This owner already has an account for this purpose and currency."),
            ),
            models.CheckConstraint(
                condition=models.Q(partition="") | models.Q(owner_type="platform"),
                name="wallets_account_partition_platform_only",
                violation_error_message=_("Only the platform's accounts can be split into partitions."),
            ),
            models.CheckConstraint(
                condition=models.Q(allow_negative=True) | models.Q(balance__gte=0),
                name="wallets_account_non_negative",
                violation_error_message=_("There isn't enough money in this account."),
            ),
        ]

    def __str__(self) -> str:
        owner = "platform" if self.owner_type == "platform" else f"{self.owner_type}#{self.owner_id}"
        partition = f" [{self.partition}]" if self.partition else ""
        return f"{owner} {self.purpose} {self.currency}{partition}"

    @property
    def balance_money(self) -> Money:
        return Money(self.balance, self.currency)


class Transaction(models.Model):
    kind = models.CharField(_("kind"), max_length=40, db_index=True)
    reason = models.CharField(_("reason"), max_length=500)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("actor"),
    )
    subject_type = models.CharField(
        _("subject type"), max_length=64, blank=True, help_text=_("the business object's model")
    )
    subject_id = models.CharField(_("subject id"), max_length=64, blank=True)
    idempotency_key = models.CharField(_("idempotency key"), max_length=200, unique=True)
    fingerprint = models.CharField(
        _("fingerprint"),
        max_length=64,
        help_text=_("hash of the parameters, to tell a replay from a conflict"),
    )
    created_at = models.DateTimeField(_("created at"), db_index=True)

    class Meta:
        verbose_name = _("ledger transaction")
        verbose_name_plural = _("ledger transactions")
        indexes = [models.Index(fields=["subject_type", "subject_id"], name="wallets_txn_subject")]

    def __str__(self) -> str:
        return f"{self.kind} #{self.pk}: {self.reason}"


class Entry(models.Model):
    transaction = models.ForeignKey(
        Transaction, on_delete=models.PROTECT, related_name="entries", verbose_name=_("transaction")
    )
    account = models.ForeignKey(
        Account, on_delete=models.PROTECT, related_name="entries", verbose_name=_("account")
    )
    amount = models.DecimalField(_("amount"), max_digits=AMOUNT_DIGITS, decimal_places=AMOUNT_DECIMALS)
    currency = models.CharField(_("currency"), max_length=3)
    # The transaction's time, copied on the entry (entries are never updated, so it can't drift): an
    # account's history in time order is then one index walk ``(account, -created_at, -id)``, where
    # ordering by the joined transaction's time sorted every entry of the account (a merchant's
    # wallet of a million lines) for each page.
    created_at = models.DateTimeField(_("created at"))

    class Meta:
        verbose_name = _("ledger entry")
        verbose_name_plural = _("ledger entries")
        constraints = [
            models.CheckConstraint(
                condition=~models.Q(amount=0),
                name="wallets_entry_not_zero",
                violation_error_message=_("A ledger entry can't be for zero."),
            ),
        ]
        indexes = [
            models.Index(fields=["account", "-id"], name="wallets_entry_account_recent"),
            models.Index(fields=["account", "-created_at", "-id"], name="wallets_entry_account_time"),
        ]

    def __str__(self) -> str:
        """ "+9.876,54 € auf Konto #2": the amount signed, as the reader writes money."""
        sign = "+" if self.amount > 0 else ""
        return gettext("%(amount)s on account #%(account)s") % {
            "amount": sign + money_text(self.amount, self.currency),
            "account": self.account_id,
        }

    @property
    def money(self) -> Money:
        return Money(self.amount, self.currency)
