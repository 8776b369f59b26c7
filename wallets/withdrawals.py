"""What money needs before it leaves a wallet for a bank: payouts are SEPA credit transfers in euro,
from ``PAYOUTS_MIN_AMOUNT`` up. Written here, below both the app that pays out (``payouts``) and the
ones that tell people about their money (``rewards.notices``), so the rule is written once."""

from __future__ import annotations

from collections.abc import Iterable

from django.conf import settings
from django.utils.translation import gettext
from moneyed import Money

from wallets.formats import money_text, names_text

PAYOUT_CURRENCY = "EUR"  # SEPA credit transfers are in euro


def payout_minimum() -> Money:
    """The smallest payout (``PAYOUTS_MIN_AMOUNT``, in euro): what ``payout_request`` refuses below, and
    what the payouts page, the Help and a reward's "now available" notice say."""
    return Money(settings.PAYOUTS_MIN_AMOUNT, PAYOUT_CURRENCY)


def not_payable_text(amounts: Iterable[Money]) -> str:
    """What the wallet's schedule and the payouts page say of money in another currency than euro:
    it is the person's, but no payout takes it (``payout_request`` refuses it), so it is never said
    to be "to pay out". One sentence, so the two pages say the same."""
    return gettext("Only euro can be paid out to your bank (by SEPA transfer): %(amounts)s can't be.") % {
        "amounts": names_text(money_text(amount) for amount in amounts)
    }
