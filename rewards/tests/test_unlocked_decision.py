"""An action's payment is decided on the campaign, its rule and the person's tally as read before any
lock, and moves their counters only while they are where that decision needs them
(``rewards.services._evaluate``'s "unlocked", docs/benchmarks.md "latelock"). Real threads on
PostgreSQL: whatever commits between the read and the payment's counters (an edit of the rule, a
pause, other people's payments taking the budget) makes the action be decided again on the locked
rows, as if it had come after it; the books stay clean."""

import threading
from datetime import date
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.db import connection
from django.db.models import F

from campaigns import services as campaign_services
from campaigns.models import ActionType, Campaign, CampaignStatus, PauseReason, RewardRule
from merchants.models import Merchant
from rewards import services as S
from rewards.models import ActionStatus, CampaignDay, Reward, RewardStatus, SocialAction, UserCampaignTally
from rewards.reasons import Reason
from rewards.tests.conftest import NOW, books_are_clean, login_rule, owner_of

pytestmark = pytest.mark.django_db(transaction=True)


def _meanwhile(monkeypatch, change) -> list[bool]:
    """Run ``change`` in another connection, committed, just before the first payment decided on
    unlocked rows moves its counters; returns what each guarded counters statement answered."""
    real = S._counters_add_guarded
    answers: list[bool] = []
    started = threading.Event()

    def counters(**kwargs):
        if not started.is_set():
            started.set()
            errors = []

            def run():
                try:
                    change()
                except Exception as exc:  # reported below
                    errors.append(repr(exc))
                finally:
                    connection.close()

            other = threading.Thread(target=run)
            other.start()
            other.join(30)
            assert not other.is_alive(), "the change waited on the payment: it holds a lock it should not"
            assert not errors, errors
        answers.append(real(**kwargs))
        return answers[-1]

    monkeypatch.setattr(S, "_counters_add_guarded", counters)
    return answers


def _sign_in(user, merchant):
    return S.action_record(user=user, merchant=merchant, action_type=ActionType.TIKTOK_LOGIN, now=NOW)


def test_a_rule_edited_after_the_read_is_the_rule_that_pays(
    monkeypatch, make_merchant, make_campaign, make_consumer, capsys
):
    merchant = make_merchant()
    campaign = make_campaign(merchant, rules=[login_rule()])
    answers = _meanwhile(
        monkeypatch,
        lambda: campaign_services.campaign_update(
            campaign=Campaign.objects.select_related("merchant").get(pk=campaign.pk),
            actor=owner_of(merchant),
            changes={},
            rules=[login_rule(amount=Decimal("0.80"))],
        ),
    )

    action = _sign_in(make_consumer("Ana"), merchant)

    assert answers == [False], "the counters of the rule as it was read were moved"
    assert action.status == ActionStatus.REWARDED
    reward = Reward.objects.get()
    assert (reward.merchant_price, reward.rule_id) == (Decimal("0.80"), RewardRule.objects.get().pk)
    rule = RewardRule.objects.get()
    assert (rule.rewards_paid, rule.spent) == (1, Decimal("0.80"))
    campaign.refresh_from_db()
    assert campaign.spent == Decimal("0.80")
    books_are_clean(capsys)


def test_a_campaign_paused_after_the_read_pays_nothing(
    monkeypatch, make_merchant, make_campaign, make_consumer, capsys
):
    merchant = make_merchant()
    campaign = make_campaign(merchant, rules=[login_rule()])
    _meanwhile(
        monkeypatch,
        lambda: campaign_services.campaign_pause(
            campaign=Campaign.objects.select_related("merchant").get(pk=campaign.pk), actor=owner_of(merchant)
        ),
    )

    action = _sign_in(make_consumer("Ana"), merchant)

    assert (action.status, action.reason) == (ActionStatus.INELIGIBLE, Reason.CAMPAIGN_PAUSED)
    assert not Reward.objects.exists()
    campaign.refresh_from_db()
    assert (campaign.status, campaign.spent) == (CampaignStatus.PAUSED, Decimal("0.00"))
    books_are_clean(capsys)


def test_payments_that_take_the_budget_after_the_read_leave_the_last_payment_to_the_locked_decision(
    monkeypatch, make_merchant, make_campaign, make_consumer, capsys
):
    """Budget 1.50, 0.50 a sign-in. Read with nothing spent, Ana's payment fits (it needs less than
    1.00 spent); Ben's and Cleo's are paid meanwhile (1.00 spent): hers is decided again on the locked
    campaign, which it uses up: paid, and the campaign pauses for its budget."""
    merchant = make_merchant()
    campaign = make_campaign(merchant, rules=[login_rule()], budget=Decimal("1.50"))
    ben, cleo = make_consumer("Ben"), make_consumer("Cleo")

    def two_others():
        for person in (ben, cleo):
            assert _sign_in(person, merchant).status == ActionStatus.REWARDED

    answers = _meanwhile(monkeypatch, two_others)

    ana = make_consumer("Ana")
    action = _sign_in(ana, merchant)

    # Ben's and Cleo's were decided unlocked too (their counters moved first), then Ana's was not.
    assert answers == [True, True, False]
    assert action.status == ActionStatus.REWARDED
    assert Reward.objects.get(user=ana).merchant_price == Decimal("0.50")
    campaign.refresh_from_db()
    assert campaign.spent == Decimal("1.50")
    assert (campaign.status, campaign.pause_reason) == (CampaignStatus.PAUSED, PauseReason.BUDGET)
    books_are_clean(capsys)


def test_a_payment_whose_counters_still_fit_is_paid_as_decided(
    monkeypatch, make_merchant, make_campaign, make_consumer, capsys
):
    """Budget 1.50: one payment meanwhile (0.50 spent) leaves Ana's within its bound (below 1.00):
    paid on the rows as read, the campaign still live."""
    merchant = make_merchant()
    campaign = make_campaign(merchant, rules=[login_rule()], budget=Decimal("1.50"))
    ben = make_consumer("Ben")
    answers = _meanwhile(monkeypatch, lambda: _sign_in(ben, merchant))

    action = _sign_in(make_consumer("Ana"), merchant)

    assert answers == [True, True]
    assert action.status == ActionStatus.REWARDED
    campaign.refresh_from_db()
    assert (campaign.spent, campaign.status) == (Decimal("1.00"), CampaignStatus.ACTIVE)
    assert SocialAction.objects.filter(status=ActionStatus.REWARDED).count() == 2
    assert set(Reward.objects.values_list("status", flat=True)) == {RewardStatus.PENDING}
    books_are_clean(capsys)


def test_a_rule_changed_alone_after_the_read_is_the_rule_that_pays(
    monkeypatch, make_merchant, make_campaign, make_consumer, capsys
):
    """The rule's own columns are compared, not only the campaign's version: its amount changed with
    nothing else (the campaign's row untouched) is the amount paid."""
    merchant = make_merchant()
    campaign = make_campaign(merchant, rules=[login_rule()])
    rule = RewardRule.objects.get(campaign=campaign)
    answers = _meanwhile(
        monkeypatch, lambda: RewardRule.objects.filter(pk=rule.pk).update(amount=Decimal("0.70"))
    )

    _sign_in(make_consumer("Ana"), merchant)

    assert answers == [False]
    assert Reward.objects.get().merchant_price == Decimal("0.70")
    books_are_clean(capsys)


def test_a_rule_s_last_rewards_taken_after_the_read_refuse_the_payment(
    monkeypatch, make_merchant, make_campaign, make_consumer, capsys
):
    """At most 2 sign-ins paid: Ana's was read with none paid; Ben's and Cleo's are paid meanwhile."""
    merchant = make_merchant()
    make_campaign(merchant, rules=[login_rule(max_rewards=2)])
    ben, cleo = make_consumer("Ben"), make_consumer("Cleo")
    answers = _meanwhile(monkeypatch, lambda: [_sign_in(person, merchant) for person in (ben, cleo)])

    action = _sign_in(make_consumer("Ana"), merchant)

    assert answers == [True, True, False]
    assert (action.status, action.reason) == (ActionStatus.INELIGIBLE, Reason.RULE_LIMIT_REACHED)
    assert Reward.objects.count() == 2
    assert RewardRule.objects.get().rewards_paid == 2
    books_are_clean(capsys)


def test_the_person_s_tally_moved_after_the_read_is_the_tally_the_cap_measures(
    monkeypatch, make_merchant, make_campaign, make_consumer, capsys
):
    """A cap of 1.00 per person. Ana earned 0.50 (a like); her sign-in (0.50) was read with room for
    it. Her tally grows by 0.50 meanwhile (written here directly, as a path of the engine would): the
    sign-in is decided again on the locked tally, which has no room left."""
    merchant = make_merchant()
    campaign = make_campaign(
        merchant,
        rules=[login_rule(), {"action": "LIKE", "is_enabled": True, "amount": Decimal("0.50")}],
        user_campaign_cap=Decimal("1.00"),
    )
    ana = make_consumer("Ana")
    assert S.action_record(user=ana, merchant=merchant, action_type="LIKE", now=NOW).status == (
        ActionStatus.REWARDED
    )
    answers = _meanwhile(
        monkeypatch,
        lambda: UserCampaignTally.objects.filter(user=ana, campaign=campaign).update(
            total=F("total") + Decimal("0.50")
        ),
    )

    action = _sign_in(ana, merchant)

    assert answers == [False]
    assert (action.status, action.reason) == (ActionStatus.INELIGIBLE, Reason.PERSON_CAP_REACHED)
    assert Reward.objects.filter(user=ana).count() == 1
    capsys.readouterr()
    call_command("ledger_check")  # the tally was moved by hand: rewards_check would rightly say so
    assert "All invariants hold." in capsys.readouterr().out


def test_a_time_zone_changed_after_the_read_is_the_zone_the_payment_counts_in(
    monkeypatch, make_merchant, make_campaign, make_consumer, capsys
):
    """The caller's merchant (an API key's, kept for seconds) says UTC; the brand moved to Kiritimati
    (UTC+14) meanwhile: the payment counts on Kiritimati's day (23 November at noon UTC on the 22nd),
    as a payment decided on the locked campaign and its merchant does."""
    merchant = make_merchant()
    campaign = make_campaign(merchant, rules=[login_rule()])
    answers = _meanwhile(
        monkeypatch, lambda: Merchant.objects.filter(pk=merchant.pk).update(time_zone="Pacific/Kiritimati")
    )

    _sign_in(make_consumer("Ana"), merchant)  # the merchant object as it was, in UTC

    assert answers == [False]
    assert list(CampaignDay.objects.filter(campaign=campaign).values_list("day_date", "rewards")) == [
        (date(2026, 11, 23), 1)
    ]
    assert UserCampaignTally.objects.get(campaign=campaign).day_date == date(2026, 11, 23)
    books_are_clean(capsys)
