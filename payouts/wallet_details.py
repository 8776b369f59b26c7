"""The merchant console's wallet lines of a refund to the merchant's bank (``merchants.selectors``):
the payout's reference and the bank account it goes to (masked)."""

from __future__ import annotations

from collections.abc import Sequence

from django.utils.translation import gettext

from merchants.selectors import subject_ids, wallet_details_register
from payouts.models import Payout
from wallets.models import Transaction


def payout_wallet_details(transactions: Sequence[Transaction]) -> dict[int, str]:
    rows = subject_ids(transactions, Payout)
    details = {}
    for payout in Payout.objects.filter(pk__in=rows).select_related("bank_account"):
        text = gettext("Reference %(reference)s, to %(iban)s") % {
            "reference": payout.end_to_end_id,
            "iban": payout.bank_account.iban_masked,
        }
        for txn in rows[payout.pk]:
            details[txn.pk] = text
    return details


wallet_details_register(
    kinds=["PAYOUT_REQUEST", "PAYOUT_RELEASE", "PAYOUT_RETURN"], describe=payout_wallet_details
)
