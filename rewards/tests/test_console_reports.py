"""What a merchant sees over time: the dashboard's daily figures and charts, a campaign's report, the
first-run checklist and the wallet history's words. The figures are checked against the ledger and
the rewards the engine wrote, not only that a chart exists."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.db.models import Sum
from django.db.models.functions import TruncDate
from django.utils import timezone
from django.utils.formats import date_format
from moneyed import Money

from campaigns.models import ActionType, Campaign, CampaignStatus, Video
from merchants.console_site import console_site
from merchants.models import Touchpoint
from merchants.selectors import WALLET_WORDS, wallet_history
from merchants.wallet import (
    TOP_UP_KIND,
    TOP_UP_REVERSAL_KIND,
    merchant_available_account,
    merchant_top_up_record,
)
from rewards import reports
from rewards.models import Reward
from rewards.services import (
    CONFIRM_KIND,
    HOLD_KIND,
    RELEASE_KIND,
    REVERSAL_KIND,
    REWARD_KIND,
    action_record,
)
from rewards.tests.conftest import NOW, owner_of, snapshot
from tikjoy.tests.factories import member_add, response_text, sheet_dicts, sheet_rows
from wallets.formats import money_text
from wallets.models import Entry

pytestmark = pytest.mark.django_db


DAY = NOW.date()  # 22 Nov 2026 (the site's time zone is UTC)


@pytest.fixture
def acme_weeks(acme_month, make_consumer):
    """Acme's November (see ``acme_month``) and more days: Dan logs in 3 days before; Ana's post
    gains 5,000 views the next day (no reward for those yet)."""
    dan = make_consumer("Dan")
    action_record(
        user=dan, merchant=acme_month, action_type=ActionType.TIKTOK_LOGIN, now=NOW - timedelta(days=3)
    )
    ana_post = Reward.objects.filter(merchant=acme_month, user__display_name="Ana", snapshot__isnull=False)
    post = ana_post.first().snapshot.post
    snapshot(post, views=15_000, likes=300, comments=20, shares=5, at=NOW + timedelta(days=1, hours=1))
    return acme_month


def _window(merchant, days=30):
    return reports.Window.ending(now=NOW + timedelta(days=1, hours=8), days=days, merchant=merchant)


def _ledger_by_day(merchant) -> dict[date, Decimal]:
    """What left the merchant's funds for rewards, per day, straight from the ledger."""
    account = merchant_available_account(merchant=merchant)
    rows = (
        Entry.objects.filter(account=account)
        .exclude(transaction__kind__in=[TOP_UP_KIND, TOP_UP_REVERSAL_KIND])
        .annotate(day=TruncDate("transaction__created_at"))
        .values("day")
        .annotate(total=Sum("amount"))
        .order_by()
    )
    return {row["day"]: -row["total"] for row in rows if row["total"]}


def test_the_daily_figures_equal_the_ledger_and_the_engine(acme_weeks):
    days = reports.merchant_daily(merchant=acme_weeks, window=_window(acme_weeks))
    by_day = {d.day: d for d in days}

    assert len(days) == 30 and days[-1].day == DAY + timedelta(days=1)
    # Rewards paid: each day equals what the ledger took from the merchant's funds that day.
    ledger = _ledger_by_day(acme_weeks)
    assert {d.day: d.rewards_paid for d in days if d.rewards_paid} == {
        day: amount for day, amount in ledger.items() if day >= days[0].day
    }
    assert by_day[DAY].rewards_paid == Decimal("9.65")  # Ben's 0.50 was reversed the same day
    assert by_day[DAY - timedelta(days=3)].rewards_paid == Decimal("0.50")  # Dan's login
    # Views gained: Ana 10,000 + Ben 2,000 on the day, Ana 5,000 more the next day.
    assert by_day[DAY].views == 12_000
    assert by_day[DAY + timedelta(days=1)].views == 5_000
    # New consumers: Dan three days before, Ana and Ben on the day (Cleo came in October).
    assert by_day[DAY - timedelta(days=3)].new_consumers == 1
    assert by_day[DAY].new_consumers == 2
    # Share and engagement rewards 9.15 for 12,000 views: 0.7625 -> 0.76; none without views.
    assert by_day[DAY].cost_per_1000_views == Decimal("0.76")
    assert by_day[DAY - timedelta(days=3)].cost_per_1000_views is None
    assert by_day[DAY + timedelta(days=1)].cost_per_1000_views == Decimal("0.00")

    totals = reports.totals_of(days, "EUR")
    rewarded = Reward.objects.filter(merchant=acme_weeks, status__in=reports.NOT_REVERSED)
    assert (
        totals.rewards_paid.amount
        == rewarded.filter(created_at__gte=_window(acme_weeks).start).aggregate(total=Sum("merchant_price"))[
            "total"
        ]
    )
    assert (totals.views, totals.new_consumers, totals.rewards) == (17_000, 3, 7)
    assert str(totals.cost_per_1000_views.amount) == "0.54"  # 9.15 per 17,000 views
    call_command("ledger_check")
    call_command("rewards_check")


def test_a_shorter_window_counts_only_its_days(acme_weeks):
    days = reports.merchant_daily(merchant=acme_weeks, window=_window(acme_weeks, days=2))

    assert [d.day for d in days] == [DAY, DAY + timedelta(days=1)]
    assert reports.totals_of(days, "EUR").rewards_paid.amount == Decimal("9.65")


def test_the_campaign_report_sums_its_whole_life(acme_weeks):
    campaign = acme_weeks.campaigns.exclude(status="DRAFT").get()
    summary = reports.campaign_summary(campaign=campaign)

    # Cleo's October login (0.50) counts for the campaign's life; Ben's reversed 0.50 does not.
    assert summary.spend.amount == Decimal("10.15") + Decimal("0.50")  # and Dan's login
    assert (summary.consumers, summary.views, summary.likes, summary.comments, summary.shares) == (
        4,
        17_000,
        300,
        20,
        5,
    )
    groups = {(g.kind, g.status): (g.count, g.amount.amount) for g in summary.groups}
    assert groups[("For the post's engagement", "Reversed")] == (1, Decimal("0.50"))
    assert sum(count for count, _ in groups.values()) == Reward.objects.filter(campaign=campaign).count()


def test_the_report_page_and_its_csv_show_the_figures(client, acme_weeks):
    campaign = acme_weeks.campaigns.exclude(status="DRAFT").get()
    client.force_login(owner_of(acme_weeks))

    page = client.get(f"/console/campaigns/campaign/{campaign.pk}/report/")
    listing = client.get("/console/campaigns/campaign/")
    change = client.get(f"/console/campaigns/campaign/{campaign.pk}/change/")
    csv_response = client.get(f"/console/campaigns/campaign/{campaign.pk}/report.csv?days=90")

    body = page.content.decode()
    assert '<dd data-figure="spend">€10.65</dd>' in body
    assert '<dd data-figure="views">17,000</dd>' in body
    assert '<dd data-figure="consumers">4</dd>' in body
    assert "Für" not in body and "For the post&#x27;s engagement" in body
    report_url = f"/console/campaigns/campaign/{campaign.pk}/report/"
    assert report_url in listing.content.decode() and report_url in change.content.decode()
    rows = sheet_dicts(csv_response, ",")
    window = reports.Window.ending(now=timezone.now(), days=90, merchant=campaign.merchant)
    expected = reports.campaign_daily(campaign=campaign, window=window)
    assert [r["Day"] for r in rows] == [d.day.isoformat() for d in expected]
    assert sum(Decimal(r["Rewards paid"]) for r in rows) == sum(d.rewards_paid for d in expected)


def test_the_dashboard_draws_the_days_it_computes(client, acme_weeks, make_consumer):
    # The dashboard reads the clock: a consumer who logs in now is today's figure.
    now = timezone.now()
    eve = make_consumer("Eve")
    action_record(user=eve, merchant=acme_weeks, action_type=ActionType.TIKTOK_LOGIN, now=now)
    client.force_login(owner_of(acme_weeks))

    body = client.get("/console/?days=7").content.decode()

    days = reports.merchant_daily(
        merchant=acme_weeks, window=reports.Window.ending(now=now, days=7, merchant=acme_weeks)
    )
    totals = reports.totals_of(days, "EUR")
    assert totals.new_consumers >= 1 and totals.rewards_paid.amount >= Decimal("0.50")
    assert f'data-total="rewards">{money_text(totals.rewards_paid, language="en")}<' in body
    assert f'data-total="consumers">{totals.new_consumers}<' in body
    assert body.count('<rect class="bar"') >= 2  # rewards and new consumers today
    assert "<script" not in body.split("<svg", 1)[1].split("</svg>", 1)[0]
    assert "The last 7 days" in body
    today = money_text(Money(days[-1].rewards_paid, "EUR"), language="en")
    day = timezone.localdate(now)
    assert f"<title>{date_format(day, 'D')} {date_format(day, 'MONTH_DAY_FORMAT')}: {today}</title>" in body


def test_the_checklist_ticks_itself_and_links_to_each_step(
    client, make_merchant, make_campaign, make_consumer
):
    fresh = make_merchant("fresh", funds=None)
    client.force_login(owner_of(fresh))

    def steps():
        body = client.get("/console/").content.decode()
        return dict(re.findall(r'data-step="(\w+)" data-done="(yes|no)"', body)), body

    done, body = steps()
    assert done == {"fund": "no", "campaign": "no", "videos": "no", "live": "no", "poster": "no"}
    assert "Get started: 0 of 5 done" in body
    assert 'href="/console/wallet/add-funds/"' in body and 'href="/console/campaigns/campaign/add/"' in body

    funded = make_merchant("funded")  # 100.00 by the ops top-up
    campaign = make_campaign(funded)
    Video.objects.create(
        merchant=funded, slot=1, title="Spot", tiktok_url="https://www.tiktok.com/@funded/video/1"
    )
    client.force_login(owner_of(funded))
    done, body = steps()
    assert done == {"fund": "yes", "campaign": "yes", "videos": "yes", "live": "yes", "poster": "no"}

    store = Touchpoint.objects.filter(merchant=funded).first()
    action_record(
        user=make_consumer("Walk-in"),
        merchant=funded,
        action_type=ActionType.TIKTOK_LOGIN,
        touchpoint=store,
        campaign=campaign,
        now=NOW,
    )
    done, body = steps()
    assert "Get started" not in body  # all five done: the list is gone


def test_the_checklist_can_be_hidden(client, make_merchant):
    fresh = make_merchant("fresh", funds=None)
    client.force_login(owner_of(fresh))

    client.post("/console/checklist/dismiss/", {"console_merchant": fresh.pk})

    assert "Get started" not in client.get("/console/").content.decode()


def test_every_kind_that_moves_a_merchants_funds_has_words(acme_month, ops):
    kinds = {TOP_UP_KIND, TOP_UP_REVERSAL_KIND, REWARD_KIND, HOLD_KIND, REVERSAL_KIND}
    assert kinds <= set(WALLET_WORDS)
    # A release and a confirmation move the platform's and the consumer's accounts, not the merchant's.
    assert not wallet_history(merchant=acme_month).filter(transaction__kind__in=[RELEASE_KIND, CONFIRM_KIND])
    seen = set(wallet_history(merchant=acme_month).values_list("transaction__kind", flat=True))
    assert seen <= set(WALLET_WORDS)


def test_the_wallet_history_reads_in_words_and_exports(client, acme_month):
    client.force_login(owner_of(acme_month))

    page = client.get("/console/wallet/").content.decode()
    export = sheet_rows(client.get("/console/wallet/export.csv"), ",")

    for code in ("TOP_UP", "REWARD_REVERSAL", "REWARD"):
        assert f">{code}<" not in page
    assert "Bank transfer received" in page and "Reward paid to a consumer" in page
    assert "Reward reversed: the money is back in your wallet" in page
    assert '<dd data-figure="balance">€89.85</dd>' in page  # 100.00 - 9.65 - 0.50
    assert export[0] == ["When", "What", "Detail", "Amount", "Currency"]
    lines = export[1:]
    assert len(lines) == wallet_history(merchant=acme_month).count()
    assert sum(Decimal(line[3]) for line in lines) == Decimal("89.85")
    assert {line[1] for line in lines} <= set(WALLET_WORDS.values())


def test_a_top_up_receipt_shows_reference_value_date_amount_and_balance_after(client, make_merchant, ops):
    merchant = make_merchant("rich", funds="1234.50")
    second, _ = merchant_top_up_record(
        merchant=merchant,
        amount=Money("2000.00", "EUR"),
        bank_reference="SEPA-2",
        value_date=date(2026, 11, 21),
        actor=ops,
        now=NOW,
    )
    client.force_login(owner_of(merchant))

    listing = client.get("/console/merchants/banktransfer/").content.decode()
    receipt = client.get(f"/console/merchants/banktransfer/{second.pk}/receipt/").content.decode()

    assert f"/console/merchants/banktransfer/{second.pk}/receipt/" in listing
    assert '<td data-figure="amount">€2,000.00</td>' in receipt
    assert '<td data-figure="reference">SEPA-2</td>' in receipt
    assert '<td data-figure="value-date">21 November 2026</td>' in receipt
    assert '<td data-figure="balance-after">€3,234.50</td>' in receipt
    assert merchant.legal_name in receipt


def test_console_pages_added_here_are_in_the_console(acme_month):
    names = {p.name for p in console_site.get_urls() if getattr(p, "name", None)}
    assert {"wallet_export", "checklist_dismiss"} <= names


def _listed_ids(page: str) -> list[str]:
    return re.findall(r'name="_selected_action" value="(\d+)"', page)


@pytest.mark.parametrize(
    "query",
    [
        "",
        "?status__exact=REVERSED",
        "?kind__exact=ACTION&action_type__exact=SHARE_VIDEO",
        "?q=Spring",
        "?q=no-such-campaign",
        "?status__exact=PENDING&o=-7",
    ],
)
def test_a_reward_export_has_exactly_the_rows_the_filtered_list_shows(client, acme_month, query):
    client.force_login(owner_of(acme_month))

    listing = client.get(f"/console/rewards/reward/{query}").content.decode()
    export = client.get(f"/console/rewards/reward/export.csv{query}")

    assert export.streaming
    rows = sheet_dicts(export, ",")
    assert [row["ID"] for row in rows] == _listed_ids(listing)  # same rows, same order
    export_link = "/console/rewards/reward/export.csv" + query.replace("&", "&amp;")
    assert f'href="{export_link}"' in listing


def test_every_console_list_links_an_export_of_what_it_shows(client, acme_month):
    client.force_login(owner_of(acme_month))
    for model in console_site._registry:
        opts = model._meta
        listing = client.get(f"/console/{opts.app_label}/{opts.model_name}/?o=1").content.decode()
        assert f'href="/console/{opts.app_label}/{opts.model_name}/export.csv?o=1"' in listing, opts.label
        export = client.get(f"/console/{opts.app_label}/{opts.model_name}/export.csv?o=1")
        lines = sheet_rows(export, ",")
        assert len(lines) - 1 == len(_listed_ids(listing)), opts.label


def test_an_export_with_a_filter_the_list_refuses_says_so(client, acme_month):
    client.force_login(owner_of(acme_month))

    response = client.get("/console/rewards/reward/export.csv?status__exact=NOPE")

    assert response.status_code == 302 and response["Location"].endswith("?e=1")


def test_the_consumers_export_has_every_consumer_and_only_what_they_share(client, acme_month):
    client.force_login(owner_of(acme_month))

    rows = sheet_dicts(client.get("/console/rewards/reward/consumers/export.csv"), ",")

    assert len(rows) == 3  # Ana, Ben, Cleo
    assert all(row["Consumer"].startswith("Consumer ") for row in rows)  # nobody consented: pseudonyms
    assert sum(Decimal(row["Rewards paid"]) for row in rows) == Decimal("10.15")


def test_a_german_reader_gets_the_consumers_and_the_reports_files_headed_in_german(client, acme_month):
    campaign = acme_month.campaigns.exclude(status="DRAFT").get()
    client.force_login(owner_of(acme_month))

    consumers = sheet_rows(
        client.get("/console/rewards/reward/consumers/export.csv", HTTP_ACCEPT_LANGUAGE="de"), ";"
    )
    report = sheet_rows(
        client.get(
            f"/console/campaigns/campaign/{campaign.pk}/report.csv?days=90", HTTP_ACCEPT_LANGUAGE="de"
        ),
        ";",
    )

    assert consumers[0][:7] == [
        "Kunde",
        "Aktionen",
        "Prämien",
        "Bezahlte Prämien",
        "Währung",
        "Erste Aktion",
        "Letzte Aktion",
    ]
    assert all(re.fullmatch(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\+00:00", row[5]) for row in consumers[1:])
    # amounts with a German decimal comma, so a German spreadsheet adds them up: 10.15 in all
    assert all(re.fullmatch(r"\d+,\d\d", row[3]) for row in consumers[1:])
    assert sum(Decimal(row[3].replace(",", ".")) for row in consumers[1:]) == Decimal("10.15")
    assert report[0] == [
        "Tag",
        "Bezahlte Prämien",
        "Währung",
        "Prämien",
        "Aufrufe",
        "Neue Kunden",
        "Kosten pro 1.000 Aufrufe",
    ]


def test_an_export_streams_without_counting_the_list_first(client, acme_month):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client.force_login(owner_of(acme_month))
    with CaptureQueriesContext(connection) as queries:
        response = client.get("/console/rewards/reward/export.csv?status__exact=PENDING")
        body = response_text(response)

    assert response.streaming and body.count("\n") > 1
    assert not [q["sql"] for q in queries if "COUNT(" in q["sql"].upper()]


def test_an_ended_campaigns_report_says_in_german_when_it_ran_and_its_amounts_in_cents(client, acme_weeks):
    campaign = acme_weeks.campaigns.exclude(status="DRAFT").get()
    start, end = datetime(2026, 10, 3, 9, tzinfo=UTC), datetime(2026, 10, 31, 18, tzinfo=UTC)
    Campaign.objects.filter(pk=campaign.pk).update(
        status=CampaignStatus.ENDED, starts_at=start, ends_at=end, updated_at=end + timedelta(minutes=1)
    )
    owner = owner_of(acme_weeks)
    type(owner).objects.filter(pk=owner.pk).update(language="de")
    client.force_login(owner)

    body = re.sub(
        r"[ \n]+", " ", client.get(f"/console/campaigns/campaign/{campaign.pk}/report/").content.decode()
    )

    assert "Beendet · lief vom 03.10.2026 bis zum 31.10.2026</p>" in body
    assert "seit dem 03.10.2026" not in body
    assert '<dd data-figure="spend">10,65\xa0€</dd>' in body
    amounts = re.findall(r'<td class="amount">([^<]*€)</td>', body)
    assert amounts and "0,00\xa0€" in amounts
    assert all(re.fullmatch(r"\d{1,3}(\.\d{3})*,\d\d\xa0€", amount) for amount in amounts)


def test_a_campaign_ended_early_by_the_merchant_ran_until_the_day_it_was_ended(client, acme_weeks):
    campaign = acme_weeks.campaigns.exclude(status="DRAFT").get()
    start, ended = datetime(2026, 10, 3, 9, tzinfo=UTC), datetime(2026, 10, 20, 12, tzinfo=UTC)
    Campaign.objects.filter(pk=campaign.pk).update(
        status=CampaignStatus.ENDED,
        starts_at=start,
        ends_at=datetime(2026, 12, 31, tzinfo=UTC),
        updated_at=ended,
    )
    client.force_login(owner_of(acme_weeks))

    body = re.sub(
        r"[ \n]+", " ", client.get(f"/console/campaigns/campaign/{campaign.pk}/report/").content.decode()
    )

    assert "Ended · ran from 3 Oct 2026 to 20 Oct 2026</p>" in body


def test_the_dashboard_names_the_merchants_time_zone_in_german_not_by_its_iana_name(client, acme_weeks):
    type(acme_weeks).objects.filter(pk=acme_weeks.pk).update(time_zone="Europe/Berlin")
    owner = owner_of(acme_weeks)
    type(owner).objects.filter(pk=owner.pk).update(language="de")
    client.force_login(owner)

    body = re.sub(r"[ \n]+", " ", client.get("/console/?days=30").content.decode())

    assert "pro Tag in Ihrer Zeitzone: Berlin (Mitteleuropäische Zeit)." in body
    assert "Europe/Berlin" not in body


@pytest.mark.parametrize(
    ("language", "said"),
    [
        ("de", "läuft vom 09.11.2026 bis zum 28.02.2027</p>"),
        ("it", "dal 09/11/2026 al 28/02/2027</p>"),
        ("fr", "du 09/11/2026 au 28/02/2027</p>"),
        ("es", "del 09/11/2026 al 28/02/2027</p>"),
        ("en", "runs from 9 Nov 2026 to 28 Feb 2027</p>"),
    ],
)
def test_a_live_campaigns_report_says_from_when_to_when_it_runs(client, acme_weeks, language, said):
    campaign = acme_weeks.campaigns.exclude(status="DRAFT").get()
    Campaign.objects.filter(pk=campaign.pk).update(
        status=CampaignStatus.ACTIVE,
        starts_at=datetime(2026, 11, 9, 9, tzinfo=UTC),
        ends_at=datetime(2027, 2, 28, 12, tzinfo=UTC),
    )
    client.force_login(owner_of(acme_weeks))

    body = re.sub(
        r"[ \n]+",
        " ",
        client.get(
            f"/console/campaigns/campaign/{campaign.pk}/report/", HTTP_ACCEPT_LANGUAGE=language
        ).content.decode(),
    )

    assert f" · {said}" in body
    assert "seit" not in body.split('class="console-status">')[1].split("</p>")[0]


def test_a_campaign_without_an_end_that_has_not_started_says_when_it_starts_not_since(client, acme_weeks):
    campaign = acme_weeks.campaigns.exclude(status="DRAFT").get()
    Campaign.objects.filter(pk=campaign.pk).update(
        status=CampaignStatus.ACTIVE, starts_at=timezone.now() + timedelta(days=400), ends_at=None
    )
    client.force_login(owner_of(acme_weeks))

    body = client.get(
        f"/console/campaigns/campaign/{campaign.pk}/report/", HTTP_ACCEPT_LANGUAGE="de"
    ).content.decode()

    assert "beginnt am " in body and "seit " not in body.split('class="console-status"')[1].split("</p>")[0]


def test_a_manager_sees_the_funding_step_without_a_link_it_could_not_follow(client, make_merchant):
    """QA: a manager's first checklist step, "Fund your wallet", led to a 403 page."""
    fresh = make_merchant("fresh", funds=None)
    client.force_login(member_add(fresh, "manager@fresh.example"))

    body = client.get("/console/").content.decode()

    assert 'href="/console/wallet/add-funds/"' not in body
    assert re.search(
        r"Fund your wallet <small [^>]*data-testid=\"step-for-others\">\(your role can.t do this step", body
    )
    assert 'href="/console/campaigns/campaign/add/"' in body  # managers run campaigns
