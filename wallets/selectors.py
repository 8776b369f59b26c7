"""Reads on the ledger."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

from django.db import connection
from django.db.models import Count, QuerySet, Sum

from wallets.models import Account, Entry, Purpose, Transaction


@dataclass(frozen=True)
class Violation:
    invariant: str
    detail: str


@dataclass
class LedgerReport:
    accounts: int = 0
    transactions: int = 0
    entries: int = 0
    # currency -> purpose -> total balance
    totals: dict[str, dict[str, Decimal]] = field(default_factory=dict)
    violations: list[Violation] = field(default_factory=list)

    @property
    def clean(self) -> bool:
        return not self.violations


def ledger_report() -> LedgerReport:
    """Check every invariant over all data; the figures an operator needs beside them."""
    report = LedgerReport(
        accounts=Account.objects.count(),
        transactions=Transaction.objects.count(),
        entries=Entry.objects.count(),
    )
    for row in (
        Account.objects.values("currency", "purpose")
        .annotate(total=Sum("balance"))
        .order_by("currency", "purpose")
    ):
        # quantize: SQLite sums decimals in floating point
        report.totals.setdefault(row["currency"], {})[row["purpose"]] = Decimal(row["total"]).quantize(
            Decimal("0.01")
        )

    # ROUND(..., 2): SQLite sums decimals in floating point; on PostgreSQL it changes nothing.
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT transaction_id, currency, ROUND(SUM(amount), 2) FROM wallets_entry "
            "GROUP BY transaction_id, currency HAVING ROUND(SUM(amount), 2) <> 0 ORDER BY transaction_id"
        )
        for txn_id, currency, total in cursor.fetchall():
            report.violations.append(
                Violation("balanced", f"transaction #{txn_id}: {currency} entries sum to {total}, not 0")
            )
        cursor.execute(
            "SELECT a.id, a.balance, ROUND(COALESCE(SUM(e.amount), 0), 2) FROM wallets_account a "
            "LEFT JOIN wallets_entry e ON e.account_id = a.id GROUP BY a.id, a.balance "
            "HAVING ROUND(a.balance - COALESCE(SUM(e.amount), 0), 2) <> 0 ORDER BY a.id"
        )
        for account_id, stored, summed in cursor.fetchall():
            report.violations.append(
                Violation(
                    "balance",
                    f"account #{account_id}: stored balance {stored} but its entries sum to {summed}",
                )
            )
        cursor.execute(
            "SELECT id, balance FROM wallets_account WHERE NOT allow_negative AND balance < 0 ORDER BY id"
        )
        for account_id, stored in cursor.fetchall():
            report.violations.append(
                Violation("non-negative", f"account #{account_id} may not go negative but holds {stored}")
            )
        cursor.execute(
            "SELECT id, balance FROM wallets_account WHERE purpose = %s AND balance > 0 ORDER BY id",
            [Purpose.USER_OWED],
        )
        for account_id, stored in cursor.fetchall():
            report.violations.append(
                Violation(
                    "debt", f"debt account #{account_id} is above zero ({stored}): a debt was over-repaid"
                )
            )
        cursor.execute(
            "SELECT e.id, e.currency, a.id, a.currency FROM wallets_entry e "
            "JOIN wallets_account a ON a.id = e.account_id WHERE e.currency <> a.currency ORDER BY e.id"
        )
        for entry_id, entry_currency, account_id, account_currency in cursor.fetchall():
            report.violations.append(
                Violation(
                    "currency",
                    f"entry #{entry_id} in {entry_currency} on account #{account_id} in {account_currency}",
                )
            )
        # One walk of the transactions and their entries for two invariants: at least two entries,
        # and each dated as its transaction (the account's history is read in the entries' time
        # order, wallets_entry_account_time). SQLite keeps times as text, one instant written
        # "08:00:00" or "09:00:00+01:00": compared as instants there (julianday, to the millisecond).
        differs = (
            "e.created_at IS DISTINCT FROM t.created_at"
            if connection.vendor == "postgresql"
            else "julianday(e.created_at) IS NOT julianday(t.created_at)"
        )
        cursor.execute(
            f"SELECT t.id, t.created_at, COUNT(e.id), SUM(CASE WHEN {differs} THEN 1 ELSE 0 END) "  # noqa: S608 - fixed SQL
            "FROM wallets_transaction t LEFT JOIN wallets_entry e ON e.transaction_id = t.id "
            f"GROUP BY t.id, t.created_at HAVING COUNT(e.id) < 2 OR SUM(CASE WHEN {differs} THEN 1 ELSE 0 END) > 0 "
            "ORDER BY t.id"
        )
        for txn_id, txn_at, entries, misdated in cursor.fetchall():
            if entries < 2:
                report.violations.append(
                    Violation("entries", f"transaction #{txn_id} has fewer than two entries")
                )
            if misdated:
                report.violations.append(
                    Violation(
                        "time",
                        f"transaction #{txn_id} of {txn_at}: {misdated} of its entries dated otherwise",
                    )
                )
    return report


def account_entries(*, account: Account) -> QuerySet[Entry]:
    """The account's history, newest first, with each entry's transaction."""
    return Entry.objects.filter(account=account).select_related("transaction").order_by("-id")


def accounts_of(owner) -> QuerySet[Account]:
    return Account.objects.owned_by(owner).order_by("currency", "purpose")


def transaction_counts_by_kind() -> dict[str, int]:
    return dict(Transaction.objects.values_list("kind").annotate(n=Count("id")).values_list("kind", "n"))
