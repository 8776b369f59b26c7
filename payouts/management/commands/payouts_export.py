"""Build or release a SEPA file from the command line (the same services as /ops/, four eyes included).

manage.py payouts_export build --by builder@example.com
manage.py payouts_export release TJM2026... --by approver@example.com --out /path/file.xml
"""

from __future__ import annotations

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from payouts import services
from payouts.management.commands._common import batch_by_reference, staff_user


class Command(BaseCommand):
    help = "Build a pain.001 file from approved payouts, or release a built file (by another person) and write it out."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="step", required=True)
        build = sub.add_parser("build", help="put every approved payout into a new file")
        build.add_argument("--by", required=True, help="e-mail of the staff member who builds it")
        build.add_argument("--limit", type=int, default=None)
        release = sub.add_parser("release", help="release a built file to the bank (not by its builder)")
        release.add_argument("batch", help="the file's MsgId or id")
        release.add_argument("--by", required=True, help="e-mail of the staff member who releases it")
        release.add_argument("--out", help="write the pain.001 XML here")

    def handle(self, *args, **options):
        actor = staff_user(options["by"])
        now = timezone.now()
        try:
            if options["step"] == "build":
                batch = services.batch_build(actor=actor, now=now, limit=options["limit"])
                self.stdout.write(
                    self.style.SUCCESS(f"Built {batch} (id {batch.pk}); another person must release it.")
                )
                return
            batch = batch_by_reference(options["batch"])
            batch = services.batch_release(batch_id=batch.pk, actor=actor, now=now)
        except services.PayoutError as exc:
            raise CommandError(str(exc)) from None
        if options["out"]:
            Path(options["out"]).write_bytes(bytes(batch.xml))
            self.stdout.write(f"Wrote {options['out']}")
        self.stdout.write(self.style.SUCCESS(f"Released {batch}."))
