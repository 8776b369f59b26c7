"""A person's movements in words: what each ledger kind that moves a person's available balance
means to them, said at display time in their language from the transaction's ``kind`` (never the
English ``reason`` stored with it, which is data for ops).

The kinds are written by apps above this one (Promote, affiliates, payouts, the debts here); they are
stored strings, so they are named here as such, keyed by kind (``wallets/tests/test_movements.py``
checks every kind those apps post to a person's available account has words). A kind without words
reads "Money added" or "Money taken", never its code.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from django.contrib.auth.base_user import AbstractBaseUser
from django.utils.translation import gettext, gettext_lazy, pgettext_lazy
from moneyed import Money

from wallets.models import Entry, Purpose, owner_key

PERSON_WORDS = {
    "PROMOTE_COIN_PURCHASE": gettext_lazy("Promote coins bought"),
    "PROMOTE_COIN_WITHDRAWAL": gettext_lazy("Promote coins given back"),
    "AFFILIATE_APPROVE": gettext_lazy("Affiliate commission paid"),
    "AFFILIATE_REVERSE": gettext_lazy("Affiliate commission reversed"),
    "AFFILIATE_ADJUST": gettext_lazy("Affiliate commission adjusted"),
    "PAYOUT_REQUEST": pgettext_lazy("consumer wallet", "Payout to your bank account"),
    "PAYOUT_RELEASE": pgettext_lazy("consumer wallet", "Payout cancelled: the money is back"),
    "PAYOUT_RETURN": pgettext_lazy("consumer wallet", "Payout returned by the bank: the money is back"),
    "DEBT_REPAID": gettext_lazy("Amount you owed, repaid"),
}


def movement_words(kind: str, amount: Decimal) -> str:
    """What a movement of a person's available balance was, in the active language."""
    if kind in PERSON_WORDS:
        return str(PERSON_WORDS[kind])
    return gettext("Money added") if amount > 0 else gettext("Money taken")


@dataclass(frozen=True)
class Movement:
    at: datetime
    what: str
    money: Money
    entry_id: int = 0  # where a page of older movements starts (``person_movements(before=...)``)


def person_movements(
    *,
    user: AbstractBaseUser,
    exclude_kinds: frozenset[str] | set[str],
    limit: int,
    before: int | None = None,
) -> tuple[list[Movement], bool]:
    """The newest ``limit`` movements of the person's available balances whose kind is not one of
    ``exclude_kinds`` (the caller's own, shown its own way), and whether there are older ones; with
    ``before`` (a movement's ``entry_id``), the newest of those older than it (keyset pages: a page
    costs the same however far back it is, and a movement posted meanwhile moves nothing).

    One query: the entries of the person's available accounts, newest first, with their
    transaction, ``limit + 1`` of them (the one more says whether there are older ones).
    """
    owner_type, owner_id = owner_key(user)
    entries = Entry.objects.filter(
        account__owner_type=owner_type,
        account__owner_id=owner_id,
        account__purpose=Purpose.USER_AVAILABLE,
    )
    if before is not None:
        entries = entries.filter(id__lt=before)
    entries = list(
        entries.exclude(transaction__kind__in=sorted(exclude_kinds))
        .select_related("transaction")
        .only("amount", "currency", "transaction__kind", "transaction__created_at")
        .order_by("-id")[: limit + 1]  # posting order: the index (account, -id)
    )
    lines = [
        Movement(
            at=e.transaction.created_at,
            what=movement_words(e.transaction.kind, e.amount),
            money=e.money,
            entry_id=e.pk,
        )
        for e in entries[:limit]
    ]
    return lines, len(entries) > limit
