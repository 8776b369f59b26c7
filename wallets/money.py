"""Money arithmetic shared by every app: precision per currency, explicit rounding."""

from __future__ import annotations

from decimal import ROUND_DOWN, ROUND_HALF_UP, Decimal

from django.db import models
from django.utils.translation import gettext_lazy as _
from moneyed import Money, add_currency, get_currency


class Currency(models.TextChoices):
    """The one list of currencies TikJoy handles: merchants, campaigns and the ledger use it.

    Adding one: its minor unit must fit the ledger's decimal places (a system check,
    ``wallets.checks``), and the database CHECKs on currency columns follow in a migration.
    """

    EUR = "EUR", _("Euro")
    USD = "USD", _("US dollar")
    GBP = "GBP", _("Pound sterling")


# Promote coins are a unit the ledger keeps, not money: no merchant, campaign or payout is ever
# in coins (they use ``Currency``), but coin balances, escrows and refunds are ledger accounts
# like any other, so the same invariants hold. ISO 4217 keeps codes starting with X for units
# of no country; XTJ is not assigned. A coin has no minor unit: amounts are whole coins.
COIN = "XTJ"
add_currency(code=COIN, numeric=None, sub_unit=1, name="TikJoy Promote coin")

# What the ledger accepts: the money currencies and the coin.
LEDGER_UNITS = (*Currency.values, COIN)


class UnsupportedCurrency(ValueError):
    pass


def minor_unit_exponent(currency: str) -> int:
    """Digits after the decimal point for ``currency`` (2 for EUR, 0 for JPY and for coins)."""
    if currency not in LEDGER_UNITS:
        raise UnsupportedCurrency(f"{currency} is not a currency TikJoy handles ({', '.join(LEDGER_UNITS)})")
    sub_unit = get_currency(currency).sub_unit
    return len(str(sub_unit)) - 1


def quantum(currency: str) -> Decimal:
    return Decimal(1).scaleb(-minor_unit_exponent(currency))


def sum_at_precision(value: Decimal | float | int | None, currency: str) -> Decimal:
    """A database sum of amounts brought back to ``currency``'s minor unit (``None``: zero).

    SQLite (``make run``) sums decimals in floating point: 46.72 comes back as
    46.72000000000000044408920985 and 0.00 as 0.000000000000000444089209850063. Every report that
    sums amounts in the database reads the sum through this, so no float noise reaches a page."""
    if value is None:
        value = 0
    if isinstance(value, float):
        value = repr(value)  # the float's shortest decimal, not its binary expansion
    return Decimal(value).quantize(quantum(currency), rounding=ROUND_HALF_UP)


def round_down(amount: Decimal, currency: str) -> Money:
    """Round toward zero to the currency's minor unit: the platform never pays more than was funded."""
    return Money(Decimal(amount).quantize(quantum(currency), rounding=ROUND_DOWN), currency)


def is_at_precision(money: Money) -> bool:
    q = quantum(str(money.currency))
    return money.amount == money.amount.quantize(q)


def zero(currency: str) -> Money:
    return Money(Decimal(0).quantize(quantum(currency)), currency)
