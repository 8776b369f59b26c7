"""Load the demo data that ``make run`` shows. Safe to run any number of times."""

from __future__ import annotations

from dataclasses import dataclass

from django.apps import apps
from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.sites.models import Site
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone
from django.utils.module_loading import import_string

from accounts.services import user_ensure_with_email
from affiliates.demo import demo_affiliates_seed
from api.demo import demo_widget_seed
from billing.demo import demo_coin_invoices_issue, demo_last_month_seed
from campaigns.demo import demo_seed
from campaigns.models import ActionType
from chats.demo import demo_chats_seed
from merchants.demo import demo_merchant_ensure
from payouts.demo import demo_payouts_seed
from promote.demo import demo_promote_seed
from rewards.demo import demo_payout_ready_seed, demo_rewards_seed, demo_subscriber_seed
from social.demo import demo_tiktok_identity

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
    DemoPerson("sam@demo.tikjoy.local", "Sam Subscriber", "consumer with JoyPlus"),
    DemoPerson("ivy@demo.tikjoy.local", "Ivy Consumer", "consumer who can pay out"),
    DemoPerson("fay@demo.tikjoy.local", "Fay Consumer", "consumer (last month)"),
    DemoPerson("gus@demo.tikjoy.local", "Gus Consumer", "consumer (last month)"),
    DemoPerson("pia@demo.tikjoy.local", "Pia Partner", "affiliate of Joy Coffee"),
    DemoPerson("theo@demo.tikjoy.local", "Theo Agency", "affiliate of TikJoy"),
    DemoPerson("nova@demo.tikjoy.local", "Nina Nova", "merchant referred by Theo"),
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

        # The one "now" of the whole demo, read once: every demo app builds its history before it
        # (actions weeks ago, settled when their hold ended), so nothing the demo shows is later.
        now = timezone.now()
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
            now=now,
        )
        self.stdout.write(
            f"demo merchant {merchant.brand_name}: console {settings.SITE_URL}/console/, "
            f"brand page {settings.SITE_URL}/b/{merchant.slug}/"
        )
        # The sandbox app (fake TikTok personas) is installed only in sandbox mode.
        sandbox_lines = (
            import_string("sandbox.demo.sandbox_demo_seed")()
            if apps.is_installed("sandbox")
            else ["social: SOCIAL_BACKEND is live, no sandbox personas"]
        )
        for line in sandbox_lines:
            self.stdout.write(line)

        campaign = demo_seed(
            owner=users["owner@demo.tikjoy.local"],
            manager=users["manager@demo.tikjoy.local"],
            ops=users["ops@demo.tikjoy.local"],
            creator=users["chloe@demo.tikjoy.local"],
            now=now,
        )
        self.stdout.write(f"campaign: {campaign} at /b/{campaign.merchant.slug}/")
        for line in demo_widget_seed(merchant=merchant, owner=users["owner@demo.tikjoy.local"], now=now):
            self.stdout.write(line)

        for line in demo_rewards_seed(
            campaign=campaign,
            ana=users["ana@demo.tikjoy.local"],
            ben=users["ben@demo.tikjoy.local"],
            dan=users["dan@demo.tikjoy.local"],
            eve=users["eve@demo.tikjoy.local"],
            now=now,
        ):
            self.stdout.write(f"rewards: {line}")
        for line in demo_subscriber_seed(campaign=campaign, person=users["sam@demo.tikjoy.local"], now=now):
            self.stdout.write(f"subscriptions: {line}")
        for line in demo_payout_ready_seed(campaign=campaign, person=users["ivy@demo.tikjoy.local"], now=now):
            self.stdout.write(f"rewards: {line}")
        for line in demo_payouts_seed(
            people=[
                users["ana@demo.tikjoy.local"],
                users["ben@demo.tikjoy.local"],
                users["ivy@demo.tikjoy.local"],
            ],
            ops=users["ops@demo.tikjoy.local"],
            now=now,
        ):
            self.stdout.write(f"payouts: {line}")
        # Before last month's statement: the affiliates demo posts with clocks up to 45 days back.
        for line in demo_affiliates_seed(
            joy=campaign.merchant,
            joy_owner=users["owner@demo.tikjoy.local"],
            ops=users["ops@demo.tikjoy.local"],
            pia=users["pia@demo.tikjoy.local"],
            theo=users["theo@demo.tikjoy.local"],
            nova_owner=users["nova@demo.tikjoy.local"],
            now=now,
        ):
            self.stdout.write(line)
        for line in demo_promote_seed(
            merchant=campaign.merchant,
            owner=users["owner@demo.tikjoy.local"],
            ops=users["ops@demo.tikjoy.local"],
            consumer=users["ben@demo.tikjoy.local"],
            now=now,
        ):
            self.stdout.write(f"promote: {line}")
        # Each invoiced a minute after its purchase, as the every-minute schedule does; before the
        # monthly run below, whose invoice is dated now: INV numbers follow the invoices' dates.
        issued = demo_coin_invoices_issue(now=now)
        if issued:
            self.stdout.write(f"billing: {issued} coin purchase invoice(s) issued")
        for line in demo_last_month_seed(
            merchant=campaign.merchant,
            owner=users["owner@demo.tikjoy.local"],
            ops=users["ops@demo.tikjoy.local"],
            consumers=[users["fay@demo.tikjoy.local"], users["gus@demo.tikjoy.local"]],
            now=now,
        ):
            self.stdout.write(line)
        for line in demo_chats_seed(merchant=campaign.merchant, now=now):
            self.stdout.write(line)
        # Whoever the demo's history rewards for a TikTok sign-in or share has a TikTok identity.
        tiktok_people = (
            get_user_model()
            .objects.filter(pk__in=[u.pk for u in users.values()])
            .filter(social_actions__action_type__in=[ActionType.TIKTOK_LOGIN, ActionType.SHARE_VIDEO])
            .distinct()
            .order_by("pk")
        )
        linked = [person.email for person in tiktok_people if demo_tiktok_identity(user=person, now=now)]
        if linked:
            self.stdout.write(f"social: TikTok identities linked for {', '.join(linked)}")
        # The demo is made by the engine itself: the books must agree before anyone looks.
        call_command("ledger_check", stdout=self.stdout, stderr=self.stderr)
        call_command("rewards_check", stdout=self.stdout, stderr=self.stderr)

        if not options["quiet_credentials"]:
            self.stdout.write("")
            self.stdout.write(self.style.SUCCESS("Demo credentials (all share one password):"))
            for person in DEMO_PEOPLE:
                self.stdout.write(f"  {person.role:<28} {person.email:<28} {DEMO_PASSWORD}")
