import os
import subprocess
import sys
from datetime import timedelta
from decimal import Decimal

import pytest
from django.conf import settings
from django.core.management import CommandError, call_command

from accounts.models import User
from tikjoy.management.commands.seed_demo import DEMO_PASSWORD
from wallets.formats import money_text


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path  # the demo stores a UGC placeholder file


@pytest.mark.django_db
def test_seed_demo_twice_leaves_one_copy_of_everything(client, capsys):
    call_command("seed_demo")
    first = capsys.readouterr().out
    counts = User.objects.count()

    call_command("seed_demo")

    assert User.objects.count() == counts
    assert "ops@demo.tikjoy.local" in first
    assert DEMO_PASSWORD in first
    ops = User.objects.get(email="ops@demo.tikjoy.local")
    assert ops.is_staff and ops.is_superuser
    assert client.login(email="owner@demo.tikjoy.local", password=DEMO_PASSWORD)


@pytest.mark.django_db
def test_seed_demo_refuses_to_run_in_production(settings):
    settings.PRODUCTION = True

    with pytest.raises(CommandError, match="production"):
        call_command("seed_demo")

    assert not User.objects.exists()


@pytest.mark.django_db
def test_seed_demo_creates_one_funded_demo_merchant_with_a_store_a_website_and_a_team(client):
    from merchants.models import Merchant
    from merchants.selectors import wallet_balance

    call_command("seed_demo", "--quiet-credentials")
    call_command("seed_demo", "--quiet-credentials")

    merchant = Merchant.objects.get(
        slug="joycoffee"
    )  # (Nova Bikes is the affiliates demo's referred merchant)
    assert set(merchant.touchpoints.values_list("kind", flat=True)) == {
        "BRAND_PAGE",
        "RETAIL_STORE",
        "WEBSITE",
    }
    assert dict(merchant.memberships.values_list("user__email", "role")) == {
        "owner@demo.tikjoy.local": "OWNER",
        "manager@demo.tikjoy.local": "MANAGER",
    }
    # funded with a recorded 500.00 top-up, less what the demo rewards cost it (reversed ones refunded)
    from django.db.models import Sum

    from affiliates.models import Commission
    from rewards.models import Reward

    spent = Reward.objects.exclude(status="REVERSED").aggregate(total=Sum("merchant_price"))["total"]
    bounties = (
        Commission.objects.filter(affiliate__program__merchant=merchant)
        .exclude(state="REVERSED")
        .aggregate(total=Sum("amount") + Sum("margin"))["total"]
    )
    # 500.00 for the live campaign, 50.00 last month (the billing demo's month), 60.00 for the affiliates demo
    assert sorted(merchant.bank_transfers.values_list("amount", flat=True)) == [
        Decimal("50.00"),
        Decimal("60.00"),
        Decimal("500.00"),
    ]
    # and less the Promote coins the demo merchant bought from its prepaid funds
    from promote.models import CoinPurchase

    coins = CoinPurchase.objects.filter(wallet__merchant=merchant).aggregate(total=Sum("amount"))["total"]
    assert coins == Decimal("9.90")
    assert wallet_balance(merchant=merchant).amount == Decimal("610.00") - spent - bounties - coins
    assert client.login(email="manager@demo.tikjoy.local", password=DEMO_PASSWORD)
    assert "Joy Coffee" in client.get("/console/").content.decode()
    assert "Joy Coffee" in client.get(f"/b/{merchant.slug}/").content.decode()


@pytest.mark.django_db
def test_seed_demo_leaves_rewards_in_every_state_from_the_engine_and_a_clean_ledger(capsys):
    from rewards.models import Reward, SocialAction

    call_command("seed_demo", "--quiet-credentials")
    call_command("seed_demo", "--quiet-credentials")

    assert set(Reward.objects.values_list("status", flat=True)) == {
        "PENDING",
        "CONFIRMED",
        "REVERSED",
        "HELD",
    }
    # 5 this month, 2 last month, 3 of Sam Subscriber's (JoyPlus), 3 of Ivy's (ready to pay out);
    # the second run recorded nothing new
    assert SocialAction.objects.count() == 13
    capsys.readouterr()
    call_command("ledger_check")
    call_command("rewards_check")
    out = capsys.readouterr().out
    assert "All invariants hold." in out and "All reward invariants hold." in out


@pytest.mark.django_db
def test_seed_demo_shows_a_live_campaign_with_videos_and_a_ugc_video_to_review(client):
    from campaigns.models import ActionType, Campaign, CampaignStatus, UgcStatus, UgcSubmission, Video

    call_command("seed_demo", "--quiet-credentials")
    call_command("seed_demo", "--quiet-credentials")

    campaign = Campaign.objects.get(status=CampaignStatus.ACTIVE)  # last month's one has ended
    assert campaign.status == CampaignStatus.ACTIVE and campaign.hashtag
    assert set(campaign.rules.values_list("action", flat=True)) == set(ActionType.values)
    assert Video.objects.filter(merchant=campaign.merchant).count() == 3
    assert UgcSubmission.objects.get().status == UgcStatus.SUBMITTED
    # The demo brand's page is in its country's language unless the visitor asks for another: English here.
    page = client.get(f"/b/{campaign.merchant.slug}/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert campaign.name in page and "Videos to share" in page


@pytest.mark.django_db
def test_seed_demo_leaves_last_months_statement_and_invoice_from_the_engines_rewards():
    from django.utils import timezone

    from billing.models import Invoice, Statement
    from billing.months import Month
    from merchants.days import merchant_zone

    call_command("seed_demo", "--quiet-credentials")
    call_command("seed_demo", "--quiet-credentials")

    statement = Statement.objects.get()
    month = Month.before(timezone.now(), merchant_zone(statement.merchant))  # the merchant's last month
    invoice = Invoice.objects.get(kind="INVOICE")
    # Ben's and the demo merchant's coin purchases have their invoices, once each (run twice above).
    coin_invoices = Invoice.objects.filter(kind="COIN_INVOICE", status="FINALISED")
    assert coin_invoices.count() == 2 and coin_invoices.filter(user__email="ben@demo.tikjoy.local").exists()
    assert statement.month == month.first_day
    # 50.00 in, two logins at 1.00 out; plus the other demos' movements dated before the month's end:
    # the affiliates demo (its budget and bounties, up to 45 days back) and the live demo's history
    # (its top-up and rewards, up to three weeks back) when it began last month
    from django.db.models import Q, Sum

    from billing.demo import CAMPAIGN_NAME, DEMO_PREVIOUS_TOP_UP
    from rewards.models import Reward
    from wallets.models import Entry, partition_key

    last_months_rewards = Reward.objects.filter(campaign__name=CAMPAIGN_NAME).values_list("pk", flat=True)
    other_demos = Entry.objects.filter(
        account__owner_type="merchants.merchant",
        account__owner_id=statement.merchant_id,
        account__purpose="MERCHANT_AVAILABLE",
        transaction__created_at__lt=statement.period_end,  # the merchant's month, in its zone
    ).exclude(transaction__idempotency_key=f"topup:{DEMO_PREVIOUS_TOP_UP}").exclude(
        Q(transaction__subject_type=Reward._meta.label_lower)
        & Q(transaction__subject_id__in=[str(pk) for pk in last_months_rewards])
    ).aggregate(s=Sum("amount"))["s"] or Decimal(0)
    assert statement.closing_balance == Decimal("48.00") + other_demos
    # The confirmed margin, 20 % of the two logins; plus the other demos' margin confirmed inside the
    # merchant's month (the live demo's history lies in it in a month's first three weeks).
    revenue = Entry.objects.filter(
        account__purpose="PLATFORM_REVENUE",
        account__partition=partition_key(statement.merchant),
        transaction__created_at__gte=statement.period_start,
        transaction__created_at__lt=statement.period_end,
    )
    of_last_month = Q(transaction__subject_type=Reward._meta.label_lower) & Q(
        transaction__subject_id__in=[str(pk) for pk in last_months_rewards]
    )
    assert revenue.filter(of_last_month).aggregate(s=Sum("amount"))["s"] == Decimal("0.40")
    other_margin = revenue.exclude(of_last_month).aggregate(s=Sum("amount"))["s"] or Decimal(0)
    assert invoice.number and invoice.gross_amount == Decimal("0.40") + other_margin


# Run in the fresh interpreter on the SQLite demo database: the owner's console dashboard and every
# page of its navigation and of its list of pages, a consumer's wallet and the brand page answer 200,
# and the dashboard's sums read as money (no float artefacts).
_PAGES_OF_THE_DEMO = r"""
import re

from django.test import Client
from django.test.utils import setup_test_environment

from accounts.models import User

setup_test_environment()
client, failures, seen = Client(), [], []


def visit(url):
    response = client.get(url, HTTP_ACCEPT_LANGUAGE="en")
    seen.append(url)
    if response.status_code != 200:
        failures.append((url, response.status_code))
    return response


client.force_login(User.objects.get(email="owner@demo.tikjoy.local"))
dashboard = visit("/console/")
# SQLite sums money through floats: no amount may read like 46,72000000000000044408920985.
for days in ("7", "30", "90"):
    body = visit("/console/?days=" + days).content.decode()
    artefacts = re.findall(r"\d[.,]\d{6,}", body)
    if artefacts:
        failures.append(("/console/?days=" + days, artefacts[:3]))
urls = [item["url"] for item in dashboard.context["console_nav"]]
urls += [m["admin_url"] for app in dashboard.context["available_apps"] for m in app["models"] if m["admin_url"]]
for url in dict.fromkeys(urls):
    visit(url)
client.force_login(User.objects.get(email="ana@demo.tikjoy.local"))
visit("/wallet/")
visit("/b/joycoffee/")
assert len(seen) > 10, seen
print("pages: 200" if not failures else failures)
"""


def test_the_demo_of_make_run_builds_on_sqlite_with_its_books_balanced(tmp_path):
    """``make run`` migrates and seeds a SQLite database (the rest of the suite runs on PostgreSQL):
    SQL written for PostgreSQL alone (a GREATEST, an ARRAY[...], say) would break it here, not in
    production: the owner's console pages, a consumer's wallet and the brand page are read there."""
    env = {
        **os.environ,
        "DJANGO_ENV": "development",
        "DATABASE_URL": f"sqlite:///{tmp_path / 'demo.sqlite3'}",
        "MEDIA_ROOT": str(tmp_path / "media"),
    }
    for command in (
        ["migrate", "-v0"],
        ["seed_demo", "--quiet-credentials"],
        ["ledger_check"],
        ["rewards_check"],
        ["shell", "-c", _PAGES_OF_THE_DEMO],
    ):
        result = subprocess.run(  # noqa: S603 - a fresh interpreter: its own settings and database
            [sys.executable, "manage.py", *command],
            cwd=settings.BASE_DIR,
            env=env,
            capture_output=True,
            text=True,
            check=False,
            timeout=600,
        )
        assert result.returncode == 0, f"{command}: {result.stderr[-2000:]}"
        if command == ["rewards_check"]:
            ledger_and_rewards = result.stdout
    assert "All reward invariants hold" in ledger_and_rewards
    assert "pages: 200" in result.stdout, result.stdout[-2000:]


@pytest.mark.django_db
def test_ivy_of_the_demo_asks_for_a_payout_on_the_payouts_page_and_it_is_reserved(
    client, django_capture_on_commit_callbacks
):
    from payouts.models import Payout, PayoutState
    from wallets.models import Purpose
    from wallets.services import account_for

    call_command("seed_demo", "--quiet-credentials")
    ivy = User.objects.get(email="ivy@demo.tikjoy.local")
    assert client.login(email=ivy.email, password=DEMO_PASSWORD)  # the login README names
    page = client.get("/wallet/payouts/").content.decode()
    assert 'data-testid="below-minimum"' not in page and "Pay out everything" in page
    available = account_for(owner=ivy, purpose=Purpose.USER_AVAILABLE, currency="EUR").balance
    assert available > settings.PAYOUTS_MIN_AMOUNT

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            "/wallet/payouts/", {"amount": str(settings.PAYOUTS_MIN_AMOUNT), "whole": "on"}
        )
    assert response.status_code == 302, response.content.decode()[:2000]
    payout = Payout.objects.get(requested_by=ivy)
    assert payout.amount == available and payout.state in (PayoutState.REQUESTED, PayoutState.APPROVED)
    assert account_for(owner=ivy, purpose=Purpose.USER_AVAILABLE, currency="EUR").balance == 0
    assert "Your payout of" in client.get("/wallet/payouts/").content.decode()
    call_command("ledger_check")
    call_command("rewards_check")


@pytest.mark.django_db
def test_the_demos_history_is_over_when_make_run_starts_and_what_it_calls_available_is():
    """Nothing the demo shows is dated after the moment it was loaded: every ledger movement, action,
    snapshot and reward decision is in the past, and a reward shown available became available then
    (the holds of its actions ended before now, #23)."""
    from django.utils import timezone

    from rewards.models import Reward, RewardStatus, SocialAction
    from social.models import EngagementSnapshot
    from wallets.models import Entry, Transaction

    call_command("seed_demo", "--quiet-credentials")
    now = timezone.now()

    def later(queryset, *fields):
        rows = []
        for name in fields:
            rows += [(name, row) for row in queryset.filter(**{f"{name}__gt": now}).values_list("pk", name)]
        return rows

    assert later(Transaction.objects, "created_at") == []
    assert later(Entry.objects, "created_at") == []
    assert later(SocialAction.objects, "occurred_at", "created_at") == []
    assert later(EngagementSnapshot.objects, "taken_at") == []
    assert later(Reward.objects, "created_at", "decided_at", "advance_at", "advanced_at") == []
    available = Reward.objects.filter(status=RewardStatus.CONFIRMED)
    assert available.exists() and later(available, "available_at") == []
    # what is still pending was earned in the last hours and waits for its hold to end
    pending = Reward.objects.filter(status=RewardStatus.PENDING)
    assert pending.exists() and not pending.filter(created_at__lt=now - timedelta(days=1)).exists()
    call_command("ledger_check")
    call_command("rewards_check")


@pytest.mark.django_db
def test_the_demo_campaign_and_its_videos_speak_the_visitors_language(client):
    from campaigns.demo import DEMO_CAMPAIGN_NAME, DEMO_CAMPAIGN_TEXTS, DEMO_VIDEO_TEXTS

    call_command("seed_demo", "--quiet-credentials")
    call_command("seed_demo", "--quiet-credentials")  # twice: the texts are kept, not duplicated

    for language, name in DEMO_CAMPAIGN_TEXTS.items():
        page = (
            client.get("/b/joycoffee/", HTTP_ACCEPT_LANGUAGE=language).content.decode().replace("&#x27;", "'")
        )
        assert name in page, language
        assert DEMO_CAMPAIGN_NAME not in page, language
        assert DEMO_VIDEO_TEXTS["Demo: latte art in 10 seconds"][language][0] in page, language
        assert "Demo: latte art in 10 seconds" not in page, language
    english = client.get("/b/joycoffee/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert DEMO_CAMPAIGN_NAME in english and "Demo: latte art in 10 seconds" in english


@pytest.mark.django_db
def test_a_demo_person_rewarded_for_a_tiktok_sign_in_has_tiktok_connected(client):
    """Eve's reward is for signing in with TikTok: her account says TikTok is connected (tester, #23)."""
    from allauth.socialaccount.models import SocialAccount

    call_command("seed_demo", "--quiet-credentials")
    call_command("seed_demo", "--quiet-credentials")  # idempotent

    eve = User.objects.get(email="eve@demo.tikjoy.local")
    assert SocialAccount.objects.filter(user=eve, provider="tiktok").count() == 1
    assert client.login(email="eve@demo.tikjoy.local", password=DEMO_PASSWORD)
    page = client.get("/me/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "@eve.demo" in page and "not connected" not in page.lower()
    owner = User.objects.get(email="owner@demo.tikjoy.local")
    assert not SocialAccount.objects.filter(user=owner).exists()  # no TikTok history: none made up


@pytest.mark.django_db
def test_each_demo_person_paid_for_joining_a_brand_shares_with_it_since_before_the_reward():
    """A join reward needs the consent of the join step: the demo's wallets say whom they share with."""
    from merchants.models import Consent
    from rewards.models import Reward

    call_command("seed_demo", "--quiet-credentials")

    joins = Reward.objects.filter(action__action_type__in=["TIKTOK_LOGIN", "WHATSAPP_LOGIN"]).select_related(
        "action"
    )
    assert joins.count() >= 5
    for reward in joins:
        consent = (
            Consent.objects.filter(user=reward.user_id, merchant=reward.merchant_id)
            .order_by("given_at")
            .first()
        )
        assert consent is not None, reward.user
        assert consent.given_at <= reward.action.occurred_at, reward.user


@pytest.mark.django_db
def test_the_demos_coin_invoices_are_issued_a_minute_after_their_purchases_numbered_in_date_order():
    """/billing/invoices/ says an invoice comes within a minute of the purchase: the demo's do, dated
    their purchase's day in UTC (the billing calendar), and INV numbers follow the dates (#23)."""
    from datetime import UTC

    from billing.models import Invoice

    call_command("seed_demo", "--quiet-credentials")
    call_command("seed_demo", "--quiet-credentials")

    coin_invoices = Invoice.objects.filter(kind="COIN_INVOICE").select_related("ledger_transaction")
    assert coin_invoices.count() == 2
    for invoice in coin_invoices:
        bought = invoice.ledger_transaction.created_at
        assert invoice.issue_date == bought.astimezone(UTC).date()
        assert bought <= invoice.finalised_at <= bought + timedelta(minutes=1)
    ben = coin_invoices.get(user__email="ben@demo.tikjoy.local")
    assert ben.finalised_at < ben.ledger_transaction.created_at + timedelta(days=1)
    # every INV of the demo (the coin purchases', last month's service fees): numbers in date order
    numbered = list(Invoice.objects.filter(series__startswith="INV-").order_by("series", "sequence"))
    assert len(numbered) == 3
    assert [i.finalised_at for i in numbered] == sorted(i.finalised_at for i in numbered)
    assert [i.issue_date for i in numbered] == sorted(i.issue_date for i in numbered)
    # Joy Coffee's invoices print its address once: street, postcode and city, then the country
    from billing.tests.conftest import pdf_text

    for invoice in Invoice.objects.filter(merchant__slug="joycoffee"):
        text = pdf_text(invoice.pdf)
        buyer = text[text.index("Joy Coffee GmbH") :]
        assert "Torstrasse 1\n10119 Berlin\nDeutschland\n" in buyer, invoice.number
        assert buyer.count("Deutschland") == 1 and "Germany" not in text and "\nDE\n" not in text


@pytest.mark.django_db
def test_last_months_demo_campaign_speaks_the_readers_language_on_the_ops_list(client):
    from billing.demo import CAMPAIGN_NAME, CAMPAIGN_TEXTS
    from campaigns.models import Campaign

    call_command("seed_demo", "--quiet-credentials")
    call_command("seed_demo", "--quiet-credentials")  # the texts are kept, not duplicated

    campaign = Campaign.objects.get(name=CAMPAIGN_NAME)
    assert dict(campaign.texts.values_list("language", "name")) == CAMPAIGN_TEXTS
    assert CAMPAIGN_TEXTS["fr"] == "Démo\u00a0: le JoyBack du mois dernier"
    client.force_login(User.objects.get(email="ops@demo.tikjoy.local"))
    for language, name in CAMPAIGN_TEXTS.items():
        page = client.get("/ops/campaigns/campaign/", HTTP_ACCEPT_LANGUAGE=language).content.decode()
        assert name.replace("'", "&#x27;") in page and CAMPAIGN_NAME.replace("'", "&#x27;") not in page, (
            language
        )


@pytest.mark.django_db
def test_last_months_demo_campaign_ended_last_month():
    """The console's diagnostics say when an ended campaign ended (its last change): for the demo's
    campaign of last month, that is in last month, not the moment the demo was seeded (tester, #23)."""
    from django.utils import timezone

    from billing.demo import CAMPAIGN_NAME
    from campaigns.models import Campaign, CampaignStatus
    from merchants.days import merchant_zone

    call_command("seed_demo", "--quiet-credentials")

    campaign = Campaign.objects.get(name=CAMPAIGN_NAME)
    zone = merchant_zone(campaign.merchant)
    this_month = timezone.now().astimezone(zone).replace(day=1, hour=0, minute=0, second=0, microsecond=0)
    assert campaign.status == CampaignStatus.ENDED
    assert campaign.starts_at < campaign.updated_at < this_month


@pytest.mark.django_db
def test_last_months_demo_statement_names_the_campaign_in_the_merchants_language():
    """Joy Coffee writes German: its statement names the demo campaign as the console does,
    "Demo: JoyBack vom letzten Monat", not the campaign's English name (tester, #23)."""
    from billing.models import Statement

    call_command("seed_demo", "--quiet-credentials")

    statement = Statement.objects.filter(merchant__slug="joycoffee").order_by("month").first()
    labels = [line["label"] for section in statement.sections for line in section["lines"]]
    assert any(label.startswith("Demo: JoyBack vom letzten Monat · ") for label in labels), labels
    assert not any("last month's JoyBack" in label for label in labels), labels


@pytest.mark.django_db
def test_each_demo_top_up_email_states_the_balance_its_receipt_and_statement_count(
    django_capture_on_commit_callbacks,
):
    """The demo is seeded in time order: the balance each top-up's e-mail announces is the wallet's
    running balance at that top-up in the ledger's time order, as its receipt and the statements count it."""
    from django.core import mail

    from merchants.locale import member_locale
    from merchants.models import BankTransfer
    from merchants.selectors import owners_with_email, top_up_balance_after

    with django_capture_on_commit_callbacks(execute=True):
        call_command("seed_demo", "--quiet-credentials")

    transfers = BankTransfer.objects.filter(ledger_transaction__isnull=False).select_related("merchant")
    # Joy Coffee's (last month's, its affiliate program's budget, its wallet's) and Nova Bikes'
    assert transfers.count() == 4
    for transfer in transfers:
        for owner in owners_with_email(transfer.merchant):
            [message] = [m for m in mail.outbox if transfer.bank_reference in m.body and owner.email in m.to]
            with member_locale(owner, transfer.merchant):
                receipt = money_text(top_up_balance_after(transfer=transfer))
            assert f": {receipt}." in message.body, (transfer.bank_reference, message.body)
