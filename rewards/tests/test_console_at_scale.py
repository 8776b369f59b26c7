"""The console at a million rewards (issue #16, ``manage.py bench_scale``): what keeps it fast.

- Every console page a merchant opens reads a fixed number of queries, however many rows the
  merchant has (pinned here, so a query per row can't creep back).
- No list is counted whole: the paginator counts only as far as the pages it offers.
- The figures the engine keeps (each person's figures per merchant, what each rule spent) agree
  with the rows they sum up, and ``rewards_check`` says so when they don't.
"""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection
from django.test.utils import CaptureQueriesContext

from campaigns.models import ActionType, RewardRule
from merchants.console_site import WindowPaginator
from rewards.models import MerchantConsumer, Reward, RewardStatus
from rewards.reconciliation import rewards_report
from rewards.services import action_record, reward_reverse
from rewards.tests.conftest import NOW, owner_of, share
from rewards.tests.test_console import _text

pytestmark = pytest.mark.django_db

# Queries each page reads (session, user, membership, the page's own), whatever the rows. The
# consumer pages' navigation rule is read only by templates that show it (accounts.context_processors).
PAGES = {
    "/console/": 27,  # 26, and the Inbox panel's unread count (chats)
    "/console/rewards/reward/": 8,
    "/console/rewards/reward/?status__exact=PENDING": 8,
    "/console/rewards/reward/?action__action_type__exact=SHARE_VIDEO&q=Spring": 8,
    "/console/rewards/reward/?o=-6": 8,
    "/console/rewards/reward/consumers/": 9,
    "/console/wallet/": 9,
}


def _queries(client, url: str) -> list[str]:
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
    assert response.status_code == 200, url
    return [q["sql"] for q in ctx.captured_queries]


def _more_people(merchant, campaign, make_consumer, n: int) -> None:
    for i in range(n):
        person = make_consumer(f"Extra {merchant.pk}-{i}-{MerchantConsumer.objects.count()}")
        action_record(user=person, merchant=merchant, action_type=ActionType.TIKTOK_LOGIN, now=NOW)
        share(person, merchant, campaign)


def test_each_console_page_reads_a_fixed_number_of_queries_whatever_the_rows(
    client, acme_month, make_consumer
):
    client.force_login(owner_of(acme_month))
    spring = acme_month.campaigns.get(name__contains="Spring")
    _more_people(acme_month, spring, make_consumer, 10)  # the wallet's history is now two pages long
    before = {url: len(_queries(client, url)) for url in PAGES}
    _more_people(acme_month, spring, make_consumer, 10)

    after = {url: len(_queries(client, url)) for url in PAGES}

    assert after == before
    assert after == PAGES


def test_the_reward_detail_page_reads_a_fixed_number_of_queries(client, acme_month):
    client.force_login(owner_of(acme_month))
    first, last = Reward.objects.filter(merchant=acme_month).order_by("pk")[::7][:2]
    _queries(client, f"/console/rewards/reward/{first.pk}/change/")  # process-wide caches warmed

    assert len(_queries(client, f"/console/rewards/reward/{last.pk}/change/")) == 8


def test_no_console_list_counts_every_row(client, acme_month):
    client.force_login(owner_of(acme_month))

    for url in ("/console/rewards/reward/", "/console/rewards/reward/consumers/", "/console/wallet/"):
        counts = [
            sql
            for sql in _queries(client, url)
            if sql.upper().startswith("SELECT COUNT(") and "GROUP BY" not in sql.upper()
        ]
        # The list is counted, bounded: SELECT COUNT(*) FROM (... LIMIT n), never the whole table.
        assert counts, url
        assert all("LIMIT" in sql.upper() for sql in counts), url


def test_the_paginator_counts_only_as_far_as_the_pages_it_offers(acme_month):
    rewards = Reward.objects.filter(merchant=acme_month).order_by("-created_at", "-pk")
    total = rewards.count()  # 8

    near = WindowPaginator(rewards, 2, page=1, ahead=1)
    far = WindowPaginator(rewards, 2, page=3, ahead=1)

    assert (near.count, near.count_is_exact, near.num_pages) == (4, False, 2)  # "more than 4"
    assert (far.count, far.count_is_exact, far.num_pages) == (total, True, 4)
    assert list(far.page(4).object_list) == list(rewards[6:8])


def test_a_long_list_says_more_than_instead_of_a_count(client, acme_month, monkeypatch):
    monkeypatch.setattr(WindowPaginator, "__init__", _small_window(WindowPaginator.__init__))
    client.force_login(owner_of(acme_month))

    page = _text(client.get("/console/rewards/reward/?o=-9"))

    assert "More than 2 rewards" in page
    assert "8 rewards" not in page


def _small_window(init):
    def small(self, object_list, per_page, *args, page=None, ahead=10, **kwargs):
        init(self, object_list, 1, *args, page=page, ahead=1, **kwargs)

    return small


def test_sorting_by_a_column_breaks_ties_by_id_in_the_same_direction(client, acme_month):
    client.force_login(owner_of(acme_month))

    ascending = [q for q in _queries(client, "/console/rewards/reward/?o=6") if "ORDER BY" in q][-1]
    descending = [q for q in _queries(client, "/console/rewards/reward/?o=-6") if "ORDER BY" in q][-1]

    assert '"rewards_reward"."merchant_price" ASC, "rewards_reward"."id" ASC' in ascending
    assert '"rewards_reward"."merchant_price" DESC, "rewards_reward"."id" DESC' in descending


def test_the_campaign_filter_lists_the_merchants_campaigns_without_reading_its_rewards(client, acme_month):
    client.force_login(owner_of(acme_month))

    queries = _queries(client, "/console/rewards/reward/")
    page = _text(client.get("/console/rewards/reward/"))

    assert not [q for q in queries if "DISTINCT" in q.upper() and "rewards_reward" in q]
    assert "Winter draft" in page  # every campaign of the merchant, rewarded or not


def test_each_persons_figures_per_merchant_are_kept_with_their_actions(acme_month):
    figures = {
        c.user.display_name: (c.actions, c.joined_at)
        for c in MerchantConsumer.objects.filter(merchant=acme_month).select_related("user")
    }

    assert figures == {
        "Ana": (2, NOW),
        "Ben": (1, NOW),
        "Cleo": (2, NOW - timedelta(days=30)),
    }
    assert rewards_report().clean


def test_what_each_rule_spent_is_kept_through_grants_and_reversals(acme_month, ops):
    rules = RewardRule.objects.filter(campaign__merchant=acme_month, campaign__name__contains="Spring")
    share, login = rules.get(action=ActionType.SHARE_VIDEO), rules.get(action=ActionType.TIKTOK_LOGIN)
    # Shares 3 x 1.00 and Ana's engagement 6.15 (Ben's 0.50 was reversed); two logins at 0.50.
    assert (share.spent, login.spent) == (Decimal("9.15"), Decimal("1.00"))

    pending = Reward.objects.filter(rule=login, status=RewardStatus.PENDING).first()
    reward_reverse(reward_id=pending.pk, reason="Duplicate", actor=ops, now=NOW + timedelta(hours=2))
    login.refresh_from_db()

    assert login.spent == Decimal("0.50")
    assert rewards_report().clean


def test_rewards_check_reports_figures_that_drifted_from_their_rows(acme_month):
    MerchantConsumer.objects.filter(merchant=acme_month, user__display_name="Ana").update(actions=5)
    RewardRule.objects.filter(campaign__merchant=acme_month, action=ActionType.SHARE_VIDEO).update(
        spent=Decimal("1.00")
    )

    report = rewards_report()

    assert any(v.startswith("consumer figures of merchant/user") for v in report.violations)
    assert any(v.startswith("spent of rule") for v in report.violations)
    with pytest.raises(CommandError):
        call_command("rewards_check")
