"""Load the demo data that ``make run`` shows. Safe to run any number of times."""

from __future__ import annotations

from dataclasses import dataclass

from django.conf import settings
from django.contrib.sites.models import Site
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from accounts.services import user_ensure_with_email
from merchants.demo import demo_merchant_ensure
from social.demo import social_demo_seed

DEMO_PASSWORD = "tikjoy-demo-2026"


@dataclass(frozen=True)
class DemoPerson:
    email: str
    display_name: str
    role: str
    is_staff: bool = False


DEMO_PEOPLE = (
    DemoPerson("ops@demo.tikjoy.local", "Olivia Ops", "ops superuser (/ops/)", is_staff=True),
    DemoPerson("owner@demo.tikjoy.local", "Mara Owner", "demo merchant owner"),
    DemoPerson("manager@demo.tikjoy.local", "Max Manager", "demo merchant manager"),
    DemoPerson("ana@demo.tikjoy.local", "Ana Consumer", "consumer"),
    DemoPerson("ben@demo.tikjoy.local", "Ben Consumer", "consumer"),
    DemoPerson("chloe@demo.tikjoy.local", "Chloe Creator", "consumer"),
    DemoPerson("dan@demo.tikjoy.local", "Dan Consumer", "consumer"),
    DemoPerson("eve@demo.tikjoy.local", "Eve Consumer", "consumer"),
)


class Command(BaseCommand):
    help = "Create (or refresh) the demo users and data. Idempotent; refused in production."

    def add_arguments(self, parser):
        parser.add_argument("--quiet-credentials", action="store_true", help="Do not print the credentials.")

    def handle(self, *args, **options):
        if settings.PRODUCTION:
            raise CommandError(
                "seed_demo refuses to run with DJANGO_ENV=production: it sets known passwords."
            )

        host = settings.SITE_URL.split("://", 1)[-1]
        Site.objects.update_or_create(pk=settings.SITE_ID, defaults={"domain": host, "name": "TikJoy"})

        users = {}
        for person in DEMO_PEOPLE:
            user, created = user_ensure_with_email(
                email=person.email,
                password=DEMO_PASSWORD,
                display_name=person.display_name,
                is_staff=person.is_staff,
                is_superuser=person.is_staff,
            )
            users[person.email] = user
            self.stdout.write(f"{'created' if created else 'kept'} {person.role}: {person.email}")

        merchant = demo_merchant_ensure(
            owner=users["owner@demo.tikjoy.local"],
            manager=users["manager@demo.tikjoy.local"],
            ops=users["ops@demo.tikjoy.local"],
        )
        self.stdout.write(
            f"demo merchant {merchant.brand_name}: console {settings.SITE_URL}/console/, "
            f"brand page {settings.SITE_URL}/b/{merchant.slug}/"
        )
        for line in social_demo_seed():
            self.stdout.write(line)

        from campaigns.demo import demo_seed

        campaign = demo_seed(
            owner=users["owner@demo.tikjoy.local"],
            manager=users["manager@demo.tikjoy.local"],
            ops=users["ops@demo.tikjoy.local"],
            creator=users["chloe@demo.tikjoy.local"],
            now=timezone.now(),
        )
        self.stdout.write(f"campaign: {campaign} at /b/{campaign.merchant.slug}/")

        from rewards.demo import demo_rewards_seed

        for line in demo_rewards_seed(
            campaign=campaign,
            ana=users["ana@demo.tikjoy.local"],
            ben=users["ben@demo.tikjoy.local"],
            dan=users["dan@demo.tikjoy.local"],
            eve=users["eve@demo.tikjoy.local"],
            now=timezone.now(),
        ):
            self.stdout.write(f"rewards: {line}")
        # The demo is made by the engine itself: the books must agree before anyone looks.
        call_command("ledger_check", stdout=self.stdout, stderr=self.stderr)
        call_command("rewards_check", stdout=self.stdout, stderr=self.stderr)

        if not options["quiet_credentials"]:
            self.stdout.write("")
            self.stdout.write(self.style.SUCCESS("Demo credentials (all share one password):"))
            for person in DEMO_PEOPLE:
                self.stdout.write(f"  {person.role:<28} {person.email:<28} {DEMO_PASSWORD}")
