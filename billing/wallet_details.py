"""The merchant console's wallet lines of credit notes in words (``merchants.selectors``): the
credited invoice's number and the reason ops typed (shown as written)."""

from __future__ import annotations

from collections.abc import Sequence

from django.utils.translation import gettext

from billing.models import Invoice
from billing.services import FEE_CREDIT_KIND
from merchants.selectors import subject_ids, wallet_details_register
from wallets.models import Transaction


def credit_note_wallet_details(transactions: Sequence[Transaction]) -> dict[int, str]:
    rows = subject_ids(transactions, Invoice)
    details = {}
    for note in Invoice.objects.filter(pk__in=rows).select_related("credited_invoice"):
        number = note.credited_invoice.number if note.credited_invoice else ""
        text = gettext("Invoice %(number)s: %(reason)s") % {"number": number, "reason": note.reason}
        for txn in rows[note.pk]:
            details[txn.pk] = text
    return details


wallet_details_register(kinds=[FEE_CREDIT_KIND], describe=credit_note_wallet_details)
