"""Real threads on PostgreSQL: budgets and caps hold, a snapshot pays once, the ledger stays clean."""

import threading
from concurrent.futures import ThreadPoolExecutor
from decimal import Decimal

import pytest
from django.db import connection

from campaigns.models import ActionType, CampaignStatus, PauseReason
from rewards.models import ActionStatus, Reward, SocialAction
from rewards.services import action_record, snapshot_process
from rewards.tests.conftest import NOW, books_are_clean, share_rule, snapshot, tracked_post

pytestmark = pytest.mark.django_db(transaction=True)


def _closing(fn):
    def run(*args):
        try:
            return fn(*args)
        finally:
            connection.close()

    return run


def test_200_concurrent_shares_against_a_budget_for_50_pay_exactly_50_and_pause_the_campaign(
    make_merchant, make_campaign, make_consumer, capsys
):
    merchant = make_merchant(funds="500.00")
    campaign = make_campaign(
        merchant,
        rules=[
            share_rule(
                amount=Decimal("1.00"),
                per_1000_views=0,
                per_like=0,
                per_comment=0,
                per_share=0,
                max_per_post=None,
            )
        ],
        budget=Decimal("50.00"),
    )
    posts = [tracked_post(make_consumer(), campaign) for _ in range(200)]
    start = threading.Barrier(50, timeout=60)

    @_closing
    def share(i: int) -> str:
        if i < 50:
            start.wait()
        post = posts[i]
        return action_record(
            user=post.user,
            merchant=merchant,
            action_type=ActionType.SHARE_VIDEO,
            tracked_post=post,
            campaign=campaign,
            now=NOW,
        ).status

    with ThreadPoolExecutor(max_workers=50) as pool:
        statuses = list(pool.map(share, range(200)))

    assert statuses.count(ActionStatus.REWARDED) == 50
    assert Reward.objects.count() == 50
    campaign.refresh_from_db()
    assert campaign.spent == Decimal("50.00")
    assert (campaign.status, campaign.pause_reason) == (CampaignStatus.PAUSED, PauseReason.BUDGET)
    books_are_clean(capsys)


def test_the_same_snapshot_processed_by_10_workers_at_once_pays_once(
    make_merchant, make_campaign, make_consumer, capsys
):
    merchant = make_merchant()
    campaign = make_campaign(merchant)
    ana = make_consumer()
    post = tracked_post(ana, campaign)
    action_record(
        user=ana,
        merchant=merchant,
        action_type=ActionType.SHARE_VIDEO,
        tracked_post=post,
        campaign=campaign,
        now=NOW,
    )
    shot = snapshot(post, views=8_000, likes=40)
    start = threading.Barrier(10, timeout=60)

    @_closing
    def process(_: int):
        start.wait()
        return snapshot_process(snapshot_id=shot.pk, now=NOW)

    with ThreadPoolExecutor(max_workers=10) as pool:
        results = list(pool.map(process, range(10)))

    assert sum(1 for r in results if r is not None) == 1
    assert Reward.objects.filter(snapshot=shot).count() == 1
    assert Reward.objects.get(snapshot=shot).merchant_price == Decimal("2.40")
    books_are_clean(capsys)


def test_different_snapshots_of_one_post_at_once_never_pay_more_than_the_post_earns(
    make_merchant, make_campaign, make_consumer, capsys
):
    merchant = make_merchant()
    campaign = make_campaign(merchant)
    ana = make_consumer()
    post = tracked_post(ana, campaign)
    action_record(
        user=ana,
        merchant=merchant,
        action_type=ActionType.SHARE_VIDEO,
        tracked_post=post,
        campaign=campaign,
        now=NOW,
    )
    shots = [snapshot(post, views=4_000 + 1_000 * i) for i in range(8)]
    start = threading.Barrier(8, timeout=60)

    @_closing
    def process(i: int):
        start.wait()
        return snapshot_process(snapshot_id=shots[i].pk, now=NOW)

    with ThreadPoolExecutor(max_workers=8) as pool:
        list(pool.map(process, range(8)))

    engagement = Reward.objects.filter(kind="ENGAGEMENT")
    # the largest snapshot (11,000 views) earns 2.75; whatever the order, no more is paid
    assert sum(r.merchant_price for r in engagement) == Decimal("2.75")
    books_are_clean(capsys)


def test_30_concurrent_sign_ins_against_funds_for_10_pay_exactly_10_and_nothing_more(
    make_merchant, make_campaign, make_consumer, capsys
):
    """A payment is written without a savepoint; the funds refusing one roll its whole transaction
    back and run it once more with one (the action then waits, UNFUNDED): under concurrency, exactly
    what the funds cover is paid, every other action is recorded once and waits, the books agree."""
    from rewards.tests.conftest import login_rule

    merchant = make_merchant(funds="5.00")
    campaign = make_campaign(merchant, rules=[login_rule(amount=Decimal("0.50"))])
    people = [make_consumer() for _ in range(30)]
    start = threading.Barrier(20, timeout=60)

    @_closing
    def sign_in(i: int) -> str:
        if i < 20:
            start.wait()
        return action_record(
            user=people[i], merchant=merchant, action_type=ActionType.TIKTOK_LOGIN, now=NOW
        ).status

    with ThreadPoolExecutor(max_workers=20) as pool:
        statuses = list(pool.map(sign_in, range(30)))

    assert statuses.count(ActionStatus.REWARDED) == 10
    # The others are not paid: refused by the funds (UNFUNDED), or decided on the campaign's locked row
    # once another had paused it (the decision's CAMPAIGN_PAUSED), each recorded once.
    assert statuses.count(ActionStatus.UNFUNDED) >= 1
    assert statuses.count(ActionStatus.UNFUNDED) + statuses.count(ActionStatus.INELIGIBLE) == 20
    assert SocialAction.objects.count() == 30
    assert Reward.objects.count() == 10
    campaign.refresh_from_db()
    assert (campaign.status, campaign.pause_reason) == (CampaignStatus.PAUSED, PauseReason.FUNDS)
    assert campaign.spent == Decimal("5.00")
    books_are_clean(capsys)
