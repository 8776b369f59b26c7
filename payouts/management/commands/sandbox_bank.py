"""The sandbox bank answers a released SEPA file: pain.002 + camt.054 in the real formats, imported at once.

manage.py sandbox_bank TJM2026... --reject TJP...:AC04 --return TJP...:MD07 [--out-dir DIR]
"""

from __future__ import annotations

from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from payouts import sandbox_bank, services
from payouts.management.commands._common import batch_by_reference


def _codes(values: list[str]) -> dict[str, str]:
    out = {}
    for value in values:
        e2e, _, code = value.partition(":")
        if not e2e or len(code) != 4:
            raise CommandError(f"{value!r}: write END_TO_END_ID:CODE, e.g. TJP0A1B...:AC04")
        out[e2e] = code.upper()
    return out


class Command(BaseCommand):
    help = "Answer a released SEPA file as the sandbox bank would, and import the answer."

    def add_arguments(self, parser):
        parser.add_argument("batch", help="the file's MsgId or id")
        parser.add_argument("--reject", action="append", default=[], metavar="E2E:CODE")
        parser.add_argument("--return", dest="give_back", action="append", default=[], metavar="E2E:CODE")
        parser.add_argument("--out-dir", help="also write the two answer files here")

    def handle(self, *args, **options):
        if not settings.SOCIAL_SANDBOX:
            raise CommandError("The sandbox bank only answers in sandbox mode (SOCIAL_BACKEND=sandbox).")
        batch = batch_by_reference(options["batch"])
        answer = sandbox_bank.BankAnswer(
            reject=_codes(options["reject"]), give_back=_codes(options["give_back"])
        )
        now = timezone.now()
        try:
            results = sandbox_bank.answer_and_import(batch=batch, answer=answer, actor=None, now=now)
        except services.PayoutError as exc:
            raise CommandError(str(exc)) from None
        for result in results:
            if options["out_dir"]:
                path = Path(options["out_dir"]) / result.bank_file.name
                path.write_bytes(bytes(result.bank_file.raw))
            self.stdout.write(self.style.SUCCESS(f"{result.bank_file}: {result.summary()}"))
