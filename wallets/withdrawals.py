"""What money needs before it leaves a wallet for a bank: payouts are SEPA credit transfers in euro,
from ``PAYOUTS_MIN_AMOUNT`` up. Written here, below both the app that pays out (``payouts``) and the
ones that tell people about their money (``rewards.notices``), so the rule is written once."""

from __future__ import annotations

from django.conf import settings
from moneyed import Money

PAYOUT_CURRENCY = "EUR"  # SEPA credit transfers are in euro


def payout_minimum() -> Money:
    """The smallest payout (``PAYOUTS_MIN_AMOUNT``, in euro): what ``payout_request`` refuses below, and
    what the payouts page, the Help and a reward's "now available" notice say."""
    return Money(settings.PAYOUTS_MIN_AMOUNT, PAYOUT_CURRENCY)
