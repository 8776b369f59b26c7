"""``manage.py translations_check``: fails when a shipped language lacks a translation (docs/i18n.md)."""

from django.core.management.base import BaseCommand, CommandError

from tikjoy.translations import translations_findings


class Command(BaseCommand):
    help = (
        "Runs makemessages for the shipped languages over every app and the root templates/, in a "
        "temporary copy (the working tree is not touched), and fails listing every untranslated or "
        "fuzzy entry, and every app with strings to translate but no locale/."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "-l", "--locale", action="append", help="Only these languages (default: all but English)."
        )

    def handle(self, *args, **options):
        findings = translations_findings(languages=options["locale"])
        if findings:
            for finding in findings:
                self.stderr.write(str(finding))
            catalogues = len({finding.catalogue for finding in findings})
            raise CommandError(
                f"translations_check: {len(findings)} problem(s) in {catalogues} catalogue(s)."
            )
        self.stdout.write("translations_check: every string is translated in every shipped language.")
