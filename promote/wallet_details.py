"""The merchant console's wallet lines of Promote coins in words (``merchants.selectors``): how many
coins were bought or given back, in the reader's number format."""

from __future__ import annotations

from collections.abc import Sequence

from merchants.selectors import subject_ids, wallet_details_register
from promote.models import CoinPurchase, CoinWithdrawal
from wallets.formats import money_text
from wallets.models import Transaction
from wallets.money import COIN


def coin_wallet_details(transactions: Sequence[Transaction]) -> dict[int, str]:
    details = {}
    for model in (CoinPurchase, CoinWithdrawal):
        rows = subject_ids(transactions, model)
        for pk, coins in model.objects.filter(pk__in=rows).values_list("pk", "coins"):
            for txn in rows[pk]:
                details[txn.pk] = money_text(coins, COIN)
    return details


wallet_details_register(
    kinds=["PROMOTE_COIN_PURCHASE", "PROMOTE_COIN_WITHDRAWAL"], describe=coin_wallet_details
)
