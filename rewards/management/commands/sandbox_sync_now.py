"""Run share discovery, engagement sync and snapshot processing once, now (the sandbox demo).

The task worker does the same on its schedules (every 15, 30 and 10 minutes); this
runs them back to back so a demo need not wait. Sandbox only: with
``SOCIAL_BACKEND=live`` it would spend real TikTok calls, so it is refused.
"""

import urllib.error
import urllib.parse
import urllib.request

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
        _sandbox_answers()
        shares = shares_discover_all()
        synced = engagement_sync(now=timezone.now())
        paid = snapshots_process_latest()
        self.stdout.write(
            f"Shares: {shares['shares_recorded']} new from {shares['users']} consumer(s). "
            f"Engagement: {synced.snapshots} snapshot(s), {synced.gone} post(s) gone. "
            f"Paid: {paid['paid']} of {paid['snapshots']} snapshot(s) earned more."
        )


def _sandbox_answers() -> None:
    """The sandbox TikTok is served by the running site (``make run``; its address follows SITE_URL
    unless TIKTOK_API_BASE_URL was set itself): say so when nothing answers there, instead of a
    connection error's traceback (``PORT=8100 make run`` needs ``SITE_URL=http://127.0.0.1:8100``
    here too), naming the variable the address came from."""
    parts = urllib.parse.urlsplit(settings.TIKTOK_API_BASE_URL)
    site = f"{parts.scheme}://{parts.netloc}"
    if settings.TIKTOK_API_BASE_URL.startswith(settings.SITE_URL.rstrip("/") + "/sandbox/"):
        setting = "SITE_URL=http://127.0.0.1:<port>"
    else:
        setting = f"TIKTOK_API_BASE_URL=http://127.0.0.1:<port>{parts.path}"
    try:
        urllib.request.urlopen(f"{site}/healthz", timeout=5).close()  # noqa: S310 - the sandbox's own site
    except urllib.error.HTTPError:
        return  # it answers (a 503 while a part of it is down): the sandbox is there
    except OSError as exc:
        reason = getattr(exc, "reason", exc)
        raise CommandError(
            f"Nothing answers at {site} ({reason}): the sandbox TikTok is served by the running "
            "site. Start it with `make run` first; if it serves on another port, run this command with "
            f"{setting}."
        ) from None
