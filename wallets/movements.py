"""A person's movements in words: what each ledger kind that moves a person's available balance
means to them, said at display time in their language from the transaction's ``kind`` (never the
English ``reason`` stored with it, which is data for ops).

The kinds are written by apps above this one (Promote, affiliates, payouts, the debts here); they are
stored strings, so they are named here as such, keyed by kind (``wallets/tests/test_movements.py``
checks every kind those apps post to a person's available account has words). A kind without words
reads "Money added" or "Money taken", never its code.

An app whose line says more than its kind (which plan a subscription fee was for: "JoyPlus: monthly
fee") registers a describer for its kinds from its ``wallet_details.py`` (``person_words_register``,
read at startup): it gets the page's transactions of those kinds and says each in words, with one
query; the kind's words stay for a line it can't describe.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from django.contrib.auth.base_user import AbstractBaseUser
from django.utils.translation import gettext, gettext_lazy, pgettext_lazy
from moneyed import Money

from wallets.models import Entry, Purpose, Transaction, owner_key

PERSON_WORDS = {
    "PROMOTE_COIN_PURCHASE": gettext_lazy("Promote coins bought"),
    "PROMOTE_COIN_WITHDRAWAL": gettext_lazy("Promote coins given back"),
    "AFFILIATE_APPROVE": gettext_lazy("Affiliate commission credited"),
    "AFFILIATE_REVERSE": gettext_lazy("Affiliate commission reversed"),
    "AFFILIATE_ADJUST": gettext_lazy("Affiliate commission adjusted"),
    "PAYOUT_REQUEST": pgettext_lazy("consumer wallet", "Payout to your bank account"),
    "PAYOUT_RELEASE": pgettext_lazy("consumer wallet", "Payout cancelled: the money is back"),
    "PAYOUT_RETURN": pgettext_lazy("consumer wallet", "Payout returned by the bank: the money is back"),
    "DEBT_REPAID": gettext_lazy("Amount you owed, repaid"),
    "SUBSCRIPTION_FEE": gettext_lazy("Subscription fee"),
}

PersonDetails = Callable[[Sequence[Transaction]], dict[int, str]]
_PERSON_DETAILS: dict[str, PersonDetails] = {}


def person_words_register(*, kinds: Iterable[str], describe: PersonDetails) -> None:
    """An app says in words the lines of a person's movements it writes (from its ``wallet_details.py``)."""
    for kind in kinds:
        _PERSON_DETAILS[kind] = describe


def subject_ids(transactions: Sequence[Transaction], model) -> dict[int, list[Transaction]]:
    """The transactions about rows of ``model``, by the row's id (for a describer's one query)."""
    rows: dict[int, list[Transaction]] = {}
    for txn in transactions:
        if (
            txn.subject_type == model._meta.label_lower
            and txn.subject_id.isascii()
            and txn.subject_id.isdigit()
        ):
            rows.setdefault(int(txn.subject_id), []).append(txn)
    return rows


def _details(transactions: Sequence[Transaction]) -> dict[int, str]:
    """The registered apps' words for ``transactions``, by transaction id (one call per describer)."""
    by_describer: dict[PersonDetails, list[Transaction]] = {}
    for txn in transactions:
        if txn.kind in _PERSON_DETAILS:
            by_describer.setdefault(_PERSON_DETAILS[txn.kind], []).append(txn)
    details: dict[int, str] = {}
    for describe, rows in by_describer.items():
        details.update(describe(rows))
    return details


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
    transaction, ``limit + 1`` of them (the one more says whether there are older ones); and one per
    registered describer whose kinds are on the page (``person_words_register``).
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
        .only(
            "amount",
            "currency",
            "transaction__kind",
            "transaction__created_at",
            "transaction__subject_type",
            "transaction__subject_id",
        )
        .order_by("-id")[: limit + 1]  # posting order: the index (account, -id)
    )
    details = _details([e.transaction for e in entries[:limit]])
    lines = [
        Movement(
            at=e.transaction.created_at,
            what=details.get(e.transaction_id) or movement_words(e.transaction.kind, e.amount),
            money=e.money,
            entry_id=e.pk,
        )
        for e in entries[:limit]
    ]
    return lines, len(entries) > limit
