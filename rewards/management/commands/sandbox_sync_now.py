"""Run share discovery, engagement sync and snapshot processing once, now (the sandbox demo).

The task worker does the same on its schedules (every 15, 30 and 10 minutes); this
runs them back to back so a demo need not wait. Sandbox only: with
``SOCIAL_BACKEND=live`` it would spend real TikTok calls, so it is refused.
"""

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from rewards.tasks import shares_discover_all, snapshots_process_latest
from social.services import engagement_sync


class Command(BaseCommand):
    help = "Sandbox demo: discover shares, sync engagement and pay it, once, immediately."

    def handle(self, *args, **options):
        if not settings.SOCIAL_SANDBOX or settings.PRODUCTION:
            raise CommandError("sandbox_sync_now is for the demo: it runs only with SOCIAL_BACKEND=sandbox.")
        shares = shares_discover_all()
        synced = engagement_sync(now=timezone.now())
        paid = snapshots_process_latest()
        self.stdout.write(
            f"Shares: {shares['shares_recorded']} new from {shares['users']} consumer(s). "
            f"Engagement: {synced.snapshots} snapshot(s), {synced.gone} post(s) gone. "
            f"Paid: {paid['paid']} of {paid['snapshots']} snapshot(s) earned more."
        )
