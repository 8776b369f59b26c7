"""Write every person's reward figures from their rewards (after a release; docs/deploy.md)."""

from django.core.management.base import BaseCommand

from rewards.services import person_figures_rebuild


class Command(BaseCommand):
    help = (
        "Write each person's reward figures (counts and amounts per status and currency, read by "
        "the wallet) from their rewards, in one set-based statement under a table lock, and say how "
        "many rows were wrong or missing. Run once after every release that migrates them "
        "(rewards granted by the previous code during the release are in no row); rewards_check "
        "reports any drift."
    )

    def handle(self, *args, **options):
        fixed = person_figures_rebuild()
        self.stdout.write(f"Reward figures rebuilt from the rewards: {fixed} row(s) were wrong or missing.")
