"""The demo clock of affiliates: ``manage.py affiliates_clock --advance-days 15`` brings the open
commissions' lock and approval dates 15 days closer and runs the daily step. Refused in production."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from affiliates import services


class Command(BaseCommand):
    help = "Demo clock: move open commissions N days on, then lock/approve what is due (not in production)."

    def add_arguments(self, parser):
        parser.add_argument("--advance-days", type=int, required=True, help="how far the demo clock moves")

    def handle(self, *args, advance_days: int, **options):
        try:
            counts = services.commissions_clock_advance(days=advance_days, now=timezone.now())
        except services.AffiliateError as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(
            f"Demo clock moved {advance_days} days: {counts['locked']} locked, {counts['approved']} approved, "
            f"{counts['paid']} paid."
        )
