"""Verify that the affiliate reports' roll-ups equal the figures recomputed from the rows. Exits 1 listing every difference."""

from django.core.management.base import BaseCommand, CommandError

from affiliates import rollups


class Command(BaseCommand):
    help = (
        "Check that every link day, link total and program day of the affiliate reports (clicks, unique "
        "clicks, conversions, reversed, revenue, the commissions' amounts by state, adjustments) equals "
        "what the clicks, commissions and adjustments add up to."
    )

    def add_arguments(self, parser):
        parser.add_argument("--program", type=int, help="only this program (id)")

    def handle(self, *args, **options):
        problems = rollups.check(program_id=options.get("program"))
        if not problems:
            self.stdout.write(self.style.SUCCESS("The affiliate reports' roll-ups equal the rows."))
            return
        for problem in problems[:200]:
            self.stderr.write(f"VIOLATION {problem}")
        raise CommandError(f"{len(problems)} affiliate roll-up difference(s)", returncode=1)
