"""A person's wallet lines of subscription fees in words (``wallets.movements``): the plan they paid
for ("JoyPlus: monthly fee"), not "Money taken"."""

from __future__ import annotations

from collections.abc import Sequence

from django.utils.translation import gettext

from subscriptions.models import Subscription
from subscriptions.services import FEE_KIND
from wallets.models import Transaction
from wallets.movements import person_words_register, subject_ids


def fee_wallet_details(transactions: Sequence[Transaction]) -> dict[int, str]:
    rows = subject_ids(transactions, Subscription)
    details = {}
    for pk, plan in Subscription.objects.filter(pk__in=rows).values_list("pk", "plan__name"):
        for txn in rows[pk]:
            details[txn.pk] = gettext("%(plan)s: monthly fee") % {"plan": plan}
    return details


person_words_register(kinds=[FEE_KIND], describe=fee_wallet_details)
