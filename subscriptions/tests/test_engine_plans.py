"""The engine with subscriptions: JoyPlus's bonus from TikJoy's margin, JoyFast's advance, its reversal
(the merchant refunded in full, the person owing, payouts refused) and the repayment by the next reward."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest

from campaigns.models import ActionType
from payouts.services import PayoutError, payout_request
from payouts.tests.conftest import add_bank_account, verify_identity
from rewards.models import Reward, RewardStatus
from rewards.selectors import reward_plan_note
from rewards.services import action_record, reward_reverse, reward_settle, rewards_advance_due
from subscriptions.models import Plan
from subscriptions.services import subscription_renew, subscription_start
from subscriptions.tests.conftest import NOW, available, books_clean, eur, login_rule, owed, pending
from wallets.models import Purpose, Transaction
from wallets.services import account_for, balance

pytestmark = pytest.mark.django_db


def funds(merchant):
    return balance(account_for(owner=merchant, purpose=Purpose.MERCHANT_AVAILABLE, currency="EUR"))


def subscribe(user, code: str, *, at):
    return subscription_start(user=user, plan_id=Plan.objects.get(code=code).pk, terms_accepted=True, now=at)


def login(user, merchant, *, at) -> Reward:
    action = action_record(user=user, merchant=merchant, action_type=ActionType.TIKTOK_LOGIN, now=at)
    return action.rewards.get()


def test_joyplus_pays_its_bonus_from_tikjoys_margin_and_the_merchant_pays_its_price(
    make_consumer, make_merchant, make_campaign, earn_available
):
    ana = make_consumer("Ana")
    earn_available(ana, "5.00")
    subscribe(ana, "joyplus", at=NOW)
    acme = make_merchant("acme", funds="100.00")
    make_campaign(acme, rules=[login_rule(amount=Decimal("1.00"))])

    reward = login(ana, acme, at=NOW + timedelta(hours=1))

    # 80 % of 1.00 is 0.80; JoyPlus adds 10 % of it (0.08), at most half of TikJoy's 0.20 margin.
    assert (reward.merchant_price, reward.user_amount, reward.margin, reward.bonus) == (
        Decimal("1.00"),
        Decimal("0.88"),
        Decimal("0.12"),
        Decimal("0.08"),
    )
    assert funds(acme) == eur("99.00")
    assert pending(ana) == eur("0.88")
    [plan] = reward.calculation["plans"]
    assert plan["plan"] == "JoyPlus" and plan["benefit"] == "BONUS"
    assert "from TikJoy's margin (0.20)" in plan["why"]
    assert (
        reward_plan_note(reward) == "Includes a JoyPlus bonus of €0.08"
    )  # money_text: the language's format
    reward_settle(reward_id=reward.pk, now=reward.available_at)
    assert available(ana) == eur("2.89")  # 5.00 - 2.99 + 0.88
    books_clean()


def test_a_failed_renewal_stops_the_bonus_for_later_rewards_but_never_takes_it_back(
    make_consumer, make_merchant, make_campaign, earn_available
):
    ana = make_consumer()
    earn_available(ana, "3.00")
    subscription = subscribe(ana, "joyplus", at=NOW)
    acme = make_merchant("acme", funds="100.00")
    make_campaign(acme, rules=[login_rule(amount=Decimal("1.00"))], ends_at=NOW + timedelta(days=90))
    beta = make_merchant("beta", funds="100.00")
    make_campaign(beta, rules=[login_rule(amount=Decimal("1.00"))], ends_at=NOW + timedelta(days=90))
    during = login(ana, acme, at=NOW + timedelta(days=1))

    assert (
        subscription_renew(subscription_id=subscription.pk, now=subscription.period_end) == "RENEWAL_FAILED"
    )
    after = login(ana, beta, at=subscription.period_end + timedelta(minutes=1))

    during.refresh_from_db()
    assert during.bonus == Decimal("0.08") and during.user_amount == Decimal("0.88")
    assert after.bonus == Decimal("0.00") and after.user_amount == Decimal("0.80")
    assert "plans" not in after.calculation
    books_clean()


def test_joyfast_reversal_after_the_advance_refunds_the_merchant_leaves_a_debt_and_the_next_reward_repays(
    make_consumer, make_merchant, make_campaign, earn_available, ops, django_capture_on_commit_callbacks
):
    ana = make_consumer("Ana")
    earn_available(ana, "12.00", at=NOW - timedelta(days=4))
    verify_identity(ana, ops)
    add_bank_account(ana, now=NOW - timedelta(days=3))
    subscribe(ana, "joyfast", at=NOW)
    assert available(ana) == eur("10.01")
    acme = make_merchant("acme", funds="100.00")
    make_campaign(acme, rules=[login_rule(amount=Decimal("0.50"))])
    beta = make_merchant("beta", funds="100.00")
    make_campaign(beta, rules=[login_rule(amount=Decimal("1.00"))])

    # Paid as pending, with an early availability a day later instead of the campaign's 14 days.
    reward = login(ana, acme, at=NOW + timedelta(hours=1))
    assert reward.advance_at == NOW + timedelta(hours=25)
    assert reward.calculation["plans"][0]["benefit"] == "FAST"
    assert rewards_advance_due(now=NOW + timedelta(hours=24)) == 0
    assert rewards_advance_due(now=NOW + timedelta(hours=26)) == 1
    assert (pending(ana), available(ana)) == (eur("0.00"), eur("10.41"))
    books_clean()

    # She pays it all out; then the brand's reward is reversed before its hold ended.
    payout_request(user=ana, amount=eur("10.41"), now=NOW + timedelta(hours=27))
    reward_reverse(reward_id=reward.pk, reason="The login was a bot", actor=ops, now=NOW + timedelta(days=2))

    reward.refresh_from_db()
    assert reward.status == RewardStatus.REVERSED
    assert funds(acme) == eur("100.00")  # refunded in full: the price it paid
    assert owed(ana) == eur("0.40") and available(ana) == eur("0.00")
    assert Transaction.objects.filter(kind="REWARD_ADVANCE_DEBT", subject_id=str(reward.pk)).exists()
    with pytest.raises(PayoutError, match="You owe"):
        payout_request(user=ana, amount=eur("10.00"), now=NOW + timedelta(days=2, hours=1))
    books_clean()

    # The next reward repays the debt as soon as it becomes available (advanced a day later).
    later = login(ana, beta, at=NOW + timedelta(days=3))
    with django_capture_on_commit_callbacks(execute=True):  # the repayment runs after the advance commits
        rewards_advance_due(now=NOW + timedelta(days=4, hours=1))
    assert later.user_amount == Decimal("0.80")
    assert owed(ana) == eur("0.00") and available(ana) == eur("0.40")
    books_clean()

    # At the end of the brand's hold only TikJoy's margin moves: she had the money already.
    reward_settle(reward_id=later.pk, now=later.available_at)
    later.refresh_from_db()
    assert later.status == RewardStatus.CONFIRMED and available(ana) == eur("0.40")
    books_clean()


def test_joyfast_money_left_in_the_balance_repays_a_reversal_at_once(
    make_consumer, make_merchant, make_campaign, earn_available, ops, django_capture_on_commit_callbacks
):
    ana = make_consumer()
    earn_available(ana, "3.00")
    subscribe(ana, "joyfast", at=NOW)
    acme = make_merchant("acme", funds="100.00")
    make_campaign(acme, rules=[login_rule(amount=Decimal("0.50"))])
    reward = login(ana, acme, at=NOW + timedelta(hours=1))
    rewards_advance_due(now=NOW + timedelta(hours=26))
    assert available(ana) == eur("1.41")

    with django_capture_on_commit_callbacks(execute=True):
        reward_reverse(
            reward_id=reward.pk, reason="Duplicate account", actor=ops, now=NOW + timedelta(days=2)
        )

    assert owed(ana) == eur("0.00") and available(ana) == eur("1.01")
    assert funds(acme) == eur("100.00")
    books_clean()


def test_a_reward_is_not_advanced_while_a_reason_to_reverse_it_is_known(
    make_consumer, make_merchant, make_campaign, earn_available, ops
):
    from rewards.services import user_ban

    ana = make_consumer()
    earn_available(ana, "3.00")
    subscribe(ana, "joyfast", at=NOW)
    acme = make_merchant("acme", funds="100.00")
    make_campaign(acme, rules=[login_rule(amount=Decimal("0.50"))])
    reward = login(ana, acme, at=NOW + timedelta(hours=1))
    user_ban(user=ana, reason="Fraud ring", actor=ops, now=NOW + timedelta(hours=2))

    assert rewards_advance_due(now=NOW + timedelta(hours=26)) == 0
    reward.refresh_from_db()
    assert reward.status == RewardStatus.REVERSED and reward.advanced_at is None
    assert owed(ana) == eur("0.00")
    books_clean()


def _wallet_reversed_box(client, user) -> str:
    client.force_login(user)
    page = client.get("/wallet/").content.decode().replace("&#x27;", "'")
    return page[page.index('id="reversed-heading"') : page.index('id="history-heading"')]


def test_the_wallet_says_a_reversed_joyfast_reward_had_reached_the_balance_and_was_taken_back(
    client,
    make_consumer,
    make_merchant,
    make_campaign,
    earn_available,
    ops,
    django_capture_on_commit_callbacks,
):
    ana = make_consumer()
    earn_available(ana, "3.00")
    subscribe(ana, "joyfast", at=NOW)
    acme = make_merchant("acme", funds="100.00")
    make_campaign(acme, rules=[login_rule(amount=Decimal("0.50"))])
    reward = login(ana, acme, at=NOW + timedelta(hours=1))
    rewards_advance_due(now=NOW + timedelta(hours=26))
    with django_capture_on_commit_callbacks(execute=True):
        reward_reverse(
            reward_id=reward.pk, reason="Duplicate account", actor=ops, now=NOW + timedelta(days=2)
        )

    box = _wallet_reversed_box(client, ana)

    assert "It never reached your available balance" not in box
    assert "made available early with JoyFast, then taken back" in box
    assert "takes the amount back from your available balance" in box
    assert "The others never reached" not in box


def test_the_wallet_says_a_reversed_reward_never_advanced_never_reached_the_balance(
    client, make_consumer, make_merchant, make_campaign, ops
):
    ana = make_consumer()
    acme = make_merchant("acme", funds="100.00")
    make_campaign(acme, rules=[login_rule(amount=Decimal("0.50"))])
    reward = login(ana, acme, at=NOW)
    reward_reverse(reward_id=reward.pk, reason="Duplicate account", actor=ops, now=NOW + timedelta(days=1))

    box = _wallet_reversed_box(client, ana)

    assert "A reversed reward goes back to the brand. It never reached your available balance." in box
    assert "JoyFast" not in box
