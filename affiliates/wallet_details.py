"""The merchant console's wallet lines of affiliate commissions in words (``merchants.selectors``):
the shop's order number, the program, and for a reversal its code's label; an adjustment's
reason is shown as ops typed it."""

from __future__ import annotations

from collections.abc import Sequence

from django.utils.translation import gettext

from affiliates.models import Adjustment, Commission
from affiliates.services import ADJUST_KIND, REVERSE_KIND, TRACK_KIND
from merchants.selectors import subject_ids, wallet_details_register
from wallets.models import Transaction


def commission_wallet_details(transactions: Sequence[Transaction]) -> dict[int, str]:
    rows = subject_ids(transactions, Commission)
    adjustments = {
        (adjustment.commission_id, adjustment.created_at): adjustment.reason
        for adjustment in Adjustment.objects.filter(commission_id__in=rows).only(
            "commission_id", "created_at", "reason"
        )
    }
    details = {}
    for commission in Commission.objects.filter(pk__in=rows).select_related("conversion"):
        order = gettext("Order %(order)s") % {"order": commission.conversion.order_id}
        for txn in rows[commission.pk]:
            parts = [order]
            if txn.kind == REVERSE_KIND and commission.reversal_code:
                parts.append(commission.get_reversal_code_display())
            elif txn.kind == ADJUST_KIND:
                parts.append(adjustments.get((commission.pk, txn.created_at), ""))
            details[txn.pk] = " · ".join(part for part in parts if part)
    return details


wallet_details_register(kinds=[TRACK_KIND, REVERSE_KIND, ADJUST_KIND], describe=commission_wallet_details)
