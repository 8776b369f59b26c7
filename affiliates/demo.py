"""Demo data for affiliates (``manage.py seed_demo``), made by the services with past clocks.

- TikJoy's own program: Theo (an agency) is approved; a person who signed up through his link
  created the merchant Nova Bikes and topped it up: Theo's 40.00 bounty is pending.
- Joy Coffee's program (10.00 a sale): Pia is approved, with links, clicks (a bot among them) and
  conversions in every state the daily task reaches by itself (pending, held, locked, approved), each
  locked and approved by that task on the days the rule gives (tracked + 15 days, + 30 days),
  one reversed with a reason code, one rejected outside the window, and an open inquiry.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal
from urllib.parse import urlsplit

from django.conf import settings
from django.utils import timezone, translation
from django.utils.translation import gettext
from moneyed import Money

from accounts.models import User
from affiliates import services
from affiliates.models import PLATFORM_PROGRAM_NAME, Affiliate, AffiliateStatus, Commission, Program
from core.i18n import language_codes
from merchants.models import Merchant
from merchants.services import merchant_create
from merchants.wallet import merchant_top_up_record

DEMO_TOP_UP_REFERENCE = "JOY-AFFILIATES-DEMO"
# After the wallet's first top-up (``merchants.demo.DEMO_FUNDED_BEFORE``, 62 days), before last month's.
DEMO_BUDGET_BEFORE = timedelta(days=61)


def _staff() -> User:
    return User.objects.filter(is_staff=True).order_by("pk").first()


def _approved(program: Program, person: User, *, actor: User, website: str, now: datetime) -> Affiliate:
    affiliate = Affiliate.objects.filter(program=program, user=person).first() or services.affiliate_apply(
        program=program,
        user=person,
        website=website,
        promotion_plan="Posts and reviews for my followers",
        now=now,
    )
    if affiliate.status == AffiliateStatus.APPLIED:
        affiliate = services.affiliate_decide(
            affiliate_id=affiliate.pk, status=AffiliateStatus.APPROVED, reason="", actor=actor, now=now
        )
    return affiliate


def demo_affiliates_seed(
    *, joy: Merchant, joy_owner: User, ops: User, pia: User, theo: User, nova_owner: User, now: datetime
) -> list[str]:
    return _platform(ops=ops, theo=theo, nova_owner=nova_owner, now=now) + _joy(
        joy=joy, joy_owner=joy_owner, pia=pia, now=now
    )


def _program_name(merchant: Merchant, language: str) -> str:
    with translation.override(language):
        return gettext("%(brand)s affiliate program") % {"brand": merchant.brand_name}


def _demo_terms(language: str) -> str:
    with translation.override(language):
        return gettext("One bounty for each order of a new customer. No paid search on our brand name.")


def _platform(*, ops: User, theo: User, nova_owner: User, now: datetime) -> list[str]:
    site_host = urlsplit(settings.SITE_URL).hostname or "127.0.0.1"
    start = now - timedelta(days=3)
    program = services.platform_program() or services.program_create(
        merchant=None, name=PLATFORM_PROGRAM_NAME, domains=[site_host], now=start
    )
    theo_aff = _approved(program, theo, actor=ops, website="https://agency.example/", now=start)
    if not theo_aff.links.exists():
        link = services.link_create(
            affiliate=theo_aff,
            destination=f"{settings.SITE_URL}/accounts/signup/",
            sub_id="newsletter",
            now=start,
        )
        click = services.click_record(
            link_id=link.pk,
            click_id=services.new_click_id(),
            visitor="demo-nova",
            user_agent="Mozilla/5.0",
            bot=False,
            at=start,
        )
        services.platform_referral_remember(user=nova_owner, click_id=click.click_id, now=start)
    nova = Merchant.objects.filter(slug="nova-bikes").first()
    if nova is None:
        nova = merchant_create(
            actor=nova_owner,
            brand_name="Nova Bikes",
            slug="nova-bikes",
            country="DE",
            currency="EUR",
            legal_name="Nova Bikes GmbH",
            billing_address="Kastanienallee 5",
            contact_email="hello@novabikes.example",
        )
        merchant_top_up_record(
            merchant=nova,
            amount=Money(Decimal("200.00"), "EUR"),
            bank_reference="NOVA-FIRST-TOPUP",
            value_date=(now - timedelta(days=2)).date(),
            actor=ops,
            now=now - timedelta(days=2),
        )
    # The worker records this after the top-up's commit too; a second time changes nothing.
    services.platform_conversion_record(merchant_id=nova.pk, now=now - timedelta(days=2))
    return [
        f"affiliates: TikJoy's program ({settings.SITE_URL}/affiliates/{program.pk}/): {theo.email} referred Nova Bikes"
    ]


def _joy(*, joy: Merchant, joy_owner: User, pia: User, now: datetime) -> list[str]:
    if Program.objects.filter(merchant=joy).exists():
        return [f"affiliates: {joy.brand_name}'s program kept"]
    shop_host = "localhost" if urlsplit(settings.SITE_URL).hostname != "localhost" else "127.0.0.1"
    start = now - timedelta(days=45)
    # The program's budget, transferred before its first sale (the demo's clocks go 45 days back), and
    # before last month's demo (``billing.demo``, at most 60 days back), which is posted after this: a
    # top-up's e-mail counts the balance in time order, right only if nothing earlier is posted after it.
    funded_at = now - DEMO_BUDGET_BEFORE
    merchant_top_up_record(
        merchant=joy,
        amount=Money(Decimal("60.00"), joy.currency),
        bank_reference=DEMO_TOP_UP_REFERENCE,
        value_date=funded_at.date(),
        actor=joy_owner if joy_owner.is_staff else _staff(),
        now=funded_at,
    )
    program = services.program_create(
        merchant=joy,
        # The name the console suggests (affiliates.console), in the brand's language, as its owner kept it,
        # and the same name in the other languages, so each reader sees it in theirs.
        name=_program_name(joy, joy.language or settings.LANGUAGE_CODE),
        name_translations={
            code: _program_name(joy, code) for code in language_codes() if code != joy.language
        },
        domains=["joycoffee.example", shop_host],
        bounty=Decimal("10.00"),
        # Written by the brand in its language and translated into the others; no amount in them:
        # the page states the bounty in each reader's format.
        terms=_demo_terms(joy.language or settings.LANGUAGE_CODE),
        terms_translations={code: _demo_terms(code) for code in language_codes() if code != joy.language},
        now=start,
    )
    pia_aff = _approved(program, pia, actor=joy_owner, website="https://www.tiktok.com/@pia.brews", now=start)
    bio = services.link_create(
        affiliate=pia_aff, destination="https://joycoffee.example/beans", sub_id="bio", now=start
    )
    story = services.link_create(
        affiliate=pia_aff, destination="https://joycoffee.example/cups", sub_id="story", now=start
    )
    # The demo shop of `make run` (api.demo: the other loopback name), whose pages carry the tag.
    site = urlsplit(settings.SITE_URL)
    shop_url = f"{site.scheme}://{shop_host}" + (f":{site.port}" if site.port else "") + "/embed/demo-shop/"
    shop_link = services.link_create(affiliate=pia_aff, destination=shop_url, sub_id="demo-shop", now=now)

    def click(link, days_ago: int, visitor: str, bot: bool = False):
        return services.click_record(
            link_id=link.pk,
            click_id=services.new_click_id(),
            visitor=visitor,
            user_agent="WhatsApp/2.23" if bot else "Mozilla/5.0",
            bot=bot,
            at=now - timedelta(days=days_ago),
        )

    today = timezone.localdate(now)
    ran_until = [timezone.localdate(start)]

    def daily_runs(until: datetime) -> None:
        """The daily task (``commissions_advance``) as it ran on each day up to ``until`` that one of the
        program's commissions came due: each locks on its lock date (tracked + 15 days) and is approved on
        its approval date (15 days later), at the moments the rule gives, not all at the demo's "now"."""
        last = timezone.localdate(until)
        due = Commission.objects.filter(program=program).values_list("lock_date", "approve_date")
        for day in sorted({d for dates in due for d in dates if ran_until[0] < d <= last}):
            services.commissions_advance(now=now - timedelta(days=(today - day).days))
        ran_until[0] = last

    def sale(order_id: str, clicked, days_ago: int, **fields):
        at = now - timedelta(days=days_ago)
        daily_runs(at)
        return services.conversion_record(
            program=program,
            order_id=order_id,
            event_type="sale",
            amount=fields.pop("amount", Decimal("24.90")),
            currency=program.currency,
            occurred_at=at,
            now=at,
            click_id=clicked.click_id,
            **fields,
        )

    click(bio, 44, "preview", bot=True)
    sale("JOY-1001", click(bio, 44, "v-ada"), 44)  # locked 29 days ago, approved 14 days ago
    sale("JOY-1002", click(story, 40, "v-bea"), 40)  # locked 25 days ago, approved 10 days ago
    sale("JOY-1003", click(bio, 20, "v-cem"), 20)  # locked 5 days ago, due in 10 days
    returned = sale("JOY-1004", click(story, 10, "v-dora"), 10)
    daily_runs(now - timedelta(days=8))
    services.commission_reverse(
        commission_id=returned.commission.pk,
        code="ITEM_RETURNED",
        actor=joy_owner,
        now=now - timedelta(days=8),
    )
    sale("JOY-1005", click(bio, 3, "v-emil"), 3)  # pending
    sale("JOY-1006", click(bio, 2, "v-finn"), 2, customer_email="someone@mailinator.com")  # held
    sale("JOY-1007", click(story, 44, "v-gus"), 1)  # clicked 44 days ago: outside the 30-day window
    daily_runs(now)
    services.inquiry_open(
        affiliate=pia_aff,
        order_id="JOY-0999",
        order_date=(now - timedelta(days=5)).date(),
        amount=Decimal("31.50"),
        message="A follower ordered with my code at the counter; it is not in my list.",
        now=now - timedelta(days=4),
    )
    return [
        f"affiliates: {joy.brand_name}'s program ({settings.SITE_URL}/affiliates/{program.pk}/, "
        f"console {settings.SITE_URL}/console/affiliates/): {pia.email} has commissions in every state",
        f"affiliates: Pia's link {settings.SITE_URL}/r/{shop_link.code} leads to the demo shop: buy there, "
        "and the thank-you page's tag reports the sale (held until Joy Coffee confirms it)",
    ]
