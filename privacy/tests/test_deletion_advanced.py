"""Deleting an account whose rewards JoyFast advanced, or that owes: nothing is owed by an erased account,
the brands get back what they paid for rewards still in their hold, TikJoy alone carries what the balance
can't repay, and the person is told first what they lose (docs/privacy.md, "Money the person had early,
and debts")."""

from __future__ import annotations

import re
from datetime import timedelta
from decimal import Decimal

import pytest
from django.urls import reverse
from moneyed import Money

from campaigns.models import ActionType
from payouts.models import Payout
from payouts.services import PayoutError, payout_request
from payouts.tests.conftest import add_bank_account, verify_identity
from privacy import services as privacy_services
from privacy.selectors import PAYOUT, deletion_plan_get
from privacy.services import DeletionRefused, account_delete
from rewards.models import Reward, RewardKind, RewardStatus
from rewards.services import (
    action_record,
    reward_advance,
    reward_settle,
    rewards_advance_due,
    rewards_settle_due,
    snapshot_process,
)
from rewards.tests.conftest import share, share_rule, snapshot
from subscriptions.models import Plan
from subscriptions.services import subscription_start
from subscriptions.tests import conftest as plans
from subscriptions.tests.conftest import NOW, available, books_clean, eur, login_rule, owed, pending
from tikjoy.tests.factories import response_text
from wallets.debts import debt_incur, debt_owed
from wallets.models import PLATFORM, Purpose, Transaction
from wallets.services import account_for, balance

pytestmark = pytest.mark.django_db

# The engine's fixtures on its clock, by the same names (as subscriptions' tests use them).
make_merchant, make_campaign, earn_available = plans.make_merchant, plans.make_campaign, plans.earn_available

HOUR = timedelta(hours=1)


def funds(merchant):
    return balance(account_for(owner=merchant, purpose=Purpose.MERCHANT_AVAILABLE, currency="EUR"))


def written_off():
    """TikJoy's losses: what it wrote off of erased people's debts and advances (minus)."""
    return -balance(account_for(owner=PLATFORM, purpose=Purpose.PLATFORM_WRITE_OFF, currency="EUR"))


def forfeited():
    return balance(account_for(owner=PLATFORM, purpose=Purpose.PLATFORM_REVENUE, currency="EUR"))


def joyfast(user, *, at):
    subscription_start(user=user, plan_id=Plan.objects.get(code="joyfast").pk, terms_accepted=True, now=at)


def engagement(post, *, views, at):
    return snapshot_process(snapshot_id=snapshot(post, views=views, at=at).pk, now=at)


def delete(user, *, at):
    plan = deletion_plan_get(user=user, now=at)
    assert not plan.refusal, plan.refusal
    return account_delete(user=user, confirmed=plan.fingerprint, now=at)


@pytest.fixture
def ana(make_consumer, earn_available, ops, settings):
    """Ana, with 12.00 available (a confirmed reward), identity and bank details past their hold."""
    settings.PAYOUTS_MIN_AMOUNT = Decimal("1.00")
    ana = make_consumer("Ana")
    earn_available(ana, "12.00", at=NOW - timedelta(days=4))
    verify_identity(ana, ops)
    add_bank_account(ana, now=NOW - timedelta(days=3))
    return ana


@pytest.fixture
def acme(make_merchant, make_campaign):
    acme = make_merchant("acme", funds="100.00")
    campaign = make_campaign(acme, rules=[share_rule(per_like=0, per_comment=0, per_share=0)])
    return acme, campaign


def test_a_shares_reversal_takes_its_advanced_engagement_with_it_and_no_debt_is_left(ana, acme):
    """The reviewer's case: a pending share (made before JoyFast) whose engagement JoyFast advanced,
    paid out, then the account deleted. The share's reversal takes its engagement rewards with it."""
    acme, campaign = acme
    post = share(ana, acme, campaign, now=NOW)  # 1.00: 0.80 to Ana, pending, not advanced
    joyfast(ana, at=NOW + HOUR)  # 1.99 from her balance: 10.01 available
    first = engagement(post, views=4_000, at=NOW + 2 * HOUR)  # 1.00 for 4,000 views: 0.80 to Ana
    assert first.advance_at == NOW + 26 * HOUR
    assert rewards_advance_due(now=NOW + 27 * HOUR) == 1
    second = engagement(post, views=8_000, at=NOW + 28 * HOUR)  # 1.00 more, waits for its advance
    assert (available(ana), pending(ana)) == (eur("10.81"), eur("1.60"))
    payout_request(user=ana, amount=eur("10.81"), now=NOW + 29 * HOUR)  # she withdraws it all
    assert funds(acme) == eur("97.00")
    books_clean()

    delete(ana, at=NOW + 30 * HOUR)

    statuses = dict(Reward.objects.filter(user=ana, merchant=acme).values_list("pk", "status"))
    assert set(statuses.values()) == {RewardStatus.REVERSED}
    first.refresh_from_db()
    assert first.kind == RewardKind.ENGAGEMENT and first.advanced_at is not None
    assert funds(acme) == eur("100.00")  # Acme paid for nothing it keeps: refunded in full
    assert owed(ana) == eur("0.00")  # no debt on an erased account
    assert (available(ana), pending(ana)) == (eur("0.00"), eur("0.00"))
    assert written_off() == eur("0.80")  # the advance she withdrew: TikJoy's risk, its loss
    assert Transaction.objects.filter(kind="DEBT_WRITTEN_OFF").count() == 1
    books_clean()

    # Nothing happens to anyone's money later: the rewards are decided.
    rewards_settle_due(now=NOW + timedelta(days=30))
    assert (funds(acme), owed(ana), written_off()) == (eur("100.00"), eur("0.00"), eur("0.80"))
    books_clean()
    del second


def test_an_advanced_share_is_reversed_at_deletion_not_later_against_an_erased_account(ana, acme):
    """JoyFast advanced the share itself; she keeps part of the advance in her balance. The advance is
    taken back from that balance, the rest (withdrawn) written off; the rest of the balance is paid out."""
    acme, campaign = acme
    joyfast(ana, at=NOW - HOUR)  # 10.01 available
    share(ana, acme, campaign, now=NOW)  # 0.80, advanced a day later
    assert rewards_advance_due(now=NOW + 25 * HOUR) == 1
    assert available(ana) == eur("10.81")
    payout_request(user=ana, amount=eur("10.41"), now=NOW + 26 * HOUR)  # 0.40 stays available
    plan = deletion_plan_get(user=ana, now=NOW + 27 * HOUR)
    assert [(a.taken_back, a.written_off) for a in plan.repayments] == [(eur("0.40"), eur("0.40"))]
    assert plan.balances == []  # nothing left to pay out or forfeit

    delete(ana, at=NOW + 27 * HOUR)

    assert Reward.objects.get(user=ana, merchant=acme).status == RewardStatus.REVERSED
    assert funds(acme) == eur("100.00")
    assert (available(ana), owed(ana), written_off()) == (eur("0.00"), eur("0.00"), eur("0.40"))
    books_clean()
    # Before this rule the share stayed pending; its post, no longer synced, was found "gone" at the
    # end of the hold and the reversal put a debt on the erased account.
    rewards_settle_due(now=NOW + timedelta(days=30))
    assert (funds(acme), owed(ana), written_off()) == (eur("100.00"), eur("0.00"), eur("0.40"))
    books_clean()


def test_pending_rewards_and_an_available_balance_the_plain_case(ana, acme):
    """No JoyFast, no debt: the pending share and its engagement go back to Acme, the balance is paid out,
    nothing is taken back or written off."""
    acme, campaign = acme
    post = share(ana, acme, campaign, now=NOW)
    engagement(post, views=4_000, at=NOW + 2 * HOUR)
    plan = deletion_plan_get(user=ana, now=NOW + 3 * HOUR)
    assert plan.repayments == []
    assert [(b.fate, b.amount) for b in plan.balances] == [(PAYOUT, eur("12.00"))]
    assert [(r.status, r.count, r.amounts) for r in plan.to_reverse] == [("PENDING", 2, [eur("1.60")])]

    result = delete(ana, at=NOW + 3 * HOUR)

    assert result.paid_out == [eur("12.00")] and result.written_off == [] and result.taken_back == []
    assert funds(acme) == eur("100.00")
    assert (available(ana), pending(ana), owed(ana), written_off()) == (
        eur("0"),
        eur("0"),
        eur("0"),
        eur("0"),
    )
    assert Payout.objects.get(owner_id=ana.pk).money == eur("12.00")
    books_clean()


def test_a_debt_the_person_already_had_is_repaid_from_the_balance_before_the_rest_is_paid_out(ana, acme):
    acme, _campaign = acme
    owe(ana, acme, "5.00")
    plan = deletion_plan_get(user=ana, now=NOW)
    [repayment] = plan.repayments
    assert (repayment.owed, repayment.taken_back, repayment.written_off) == (
        eur("5.00"),
        eur("5.00"),
        eur("0"),
    )
    assert [(b.fate, b.amount) for b in plan.balances] == [(PAYOUT, eur("7.00"))]

    result = delete(ana, at=NOW)

    assert result.paid_out == [eur("7.00")] and result.written_off == []
    assert Payout.objects.get(owner_id=ana.pk).money == eur("7.00")
    assert (available(ana), owed(ana), written_off()) == (eur("0"), eur("0"), eur("0"))
    assert funds(acme) == eur("105.00")  # paid when the debt arose, as before
    books_clean()


def test_a_debt_larger_than_the_balance_is_written_off_by_tikjoy_for_the_rest(ana, acme):
    acme, _campaign = acme
    owe(ana, acme, "15.00")
    plan = deletion_plan_get(user=ana, now=NOW)
    [repayment] = plan.repayments
    assert (repayment.taken_back, repayment.written_off) == (eur("12.00"), eur("3.00"))
    assert plan.balances == []

    result = delete(ana, at=NOW)

    assert result.paid_out == [] and result.forfeited == [] and result.written_off == [eur("3.00")]
    assert (available(ana), owed(ana), written_off()) == (eur("0"), eur("0"), eur("3.00"))
    books_clean()


def test_the_page_tells_the_person_what_is_taken_back_and_written_off_before_they_confirm(client, ana, acme):
    acme, campaign = acme
    joyfast(ana, at=NOW - HOUR)
    share(ana, acme, campaign, now=NOW)
    rewards_advance_due(now=NOW + 25 * HOUR)
    payout_request(user=ana, amount=eur("10.41"), now=NOW + 26 * HOUR)
    client.force_login(ana)

    page = " ".join(re.sub(r"<[^>]+>", " ", response_text(client.get(reverse("privacy:delete")))).split())

    assert (
        "1 reward made available early with JoyFast (€0.80) goes back to the brand too: it was still in "
        "the brand's hold, and TikJoy had advanced it to you." in page
    )
    assert (
        "Your available balance pays back €0.40, and TikJoy writes off the other €0.40: you owe nothing."
        in page
    )
    assert "Your available balance of" not in page  # nothing is left to pay out or forfeit
    assert "pending reward" not in page  # the advanced one is said once, above


def owe(user, merchant, amount: str) -> None:
    """The person owes ``amount`` (a commission adjusted after it was paid out, say)."""
    debt_incur(
        owner=user,
        creditor=account_for(owner=merchant, purpose=Purpose.MERCHANT_AVAILABLE, currency="EUR"),
        amount=eur(amount),
        reason="Commission adjusted after it was paid out",
        idempotency_key=f"test-debt:{user.pk}",
        now=NOW - HOUR,
    )


def test_a_deletion_retried_after_it_failed_halfway_pays_nothing_twice(ana, acme, monkeypatch):
    acme, campaign = acme
    post = share(ana, acme, campaign, now=NOW)
    joyfast(ana, at=NOW + HOUR)
    engagement(post, views=4_000, at=NOW + 2 * HOUR)
    rewards_advance_due(now=NOW + 27 * HOUR)
    assert available(ana) == eur("10.81")
    at = NOW + 28 * HOUR
    [planned] = deletion_plan_get(user=ana, now=at).balances
    assert (planned.fate, planned.amount) == (PAYOUT, eur("10.01"))  # the advance (0.80) is kept back

    def crash(**kwargs):
        raise RuntimeError("the machine stopped")

    monkeypatch.setattr("privacy.services.user_erase", crash)
    with pytest.raises(RuntimeError):
        delete(ana, at=at)  # paid out and reversed (their own transactions), nothing erased
    monkeypatch.undo()
    assert (available(ana), owed(ana)) == (eur("0.80"), eur("0.80"))
    plan = deletion_plan_get(user=ana, now=at)
    assert plan.balances == [] and plan.to_reverse == []
    assert [(r.owed, r.taken_back, r.written_off) for r in plan.repayments] == [
        (eur("0.80"), eur("0.80"), eur("0"))
    ]

    delete(ana, at=at)
    with pytest.raises(DeletionRefused):  # the same confirmation again, from the page left open
        account_delete(user=ana, confirmed=plan.fingerprint, now=at)
    ana.refresh_from_db()
    with pytest.raises(DeletionRefused, match="already deleted"):
        account_delete(user=ana, confirmed=deletion_plan_get(user=ana, now=at).fingerprint, now=at)

    assert [p.money for p in Payout.objects.filter(owner_id=ana.pk)] == [eur("10.01")]
    assert (available(ana), owed(ana), written_off()) == (eur("0"), eur("0"), eur("0"))
    assert funds(acme) == eur("100.00")
    books_clean()


def test_review_a_usd_debt_written_off_does_not_stop_the_euro_payout_the_page_promised(ana, acme, client):
    """A debt in another currency, with no balance there to repay it: the page says TikJoy writes it off
    and the euro balance is paid out; the payout made by the deletion isn't refused for that debt."""
    acme, _campaign = acme
    debt_incur(
        owner=ana,
        creditor=account_for(owner=acme, purpose=Purpose.MERCHANT_AVAILABLE, currency="USD"),
        amount=Money(Decimal("5.00"), "USD"),
        reason="an advanced USD reward reversed after its money was spent",
        idempotency_key=f"review-usd-debt:{ana.pk}",
        now=NOW,
    )
    plan = deletion_plan_get(user=ana, now=NOW)
    [usd] = plan.repayments
    assert usd.written_off == Money(Decimal("5.00"), "USD")
    [balance_] = plan.balances
    assert (balance_.fate, balance_.amount) == (PAYOUT, eur("12.00"))
    client.force_login(ana)
    page = " ".join(re.sub(r"<[^>]+>", " ", response_text(client.get(reverse("privacy:delete")))).split())
    assert "you owe nothing" in page and "is paid out" in page
    response = client.post(reverse("privacy:delete"), {"confirmed": plan.fingerprint, "understood": "on"})
    assert response.status_code == 302

    ana.refresh_from_db()
    assert ana.deleted_at is not None
    assert Payout.objects.get(owner_id=ana.pk).money == eur("12.00")
    assert debt_owed(owner=ana, currency="USD") == Money(0, "USD")
    loss = account_for(owner=PLATFORM, purpose=Purpose.PLATFORM_WRITE_OFF, currency="USD")
    assert balance(loss) == Money(Decimal("-5.00"), "USD")
    books_clean()


def test_a_debt_the_deletion_does_not_write_off_still_stops_its_payout(ana, acme, monkeypatch):
    """Only what the plan writes off is let through: a debt that arises during the deletion, after the
    plan was read (here in dollars, the plan saying nothing of it), stops the payout; nothing is erased."""
    acme, _campaign = acme
    plan = deletion_plan_get(user=ana, now=NOW)
    request = privacy_services.payout_request

    def debt_first(**kwargs):
        debt_incur(
            owner=ana,
            creditor=account_for(owner=acme, purpose=Purpose.MERCHANT_AVAILABLE, currency="USD"),
            amount=Money(Decimal("5.00"), "USD"),
            reason="a commission adjusted after it was paid out",
            idempotency_key=f"late-usd-debt:{ana.pk}",
            now=NOW,
        )
        return request(**kwargs)

    monkeypatch.setattr(privacy_services, "payout_request", debt_first)
    with pytest.raises(PayoutError, match="You owe"):
        account_delete(user=ana, confirmed=plan.fingerprint, now=NOW)
    ana.refresh_from_db()
    assert ana.deleted_at is None and not Payout.objects.filter(owner_id=ana.pk).exists()
    books_clean()


def test_a_joyfast_reward_confirmed_during_the_deletion_is_forfeited_with_that_reason(
    ana, make_merchant, make_campaign, monkeypatch
):
    """The plan keeps back 0.80 to repay an advance; the reward's hold ends (it is confirmed) between the
    plan and the last step, so it isn't reversed and the 0.80 is the person's after the payout. It is
    forfeited, and the ledger says why: not that it "arrived while the account was being deleted"."""
    joyfast(ana, at=NOW - HOUR)  # 10.01 available
    brand = make_merchant("brand", funds="100.00")
    make_campaign(brand, rules=[login_rule(amount=Decimal("1.00"))], hold_days=2)  # 0.80 to Ana
    reward = action_record(
        user=ana, merchant=brand, action_type=ActionType.TIKTOK_LOGIN, now=NOW
    ).rewards.get()
    reward_advance(reward_id=reward.pk, now=NOW + 25 * HOUR)
    at = reward.available_at + HOUR  # advanced, and its hold has just ended
    plan = deletion_plan_get(user=ana, now=at)
    assert [r.taken_back for r in plan.repayments] == [eur("0.80")]
    assert [(b.fate, b.amount) for b in plan.balances] == [(PAYOUT, eur("10.01"))]
    reverse_all = privacy_services.rewards_reverse_for_person

    def hold_ends_first(**kwargs):
        reward_settle(reward_id=reward.pk, now=at)  # the engine, between the payout and the reversals
        return reverse_all(**kwargs)

    monkeypatch.setattr(privacy_services, "rewards_reverse_for_person", hold_ends_first)
    result = account_delete(user=ana, confirmed=plan.fingerprint, now=at)

    reward.refresh_from_db()
    assert reward.status == RewardStatus.CONFIRMED
    assert (result.paid_out, result.forfeited, result.written_off) == ([eur("10.01")], [eur("0.80")], [])
    forfeit = Transaction.objects.get(kind="BALANCE_FORFEITED", subject_id=str(ana.pk))
    assert "a JoyFast reward confirmed during the deletion" in forfeit.reason
    assert "arrived while" not in forfeit.reason
    assert (available(ana), owed(ana)) == (eur("0"), eur("0"))
    books_clean()
