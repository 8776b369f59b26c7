"""Verify that rewards agree with the ledger and with the engine's counters. Exits 1 listing every violation."""

from django.core.management.base import BaseCommand, CommandError

from rewards.reconciliation import rewards_report


class Command(BaseCommand):
    help = (
        "Check that every reward's state matches its ledger transactions, that pending, held and "
        "pending-revenue balances equal the rewards in those states, that campaign spend, "
        "per-user tallies and rule counts equal the rewards not reversed, and that the posts' "
        "engagement figures (snapshot gains, latest counts, days) equal what the snapshots say."
    )

    def handle(self, *args, **options):
        report = rewards_report()
        self.stdout.write(f"Rewards: {report.rewards} checked")
        if report.clean:
            self.stdout.write(self.style.SUCCESS("All reward invariants hold."))
            return
        for violation in report.violations:
            self.stderr.write(f"VIOLATION {violation}")
        raise CommandError(f"{len(report.violations)} reward invariant violation(s)", returncode=1)
