"""The demo clock of Promote: ``manage.py promote_clock --advance-hours 25`` delivers, completes and
settles promotions as the schedule would N hours from now. Refused in production."""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from promote import services


class Command(BaseCommand):
    help = "Demo clock: run Promote's delivery and settlement as if N hours had passed (not in production)."

    def add_arguments(self, parser):
        parser.add_argument("--advance-hours", type=int, required=True, help="how far the demo clock moves")

    def handle(self, *args, advance_hours: int, **options):
        if settings.PRODUCTION:
            raise CommandError("promote_clock is for the demo: it is refused with DJANGO_ENV=production.")
        if not 0 <= advance_hours <= 24 * 31:
            raise CommandError("Advance 0 to 744 hours.")
        services.orders_launch()
        now = timezone.now() + timedelta(hours=advance_hours)
        ticks = services.deliveries_tick(now=now)
        settled = services.orders_settle_due(now=now)
        self.stdout.write(
            f"Demo clock moved {advance_hours} hours: {ticks} hour(s) delivered, {settled} promotion(s) settled."
        )
