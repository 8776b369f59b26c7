"""Last month for the demo merchant, so that ``make run`` shows an issued statement and invoice.

``seed_demo`` calls :func:`demo_last_month_seed` with the demo merchant: it records, through
the real services and dated inside last month, a bank top-up, a short campaign that pays two
demo consumers' logins, their confirmation at the end of its 3-day hold, and then issues last
month's statement and service-fee invoice with the monthly run. Idempotent: the top-up is keyed
by its bank reference, the campaign by its name, the actions by their keys, the documents by
merchant and month. The campaign is named in each language TikJoy speaks (``CAMPAIGN_TEXTS``), as
the live demo campaign is.

:func:`demo_coin_invoices_issue` issues the invoice of each demo coin purchase as the every-minute
task would have, a minute after the purchase; ``seed_demo`` calls it before the monthly run, so the
INV numbers follow the invoices' dates.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from moneyed import Money

from accounts.models import User
from billing.months import Month, billing_zone
from billing.selectors import coin_purchases_uninvoiced
from billing.services import billing_run, coin_invoice_issue
from campaigns import services as campaign_services
from campaigns.models import ActionType, Campaign, CampaignStatus
from merchants.days import merchant_zone
from merchants.models import Merchant
from merchants.wallet import merchant_top_up_record
from rewards.demo import demo_consent_give
from rewards.models import Reward, RewardStatus
from rewards.services import action_record, reward_settle
from wallets.models import Transaction

DEMO_PREVIOUS_TOP_UP = "JOY-DEMO-LAST-MONTH"
CAMPAIGN_NAME = "Demo: last month's JoyBack"
# Its name in the other languages TikJoy speaks, as the live demo campaign's (``campaigns.demo``);
# French puts a no-break space before ":".
CAMPAIGN_TEXTS = {
    "it": "Demo: il JoyBack del mese scorso",
    "de": "Demo: JoyBack vom letzten Monat",
    "fr": "Démo\u00a0: le JoyBack du mois dernier",
    "es": "Demo: el JoyBack del mes pasado",
}


def _at(day: date, hour: int, zone: ZoneInfo) -> datetime:
    return datetime.combine(day, time(hour, 0), tzinfo=zone)


def demo_last_month_seed(
    *, merchant: Merchant, owner: User, ops: User, consumers: list[User], now: datetime
) -> list[str]:
    zone = merchant_zone(merchant)
    month = Month.before(now, zone)  # the merchant's last month, ended in its zone
    day = month.first_day
    merchant_top_up_record(
        merchant=merchant,
        amount=Money(Decimal("50.00"), merchant.currency),
        bank_reference=DEMO_PREVIOUS_TOP_UP,
        value_date=day + timedelta(days=1),
        actor=ops,
        now=_at(day + timedelta(days=1), 9, zone),
    )
    campaign = Campaign.objects.filter(merchant=merchant, name=CAMPAIGN_NAME).first()
    if campaign is None:
        start = _at(day + timedelta(days=2), 8, zone)
        campaign = campaign_services.campaign_create(
            merchant=merchant,
            actor=owner,
            values={"name": CAMPAIGN_NAME, "starts_at": start, "hashtag": "joycoffeeautumn", "hold_days": 3},
            rules=[
                {"action": ActionType.TIKTOK_LOGIN, "is_enabled": True, "amount": Decimal("1.00")},
                {"action": ActionType.WHATSAPP_LOGIN, "is_enabled": True, "amount": Decimal("1.00")},
            ],
        )
        campaign = campaign_services.campaign_activate(campaign=campaign, actor=owner, now=start)
    if campaign.status != CampaignStatus.ENDED and not campaign.texts.exists():
        # Before it ends: an ended campaign's texts no longer change.
        campaign = campaign_services.campaign_texts_save(campaign=campaign, actor=owner, texts=CAMPAIGN_TEXTS)
    if campaign.status == CampaignStatus.ACTIVE:
        for n, person in enumerate(consumers):
            joined_at = _at(day + timedelta(days=3 + n), 11, zone)
            demo_consent_give(person, merchant, joined_at)
            action_record(
                user=person,
                merchant=merchant,
                campaign=campaign,
                action_type=ActionType.TIKTOK_LOGIN,
                now=joined_at,
            )
        for reward in Reward.objects.filter(campaign=campaign, status=RewardStatus.PENDING):
            reward_settle(reward_id=reward.pk, now=reward.available_at + timedelta(hours=1))
        campaign_services.campaign_end(campaign=campaign, actor=owner)
        # The owner ended it on the last evening of that month (the demo's history is over, README):
        # an ended campaign never changes again, so its last change is when it ended (diagnostics).
        Campaign.objects.filter(pk=campaign.pk).update(updated_at=_at(month.last_day, 20, zone))
    report = billing_run(month=month, now=now, merchant=merchant)
    return [
        f"billing: {month.label}: a top-up and {len(consumers)} confirmed logins; "
        f"{report.statements_issued + report.statements_existing} statement(s), "
        f"{report.invoices_finalised + report.invoices_existing} invoice(s) in the console (Statements, Invoices)"
    ]


# The schedule that issues coin purchase invoices runs every minute (billing.tasks).
COIN_INVOICE_DELAY = timedelta(minutes=1)


def demo_coin_invoices_issue(*, now: datetime) -> int:
    """Issue the invoice of each coin purchase not invoiced yet, oldest first, as the every-minute
    task would have: a minute after the purchase, still on the purchase's day in TikJoy's calendar
    (a purchase in the day's last minute is invoiced that day) and never after ``now``. Returns how
    many were finalised."""
    zone = billing_zone()
    issued = 0
    purchases = Transaction.objects.filter(pk__in=coin_purchases_uninvoiced()).order_by("created_at", "pk")
    for purchase in purchases:
        bought = purchase.created_at.astimezone(zone)
        day_ends = datetime.combine(bought.date(), time.max, tzinfo=zone)
        at = min(bought + COIN_INVOICE_DELAY, day_ends, max(bought, now))
        if coin_invoice_issue(transaction_id=purchase.pk, now=at).is_final:
            issued += 1
    return issued
