"""Count merchants' days again in their time zones (after a release; docs/deploy.md, docs/rewards.md)."""

from django.core.management.base import BaseCommand, CommandError

from merchants.models import Merchant
from rewards.services import merchant_days_rebuild


class Command(BaseCommand):
    help = (
        "Count each merchant's days again in its time zone (its campaigns' days, its days of "
        "engagement, its people's daily-cap days), from the rewards and the snapshots, one merchant "
        "at a time under the engine's locks. Run once after the release that moved the days to the "
        "merchant's time zone (what the previous code wrote during the release is in UTC days), or "
        "whenever rewards_check reports a day's drift."
    )

    def add_arguments(self, parser):
        parser.add_argument("--merchant", action="append", default=[], help="a merchant's slug (repeatable)")

    def handle(self, *args, merchant, **options):
        merchants = Merchant.objects.order_by("pk")
        if merchant:
            merchants = merchants.filter(slug__in=merchant)
            missing = set(merchant) - set(merchants.values_list("slug", flat=True))
            if missing:
                raise CommandError(f"No merchant with the slug: {', '.join(sorted(missing))}.")
        ids = list(merchants.values_list("pk", flat=True))
        for merchant_id in ids:
            merchant_days_rebuild(merchant_id=merchant_id)
        self.stdout.write(f"Days counted again in each merchant's time zone: {len(ids)} merchant(s).")
