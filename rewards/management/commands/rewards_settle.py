"""Confirm or reverse every reward whose hold period has ended (what the hourly task does).

``--advance-days N`` settles as if the clock were N days ahead: for the demo and for
trying the product, never in production.
"""

from datetime import timedelta

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from rewards.services import rewards_settle_due


class Command(BaseCommand):
    help = "Confirm or reverse rewards whose hold period has ended."

    def add_arguments(self, parser):
        parser.add_argument(
            "--advance-days", type=int, default=0, help="settle as if N days had passed (not in production)"
        )

    def handle(self, *args, **options):
        days = options["advance_days"]
        if days < 0:
            raise CommandError("--advance-days cannot be negative.")
        if days and settings.PRODUCTION:
            raise CommandError("--advance-days is for the demo: it is refused with DJANGO_ENV=production.")
        now = timezone.now() + timedelta(days=days)
        counts = rewards_settle_due(now=now)
        self.stdout.write(
            f"Settled as of {now:%Y-%m-%d %H:%M} UTC: {counts['CONFIRMED']} confirmed, {counts['REVERSED']} reversed."
        )
