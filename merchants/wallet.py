"""The merchant's prepaid wallet: top-ups by bank transfer and low-balance alerts, on the ledger."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from django.conf import settings
from django.db import IntegrityError, connection, transaction
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from moneyed import Money

from accounts.models import User
from core.db import bound_cursor
from core.tasks import mail_after_commit
from merchants import signals
from merchants.locale import member_locale
from merchants.models import BankTransfer, Currency, Merchant
from merchants.selectors import owners_with_email, top_up_balance_after
from merchants.services import MerchantError
from wallets.formats import money_text
from wallets.models import PLATFORM, Purpose
from wallets.services import InsufficientFunds, account_for, balance, transfer

TOP_UP_KIND = "TOP_UP"
TOP_UP_REVERSAL_KIND = "TOP_UP_REVERSAL"


class TopUpConflict(MerchantError):
    pass


def _refuse_if_closed(merchant: Merchant) -> None:
    """Lock the merchant's row (its closing takes the same lock) and refuse funding a closed merchant."""
    locked = Merchant.objects.select_for_update().only("pk", "closed_at").get(pk=merchant.pk)
    if locked.closed_at is not None:
        raise MerchantError(
            _(
                "%(brand)s closed on %(date)s: its wallet takes no more money. Send the transfer back to the payer."
            )
            % {
                "brand": merchant.brand_name,
                "date": date_format(timezone.localtime(locked.closed_at), "DATE_FORMAT"),
            }
        )


def merchant_available_account(*, merchant: Merchant, currency: str | None = None):
    return account_for(
        owner=merchant, purpose=Purpose.MERCHANT_AVAILABLE, currency=currency or merchant.currency
    )


def merchant_top_up_record(
    *,
    merchant: Merchant,
    amount: Money,
    bank_reference: str,
    value_date: date,
    actor: User,
    now: datetime,
) -> tuple[BankTransfer, bool]:
    """Credit a received bank transfer to the merchant's wallet. Returns ``(transfer, created)``.

    Idempotent on the bank's reference: recording it again with the same merchant,
    amount and value date returns the first record and posts nothing; with other
    details it raises ``TopUpConflict``. The owners are e-mailed after the commit.
    """
    bank_reference = " ".join(bank_reference.split()).upper()
    currency = str(amount.currency)
    if not bank_reference:
        raise MerchantError(_("Enter the bank's reference of the transfer."))
    if currency not in Currency.values:
        raise MerchantError(
            _("Wallets are held in %(currencies)s, not %(currency)s.")
            % {"currencies": ", ".join(Currency.values), "currency": currency}
        )
    if amount.amount <= 0 or amount.amount != amount.amount.quantize(Decimal("0.01")):
        raise MerchantError(_("The amount must be positive, in cents at most."))
    if currency != merchant.currency:
        raise MerchantError(
            _(
                "%(brand)s's wallet is in %(wallet_currency)s: a transfer in %(currency)s is not recorded "
                "here (send it back, or ask the merchant to pay in their currency)."
            )
            % {"brand": merchant.brand_name, "wallet_currency": merchant.currency, "currency": currency}
        )
    if value_date > now.date():
        raise MerchantError(
            _("The value date %(date)s is in the future: record a transfer once it arrived.")
            % {"date": value_date.isoformat()}
        )

    with transaction.atomic(durable=True):
        _refuse_if_closed(merchant)
        try:
            with transaction.atomic():
                record = BankTransfer.objects.create(
                    merchant=merchant,
                    amount=amount.amount,
                    currency=currency,
                    bank_reference=bank_reference,
                    value_date=value_date,
                    recorded_by=actor,
                    recorded_at=now,
                )
        except IntegrityError:
            record = BankTransfer.objects.select_related("merchant").get(bank_reference=bank_reference)
            same = (record.merchant_id, record.amount, record.currency, record.value_date) == (
                merchant.pk,
                amount.amount,
                currency,
                value_date,
            )
            if not same:
                raise TopUpConflict(
                    _(
                        "Bank reference %(reference)s was already recorded: %(amount)s "
                        "for %(brand)s, value date %(value_date)s."
                    )
                    % {
                        "reference": bank_reference,
                        "amount": money_text(record.amount, record.currency),
                        "brand": record.merchant,
                        "value_date": record.value_date,
                    }
                ) from None
            return record, False

        if amount.amount > Decimal(settings.MERCHANT_TOP_UP_CONFIRM_ABOVE):
            # A large amount waits for a second staff member's confirmation before it is credited.
            return record, True
        _top_up_credit(record, actor=actor, now=now)
    return record, True


def _top_up_credit(record: BankTransfer, *, actor: User, now: datetime) -> None:
    """Post a recorded transfer to the merchant's wallet and tell the owners (inside the caller's transaction)."""
    merchant, amount = record.merchant, Money(record.amount, record.currency)
    bank_reference, value_date, currency = record.bank_reference, record.value_date, record.currency
    bank = account_for(owner=PLATFORM, purpose=Purpose.PLATFORM_BANK, currency=currency)
    wallet = merchant_available_account(merchant=merchant, currency=currency)
    txn = transfer(
        source=bank,
        destination=wallet,
        amount=amount,
        kind=TOP_UP_KIND,
        reason=f"Bank transfer ref {bank_reference} received {value_date.isoformat()}",
        idempotency_key=f"topup:{bank_reference}",
        actor=actor,
        subject=record,
        now=now,
    )
    record.ledger_transaction = txn
    record.save(update_fields=["ledger_transaction"])
    # As the receipt counts it (the ledger in time order): the same as the balance now, except for a
    # transfer recorded with an earlier moment than movements already on the wallet (the demo's past).
    new_balance = top_up_balance_after(transfer=record)
    merchant_low_balance_check(merchant=merchant)
    signals.top_up_credited.send(sender=Merchant, merchant=merchant, record=record, amount=amount, now=now)

    for owner in owners_with_email(merchant):
        with member_locale(owner, merchant):
            body = _(
                "We received your bank transfer of %(amount)s (reference %(reference)s, value date "
                "%(value_date)s) and added it to the wallet of %(brand)s.\n\n"
                "Your balance after this top-up: %(balance)s.\n\n%(url)s"
            ) % {
                "amount": money_text(amount),
                "reference": bank_reference,
                "value_date": date_format(value_date, "DATE_FORMAT"),  # as the receipt writes it
                "brand": merchant.brand_name,
                "balance": money_text(new_balance),
                "url": f"{settings.SITE_URL}/console/wallet/",
            }
            subject = _("[TikJoy] %(amount)s added to %(brand)s's wallet") % {
                "amount": money_text(amount),
                "brand": merchant.brand_name,
            }
        mail_after_commit(subject=subject, message=body, recipient_list=[owner.email])


def merchant_top_up_confirm(*, record_id: int, actor: User, now: datetime) -> BankTransfer:
    """A second staff member confirms a large top-up: only then is it credited."""
    with transaction.atomic(durable=True):
        record = BankTransfer.objects.select_for_update().select_related("merchant").get(pk=record_id)
        if record.ledger_transaction_id or record.reversed_at:
            raise MerchantError(
                _("%(top_up)s needs no confirmation: it is %(state)s.")
                % {"top_up": record, "state": record.state}
            )
        if record.recorded_by_id == actor.pk:
            raise MerchantError(_("A second staff member must confirm a top-up you recorded yourself."))
        _refuse_if_closed(record.merchant)
        record.confirmed_by = actor
        record.save(update_fields=["confirmed_by"])
        _top_up_credit(record, actor=actor, now=now)
    return record


def merchant_top_up_reverse(*, record_id: int, reason: str, actor: User, now: datetime) -> BankTransfer:
    """Correct a mistaken top-up with a reversing ledger transaction (never an edit), if the money is still there."""
    if not reason.strip():
        raise MerchantError(
            _("Say why the top-up is reversed: the merchant sees the reason in its wallet history.")
        )
    with transaction.atomic(durable=True):
        record = BankTransfer.objects.select_for_update().select_related("merchant").get(pk=record_id)
        if record.reversed_at is not None:
            raise MerchantError(_("%(top_up)s was already reversed.") % {"top_up": record})
        if not record.ledger_transaction_id:  # never credited: nothing to take back
            record.reversed_by, record.reversed_at, record.reversal_reason = actor, now, reason.strip()[:300]
            record.save(update_fields=["reversed_by", "reversed_at", "reversal_reason"])
            return record
        amount = Money(record.amount, record.currency)
        wallet = merchant_available_account(merchant=record.merchant, currency=record.currency)
        bank = account_for(owner=PLATFORM, purpose=Purpose.PLATFORM_BANK, currency=record.currency)
        try:
            txn = transfer(
                source=wallet,
                destination=bank,
                amount=amount,
                kind=TOP_UP_REVERSAL_KIND,
                reason=f"Top-up {record.bank_reference} reversed: {reason.strip()}",
                idempotency_key=f"topup:{record.bank_reference}:reverse",
                actor=actor,
                subject=record,
                now=now,
            )
        except InsufficientFunds:
            left = balance(wallet)
            raise MerchantError(
                _(
                    "%(amount)s can't be reversed: %(spent)s of it was already spent. "
                    "Only %(left)s is left in the wallet to reverse."
                )
                % {"amount": money_text(amount), "spent": money_text(amount - left), "left": money_text(left)}
            ) from None
        record.reversed_by, record.reversed_at, record.reversal_reason = actor, now, reason.strip()[:300]
        record.reversal_transaction = txn
        record.save(update_fields=["reversed_by", "reversed_at", "reversal_reason", "reversal_transaction"])
    return record


def low_balance_threshold(*, merchant: Merchant) -> Decimal:
    if merchant.low_balance_threshold is not None:
        return merchant.low_balance_threshold
    return Decimal(settings.MERCHANT_LOW_BALANCE_THRESHOLD)


def merchant_low_balance_check(*, merchant: Merchant) -> bool:
    """E-mail the owners once when the wallet falls below the threshold; re-arm when it is back above.

    Call it after any movement on the merchant's available account (top-ups and the
    engine's payments do). A conditional UPDATE on the alert flag makes sure two
    concurrent callers send one e-mail; the flag and what ``low_balance_reached``'s
    receivers write (the ``wallet.low_balance`` webhook) commit together.
    Returns whether an alert was sent.
    """
    with transaction.atomic():
        if connection.vendor == "postgresql":
            return _low_balance_check_postgresql(merchant)
        return _low_balance_check(merchant)


# PostgreSQL, one statement: the wallet's balance against the merchant's threshold (both read here,
# not from the caller's copy of the merchant), and the alert flag flipped only when it changes.
# No row: nothing changed (or no wallet yet).
LOW_BALANCE_FLIP_POSTGRESQL = (
    "WITH w AS (SELECT a.balance, COALESCE(m.low_balance_threshold, %s) AS threshold "
    "FROM merchants_merchant m JOIN wallets_account a ON a.owner_type = %s AND a.owner_id = m.id "
    "AND a.purpose = %s AND a.currency = m.currency AND a.partition = '' WHERE m.id = %s) "
    "UPDATE merchants_merchant m SET low_balance_alerted = (w.balance < w.threshold) FROM w "
    "WHERE m.id = %s AND m.low_balance_alerted <> (w.balance < w.threshold) "
    "RETURNING m.low_balance_alerted, w.balance, w.threshold, m.currency"
)


def _low_balance_check_postgresql(merchant: Merchant) -> bool:
    with bound_cursor() as cursor:
        cursor.execute(
            LOW_BALANCE_FLIP_POSTGRESQL,
            [
                Decimal(settings.MERCHANT_LOW_BALANCE_THRESHOLD),
                Merchant._meta.label_lower,
                Purpose.MERCHANT_AVAILABLE,
                merchant.pk,
                merchant.pk,
            ],
        )
        row = cursor.fetchone()
    if row is None:
        return False
    below, amount, threshold, currency = row
    merchant.low_balance_alerted = below
    if not below:
        return False
    _low_balance_tell(merchant, Money(amount, currency), threshold)
    return True


def _low_balance_check(merchant: Merchant) -> bool:
    wallet = merchant_available_account(merchant=merchant)
    current = balance(wallet)
    threshold = low_balance_threshold(merchant=merchant)
    below = current.amount < threshold
    changed = Merchant.objects.filter(pk=merchant.pk, low_balance_alerted=not below).update(
        low_balance_alerted=below
    )
    merchant.low_balance_alerted = below
    if not (below and changed):
        return False
    _low_balance_tell(merchant, current, threshold)
    return True


def _low_balance_tell(merchant: Merchant, current: Money, threshold: Decimal) -> None:
    """The low-balance alert (the flag just went up): the webhook's signal and the owners' e-mail."""
    signals.low_balance_reached.send(sender=Merchant, merchant=merchant, balance=current, threshold=threshold)
    for owner in owners_with_email(merchant):
        with member_locale(owner, merchant):
            body = _(
                "The wallet of %(brand)s holds %(balance)s, below your alert threshold of %(threshold)s. "
                "When it runs out, rewards stop.\n\n"
                "Add funds by bank transfer with your reference %(reference)s: %(url)s"
            ) % {
                "brand": merchant.brand_name,
                "balance": money_text(current),
                "threshold": money_text(Money(threshold, merchant.currency)),
                "reference": merchant.payment_reference,
                "url": f"{settings.SITE_URL}/console/wallet/add-funds/",
            }
            subject = _("[TikJoy] %(brand)s's wallet is running low") % {"brand": merchant.brand_name}
        mail_after_commit(subject=subject, message=body, recipient_list=[owner.email])
