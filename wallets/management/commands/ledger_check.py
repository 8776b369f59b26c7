"""Verify the ledger's invariants over all data. Exits 1 listing every violation."""

from django.core.management.base import BaseCommand, CommandError

from wallets.selectors import ledger_report


class Command(BaseCommand):
    help = "Check that transactions balance, stored balances equal their entries, and no account is wrongly negative."

    def handle(self, *args, **options):
        report = ledger_report()
        self.stdout.write(
            f"Ledger: {report.accounts} accounts, {report.transactions} transactions, {report.entries} entries"
        )
        for currency, purposes in sorted(report.totals.items()):
            grand = sum(purposes.values())
            self.stdout.write(f"  {currency} (all accounts sum to {grand}):")
            for purpose, total in purposes.items():
                self.stdout.write(f"    {purpose:<20} {total:>16}")
        if report.clean:
            self.stdout.write(self.style.SUCCESS("All invariants hold."))
            return
        for violation in report.violations:
            self.stderr.write(f"VIOLATION [{violation.invariant}] {violation.detail}")
        raise CommandError(f"{len(report.violations)} ledger invariant violation(s)", returncode=1)
