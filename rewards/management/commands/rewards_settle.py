"""Confirm or reverse every reward whose hold period has ended (what the hourly task does).

``--advance-days N`` settles as if the clock were N days ahead: for the demo and for
trying the product, never in production. A shared post's reward is confirmed only
after a sync of the post once its hold ended, so the advanced run syncs the posts
that wait for it as of that moment (against the sandbox or TikTok, as configured)
and settles them too.
"""

from datetime import timedelta

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from rewards.services import rewards_settle_due
from social.services import engagement_sync


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
        if days and counts["WAITING"]:
            # Shares wait for a sync of their post after the hold (and are watched meanwhile):
            # in the advanced world that sync happens now, then they are settled.
            synced = engagement_sync(now=now)
            self.stdout.write(f"Synced {synced.snapshots} posts as of {now:%Y-%m-%d %H:%M} UTC.")
            again = rewards_settle_due(now=now)
            counts = {
                "CONFIRMED": counts["CONFIRMED"] + again["CONFIRMED"],
                "REVERSED": counts["REVERSED"] + again["REVERSED"],
                "WAITING": again["WAITING"],
            }
        self.stdout.write(
            f"Settled as of {now:%Y-%m-%d %H:%M} UTC: {counts['CONFIRMED']} confirmed, {counts['REVERSED']} reversed, "
            f"{counts['WAITING']} waiting for a sync of their post after the hold."
        )
