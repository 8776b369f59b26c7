from datetime import timedelta
from decimal import Decimal

import pytest

from campaigns.models import ActionType
from rewards.models import ActionStatus, Ban, Reward, RewardStatus
from rewards.services import (
    RewardError,
    action_record,
    held_reward_approve,
    held_reward_reject,
    reward_reverse,
    rewards_settle_due,
    user_ban,
)
from rewards.tests.conftest import NOW, eur
from wallets.models import PLATFORM, Purpose
from wallets.services import account_for, balance

pytestmark = pytest.mark.django_db


def _pending(user):
    return balance(account_for(owner=user, purpose=Purpose.USER_PENDING, currency="EUR"))


def _funds(merchant):
    return balance(account_for(owner=merchant, purpose=Purpose.MERCHANT_AVAILABLE, currency="EUR"))


def _held():
    return balance(account_for(owner=PLATFORM, purpose=Purpose.PLATFORM_HELD, currency="EUR"))


@pytest.fixture
def held_login(make_merchant, make_campaign, make_consumer):
    """A login from a device another person already earned on: held for review."""
    merchant = make_merchant()
    make_campaign(merchant)
    first, second = make_consumer("First"), make_consumer("Second")
    action_record(
        user=first, merchant=merchant, action_type=ActionType.TIKTOK_LOGIN, now=NOW, device_id="dev-1"
    )
    action = action_record(
        user=second, merchant=merchant, action_type=ActionType.TIKTOK_LOGIN, now=NOW, device_id="dev-1"
    )
    return merchant, second, action


def test_a_risky_action_is_held_credited_to_nobody(held_login):
    merchant, user, action = held_login

    reward = Reward.objects.get(action=action)
    assert action.status == ActionStatus.HELD
    assert [s["code"] for s in action.risk_signals] == ["SHARED_DEVICE"]
    assert reward.status == RewardStatus.HELD
    assert _pending(user) == eur("0.00")
    assert _held() == eur("0.50")
    assert _funds(merchant) == eur("99.00")


def test_approving_a_held_reward_credits_it_as_pending(held_login, ops):
    _merchant, user, action = held_login
    reward = Reward.objects.get(action=action)

    held_reward_approve(reward_id=reward.pk, actor=ops, now=NOW)

    reward.refresh_from_db()
    action.refresh_from_db()
    assert reward.status == RewardStatus.PENDING
    assert action.status == ActionStatus.REWARDED
    assert _pending(user) == eur("0.40")
    assert _held() == eur("0.00")


def test_rejecting_a_held_reward_refunds_the_merchant(held_login, ops):
    merchant, user, action = held_login
    reward = Reward.objects.get(action=action)

    held_reward_reject(reward_id=reward.pk, reason="Two accounts, one phone.", actor=ops, now=NOW)

    reward.refresh_from_db()
    assert reward.status == RewardStatus.REVERSED
    assert reward.reason == "Two accounts, one phone."
    assert _funds(merchant) == eur("99.50")
    assert _held() == eur("0.00")
    assert _pending(user) == eur("0.00")


def test_a_banned_user_loses_pending_rewards_and_earns_nothing_more(
    make_merchant, make_campaign, make_consumer, ops
):
    merchant = make_merchant()
    make_campaign(merchant)
    cheat = make_consumer()
    action_record(user=cheat, merchant=merchant, action_type=ActionType.TIKTOK_LOGIN, now=NOW)

    user_ban(user=cheat, reason="Bought followers.", actor=ops, now=NOW)
    later = action_record(
        user=cheat, merchant=make_merchant("other"), action_type=ActionType.TIKTOK_LOGIN, now=NOW
    )

    assert Ban.objects.filter(user=cheat).exists()
    assert Reward.objects.get(user=cheat).status == RewardStatus.REVERSED
    assert later.status == ActionStatus.INELIGIBLE
    assert _pending(cheat) == eur("0.00")
    assert _funds(merchant) == eur("100.00")


def test_ops_reverse_a_pending_reward_with_a_reason_both_sides_see(
    make_merchant, make_campaign, make_consumer, ops
):
    from wallets.models import Transaction

    merchant = make_merchant()
    make_campaign(merchant)
    ana = make_consumer()
    action_record(user=ana, merchant=merchant, action_type=ActionType.TIKTOK_LOGIN, now=NOW)
    reward = Reward.objects.get()

    with pytest.raises(RewardError, match="Say why"):
        reward_reverse(reward_id=reward.pk, reason="  ", actor=ops, now=NOW)
    reward_reverse(reward_id=reward.pk, reason="Duplicate account.", actor=ops, now=NOW)

    reversal = Transaction.objects.get(kind="REWARD_REVERSAL")
    assert "Duplicate account." in reversal.reason
    assert reversal.actor == ops
    assert _funds(merchant) == eur("100.00")
    with pytest.raises(RewardError, match="Only pending or held"):
        reward_reverse(reward_id=reward.pk, reason="again", actor=ops, now=NOW)


def test_a_disconnected_tiktok_account_reverses_at_the_end_of_the_hold(
    make_merchant, make_campaign, make_consumer
):
    from social.models import TikTokProfile

    merchant = make_merchant()
    make_campaign(merchant)
    ana = make_consumer()
    TikTokProfile.objects.create(user=ana, open_id="ana", follower_count=100)
    action_record(user=ana, merchant=merchant, action_type=ActionType.TIKTOK_LOGIN, now=NOW)
    TikTokProfile.objects.filter(user=ana).update(
        disconnected_at=NOW + timedelta(days=2), disconnect_reason="REVOKED"
    )

    rewards_settle_due(now=NOW + timedelta(days=15))

    reward = Reward.objects.get()
    assert reward.status == RewardStatus.REVERSED
    assert "disconnected" in reward.reason
    assert reward.merchant_price == Decimal("0.50")
