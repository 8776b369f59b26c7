"""Issue statements and service-fee invoices by hand (the schedule does it every hour)."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from billing.months import Month
from billing.services import billing_run
from core.errors import DomainError
from merchants.models import Merchant


class Command(BaseCommand):
    help = (
        "Issue the statements and invoices of --month YYYY-MM for every merchant whose month has ended in "
        "its time zone (without --month: each merchant's last month ended in its zone; optionally one "
        "--merchant slug). Idempotent."
    )

    def add_arguments(self, parser):
        parser.add_argument("--month", help="YYYY-MM, a month that is over (default: each merchant's last)")
        parser.add_argument("--merchant", help="the merchant's slug (default: every merchant)")

    def handle(self, *args, month: str | None, merchant: str | None, **options):
        try:
            parsed = Month.parse(month) if month is not None else None
            chosen = None
            if merchant:
                chosen = Merchant.objects.filter(slug=merchant).first()
                if chosen is None:
                    raise CommandError(f"No merchant with the slug {merchant!r}.")
            report = billing_run(
                month=parsed, now=timezone.now(), merchant=chosen, progress=self.stdout.write
            )
        except DomainError as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(str(report))
        if report.failures:
            for failure in report.failures:
                self.stderr.write(failure)
            raise CommandError(f"{len(report.failures)} document(s) not issued; ops were alerted.")
