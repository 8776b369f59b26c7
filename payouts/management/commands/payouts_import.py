"""Import what the bank sent back: pain.002, camt.054 or camt.053 files (each applied once)."""

from __future__ import annotations

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from payouts import services
from payouts.management.commands._common import staff_user


class Command(BaseCommand):
    help = "Import bank files (pain.002, camt.054, camt.053); a file or bank reference seen before changes nothing."

    def add_arguments(self, parser):
        parser.add_argument("files", nargs="+")
        parser.add_argument("--by", help="e-mail of the staff member importing (recorded)")

    def handle(self, *args, **options):
        actor = staff_user(options["by"]) if options["by"] else None
        failed = 0
        for name in options["files"]:
            try:
                raw = Path(name).read_bytes()
            except OSError as exc:
                raise CommandError(f"{name}: {exc.strerror}") from None
            try:
                result = services.bank_file_import(
                    raw=raw, name=Path(name).name, actor=actor, now=timezone.now()
                )
            except services.PayoutError as exc:
                failed += 1
                self.stderr.write(f"{name}: {exc}")
                continue
            self.stdout.write(self.style.SUCCESS(f"{name}: {result.bank_file}: {result.summary()}"))
        if failed:
            raise CommandError(f"{failed} file(s) not imported")
