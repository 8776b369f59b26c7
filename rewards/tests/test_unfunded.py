"""Actions refused because the brand's money ran out are evaluated again, once, when money arrives."""

import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import date, timedelta
from decimal import Decimal
from unittest import mock

import pytest
from django.core import mail
from django.db import connection
from moneyed import Money

from campaigns.models import ActionType, Campaign, CampaignStatus, PauseReason
from campaigns.selectors import REWARD_PAYMENT_KINDS
from campaigns.services import campaign_activate, campaign_end, campaign_update
from merchants.wallet import merchant_top_up_record
from rewards.models import ActionStatus, Reward, RewardStatus, SocialAction
from rewards.selectors import unfunded_explanation
from rewards.services import HOLD_KIND, REWARD_KIND, action_record, unfunded_actions_retry
from rewards.tests.conftest import NOW, books_are_clean, login_rule
from tikjoy.tests.factories import owner_of


def _top_up(merchant, ops, amount: str, *, ref: str, now=NOW):
    record, _ = merchant_top_up_record(
        merchant=merchant,
        amount=Money(Decimal(amount), "EUR"),
        bank_reference=ref,
        value_date=date(2026, 11, 20),
        actor=ops,
        now=now,
    )
    return record


def _a_day_later():
    """The wallet read a day after the fixture's actions (the pages read the clock)."""
    return mock.patch("django.utils.timezone.now", return_value=NOW + timedelta(days=1))


def _login(user, merchant, *, now=NOW):
    return action_record(user=user, merchant=merchant, action_type=ActionType.TIKTOK_LOGIN, now=now)


@pytest.fixture
def ran_dry(make_merchant, make_campaign, make_consumer):
    """1.00 of funds and a 0.60 login reward: Ana is paid, Ben is refused (UNFUNDED), the campaign pauses."""
    merchant = make_merchant(funds="1.00")
    campaign = make_campaign(merchant, rules=[login_rule(amount=Decimal("0.60"))])
    ana, ben = make_consumer("Ana"), make_consumer("Ben")
    assert _login(ana, merchant).status == ActionStatus.REWARDED
    refused = _login(ben, merchant, now=NOW + timedelta(minutes=5))
    assert refused.status == ActionStatus.UNFUNDED
    campaign.refresh_from_db()
    assert (campaign.status, campaign.pause_reason) == (CampaignStatus.PAUSED, PauseReason.FUNDS)
    return merchant, campaign, ben, refused


@pytest.mark.django_db
def test_a_top_up_resumes_the_campaign_and_pays_the_refused_action_once(
    ran_dry, ops, django_capture_on_commit_callbacks, capsys
):
    merchant, campaign, ben, refused = ran_dry

    with django_capture_on_commit_callbacks(execute=True):
        _top_up(merchant, ops, "20.00", ref="TOPUP-2", now=NOW + timedelta(hours=2))

    refused.refresh_from_db()
    campaign.refresh_from_db()
    assert campaign.status == CampaignStatus.ACTIVE
    assert [m.subject for m in mail.outbox if "live again" in m.subject] == [
        "[TikJoy] Campaign 'Spring JoyBack' is live again"
    ]
    assert refused.status == ActionStatus.REWARDED
    reward = Reward.objects.get(action=refused)
    assert (reward.status, reward.user_amount) == (RewardStatus.PENDING, Decimal("0.48"))
    # Another top-up, or the same retry again, pays nothing more.
    with django_capture_on_commit_callbacks(execute=True):
        _top_up(merchant, ops, "5.00", ref="TOPUP-3", now=NOW + timedelta(hours=3))
    assert unfunded_actions_retry(merchant_id=merchant.pk, now=NOW + timedelta(hours=4)) == {}
    assert Reward.objects.filter(user=ben).count() == 1
    books_are_clean(capsys)


@pytest.mark.django_db
def test_an_action_older_than_the_retry_window_is_not_paid_and_the_wallet_says_so(
    ran_dry, ops, django_capture_on_commit_callbacks, settings, capsys
):
    merchant, _campaign, ben, refused = ran_dry
    settings.REWARDS_UNFUNDED_RETRY_DAYS = 3
    late = NOW + timedelta(days=4)

    with django_capture_on_commit_callbacks(execute=True):
        _top_up(merchant, ops, "20.00", ref="TOPUP-LATE", now=late)

    refused.refresh_from_db()
    assert refused.status == ActionStatus.UNFUNDED
    assert not Reward.objects.filter(user=ben).exists()
    assert unfunded_explanation(refused, now=late) == (
        "Not paid: Acme's wallet was empty and they did not add funds before 25 November 2026."
    )
    books_are_clean(capsys)


@pytest.mark.django_db
def test_the_wallet_says_why_a_reward_waits_and_until_when(ran_dry, client):
    _merchant, _campaign, ben, _refused = ran_dry
    client.force_login(ben)

    with _a_day_later():  # the deadline (29 November 12:05) is still ahead, whatever the clock says
        text = client.get("/wallet/").content.decode()
        waiting = client.get("/wallet/summary.json").json()["waiting"]

    assert "Not paid yet: the brand's money ran out" in text
    assert (
        "Waiting: Acme&#x27;s wallet is empty. Your reward will be paid if they add funds before "
        "29 November 2026 and it still fits the campaign&#x27;s limits."
    ) in text
    assert waiting == [
        {
            "brand": "Acme",
            "action": "Log in with TikTok",
            "created_at": "2026-11-22T12:05:00+00:00",
            "until": "2026-11-29T12:05:00+00:00",
            "expired": False,
            "explanation": (
                "Waiting: Acme's wallet is empty. Your reward will be paid if they add funds before 29 November 2026 "
                "and it still fits the campaign's limits."
            ),
        }
    ]


@pytest.mark.django_db
def test_the_wallet_says_why_a_reward_waits_in_the_persons_language(ran_dry, client):
    _merchant, _campaign, ben, _refused = ran_dry
    client.force_login(ben)

    with _a_day_later():
        text = client.get("/wallet/", headers={"Accept-Language": "de"}).content.decode()

    assert "Wartet: Das Guthaben von Acme ist leer. Deine Prämie wird bezahlt" in text
    assert "Waiting:" not in text and "wallet is empty" not in text


@pytest.mark.django_db
def test_a_campaign_the_merchant_paused_waits_for_the_merchant_and_pays_when_resumed(
    ran_dry, ops, django_capture_on_commit_callbacks, capsys
):
    merchant, campaign, ben, refused = ran_dry
    owner = owner_of(merchant)
    # The merchant pauses it themselves (after the engine did): the top-up does not resume it.
    Campaign.objects.filter(pk=campaign.pk).update(pause_reason=PauseReason.MERCHANT)

    with django_capture_on_commit_callbacks(execute=True):
        _top_up(merchant, ops, "20.00", ref="TOPUP-M", now=NOW + timedelta(hours=1))

    refused.refresh_from_db()
    campaign.refresh_from_db()
    assert (campaign.status, refused.status) == (CampaignStatus.PAUSED, ActionStatus.UNFUNDED)
    assert "Acme paused the campaign. Your reward will be paid if they resume it before" in (
        unfunded_explanation(refused, now=NOW + timedelta(hours=1))
    )

    with django_capture_on_commit_callbacks(execute=True):
        campaign_activate(campaign=campaign, actor=owner, now=NOW + timedelta(hours=2))

    refused.refresh_from_db()
    assert refused.status == ActionStatus.REWARDED
    assert Reward.objects.filter(user=ben).count() == 1
    books_are_clean(capsys)


@pytest.mark.django_db
def test_an_action_refused_for_the_budget_is_paid_when_the_budget_is_raised_and_the_campaign_resumed(
    make_merchant, make_campaign, make_consumer, django_capture_on_commit_callbacks, capsys
):
    merchant = make_merchant(funds="50.00")
    campaign = make_campaign(merchant, rules=[login_rule(amount=Decimal("0.60"))], budget=Decimal("1.00"))
    ana, ben = make_consumer(), make_consumer()
    _login(ana, merchant)
    refused = _login(ben, merchant)
    campaign.refresh_from_db()
    assert (refused.status, campaign.pause_reason) == (ActionStatus.UNFUNDED, PauseReason.BUDGET)
    assert "campaign budget is spent. Your reward will be paid if they raise it before" in (
        unfunded_explanation(refused, now=NOW)
    )
    owner = owner_of(merchant)

    campaign_update(campaign=campaign, actor=owner, changes={"budget": Decimal("5.00")})
    with django_capture_on_commit_callbacks(execute=True):
        campaign_activate(
            campaign=Campaign.objects.get(pk=campaign.pk), actor=owner, now=NOW + timedelta(hours=1)
        )

    refused.refresh_from_db()
    assert refused.status == ActionStatus.REWARDED
    books_are_clean(capsys)


@pytest.mark.django_db
def test_a_campaign_that_ended_pays_nothing_more(ran_dry, ops, django_capture_on_commit_callbacks, capsys):
    merchant, campaign, _ben, refused = ran_dry
    campaign_end(campaign=campaign, actor=owner_of(merchant))
    with django_capture_on_commit_callbacks(execute=True):
        _top_up(merchant, ops, "20.00", ref="TOPUP-E", now=NOW + timedelta(hours=1))

    refused.refresh_from_db()
    assert refused.status == ActionStatus.UNFUNDED
    assert unfunded_explanation(refused, now=NOW + timedelta(hours=1)) == (
        "Not paid: Acme's campaign ran out of money and ended before more arrived."
    )
    books_are_clean(capsys)


@pytest.mark.django_db(transaction=True)
def test_two_top_ups_at_once_pay_a_refused_action_exactly_once(
    make_merchant, make_campaign, make_consumer, ops, capsys
):
    merchant = make_merchant(funds="1.00")
    make_campaign(merchant, rules=[login_rule(amount=Decimal("0.60"))])
    people = [make_consumer() for _ in range(6)]
    statuses = [_login(person, merchant).status for person in people]
    assert statuses.count(ActionStatus.UNFUNDED) == 5
    start = threading.Barrier(2, timeout=60)

    def top_up(ref: str):
        try:
            start.wait()
            return _top_up(merchant, ops, "20.00", ref=ref, now=NOW + timedelta(hours=1))
        finally:
            connection.close()

    with ThreadPoolExecutor(max_workers=2) as pool:
        list(pool.map(top_up, ["TOPUP-A", "TOPUP-B"]))

    # Each top-up's task ran after its commit (tasks run synchronously in tests): every refused
    # action was decided once, whichever task got it.
    assert set(SocialAction.objects.values_list("status", flat=True)) == {ActionStatus.REWARDED}
    assert Reward.objects.count() == 6
    assert all(Reward.objects.filter(user=p).count() == 1 for p in people)
    assert Campaign.objects.get().status == CampaignStatus.ACTIVE
    books_are_clean(capsys)


def test_the_ledger_kinds_the_runway_counts_are_the_engines():
    assert set(REWARD_PAYMENT_KINDS) == {REWARD_KIND, HOLD_KIND}
