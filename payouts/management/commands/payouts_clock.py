"""The demo clock of payouts: ``manage.py payouts_clock --advance-hours 48`` ends the bank-details
holds that would be over by then, as if the time had passed. Refused in production."""

from __future__ import annotations

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from payouts import services


class Command(BaseCommand):
    help = "Demo clock: end the 48-hour bank-details holds that would be over N hours from now (not in production)."

    def add_arguments(self, parser):
        parser.add_argument("--advance-hours", type=int, required=True, help="how far the demo clock moves")

    def handle(self, *args, advance_hours: int, **options):
        if settings.PRODUCTION:
            raise CommandError("payouts_clock is for the demo: it is refused with DJANGO_ENV=production.")
        try:
            ended = services.bank_account_holds_advance(hours=advance_hours, now=timezone.now())
        except services.BankDetailsError as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(f"Demo clock moved {advance_hours} hours: {ended} bank-details hold(s) over.")
