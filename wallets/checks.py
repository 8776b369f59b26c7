"""System checks of the ledger's configuration (run by ``manage.py check`` and at start-up)."""

from __future__ import annotations

from django.core.checks import Error, register
from moneyed import get_currency

from wallets.models import AMOUNT_DECIMALS
from wallets.money import LEDGER_UNITS


@register()
def currencies_fit_the_ledger(app_configs=None, **kwargs) -> list[Error]:
    """Every currency TikJoy handles (and the Promote coin) must be known to py-moneyed and fit the
    ledger's decimal places."""
    errors = []
    for code in LEDGER_UNITS:
        try:
            sub_unit = get_currency(code).sub_unit
        except Exception:  # py-moneyed raises its own errors for unknown codes
            errors.append(Error(f"Currency {code} is unknown to py-moneyed.", id="wallets.E001"))
            continue
        digits = len(str(sub_unit)) - 1
        if digits > AMOUNT_DECIMALS:
            errors.append(
                Error(
                    f"Currency {code} has {digits} decimal places; the ledger stores {AMOUNT_DECIMALS}.",
                    hint="Raise wallets.models.AMOUNT_DECIMALS (with a migration) or drop the currency.",
                    id="wallets.E002",
                )
            )
    return errors
