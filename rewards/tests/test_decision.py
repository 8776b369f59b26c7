"""The engine's one decision, unit tested without a database (unsaved model instances only)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from campaigns.models import ActionType, Campaign, RewardRule
from rewards.decision import Counts, Limits, Payment, Tally, decide
from rewards.models import ActionStatus, RewardKind

TODAY = date(2026, 11, 22)


def campaign(**fields) -> Campaign:
    values = {"pk": 1, "status": "ACTIVE", "currency": "EUR", "spent": Decimal("0.00")}
    values.update(fields)
    return Campaign(**values)


def rule(**fields) -> RewardRule:
    values = {
        "pk": 7,
        "action": ActionType.SHARE_VIDEO,
        "amount": Decimal("1.00"),
        "per_1000_views": Decimal("0.25"),
        "per_like": Decimal("0.01"),
        "per_comment": Decimal("0.02"),
        "per_share": Decimal("0.05"),
        "max_per_post": Decimal("10.00"),
        "rewards_paid": 0,
    }
    values.update(fields)
    return RewardRule(**values)


def payment(**fields) -> Payment:
    values = {
        "kind": RewardKind.ACTION,
        "campaign": campaign(),
        "rule": rule(),
        "limits": Limits(),
        "tally": Tally(),
        "today": TODAY,
        "returning": False,
        "user_share": Decimal("0.80"),
        "hold_threshold": 60,
    }
    values.update(fields)
    return Payment(**values)


def engagement(views=0, likes=0, comments=0, shares=0, **fields) -> Payment:
    return payment(kind=RewardKind.ENGAGEMENT, counts=Counts(views, likes, comments, shares), **fields)


def test_an_action_pays_the_rule_amount_split_between_the_person_and_the_platform():
    decision = decide(payment())

    assert (decision.status, decision.price, decision.user_amount, decision.margin) == (
        ActionStatus.REWARDED,
        Decimal("1.00"),
        Decimal("0.80"),
        Decimal("0.20"),
    )
    assert decision.calculation == {
        "rule": 7,
        "user": "NEW",
        "multiplier": "1.00",
        "risk": [],
        "amount": "1.00",
    }


def test_a_returning_person_gets_the_returning_multiplier_capped_by_the_platform_maximum():
    decision = decide(
        payment(
            campaign=campaign(returning_user_multiplier=Decimal("3.00")),
            limits=Limits(max_reward=Decimal("2.50")),
            returning=True,
        )
    )

    assert decision.price == Decimal("2.50")
    assert decision.calculation["user"] == "RETURNING" and decision.calculation["capped_at"] == "2.50"


def test_an_action_that_does_not_fit_the_persons_cap_is_refused_but_engagement_is_cut_to_it():
    capped = campaign(user_campaign_cap=Decimal("1.50"))
    tally = Tally(total=Decimal("1.00"))

    action = decide(payment(campaign=capped, tally=tally))
    grown = decide(engagement(views=8_000, campaign=capped, tally=tally))

    assert (action.status, action.pays) == (ActionStatus.INELIGIBLE, False)
    assert "limit per person" in action.detail
    assert (grown.price, grown.calculation["capped_by"]) == (Decimal("0.50"), "user cap")


def test_the_daily_cap_counts_only_today():
    daily = campaign(user_daily_cap=Decimal("1.00"))

    yesterday = decide(
        payment(campaign=daily, tally=Tally(day_date=date(2026, 11, 21), day_total=Decimal("1.00")))
    )
    today = decide(payment(campaign=daily, tally=Tally(day_date=TODAY, day_total=Decimal("1.00"))))

    assert yesterday.pays and not today.pays


def test_the_rule_stops_paying_after_its_maximum_number_of_rewards():
    assert not decide(payment(rule=rule(max_rewards=3, rewards_paid=3))).pays
    assert decide(payment(rule=rule(max_rewards=3, rewards_paid=2))).pays


def test_a_campaign_that_is_not_running_pays_nothing():
    decision = decide(payment(campaign=campaign(status="PAUSED", pause_reason="MERCHANT")))

    assert (decision.status, decision.reason) == (ActionStatus.INELIGIBLE, "CAMPAIGN_PAUSED")
    assert decision.detail == "The campaign was paused by your team when this happened."


def test_an_action_beyond_the_budget_is_refused_and_pauses_while_one_that_uses_it_up_is_paid_and_pauses():
    over = decide(payment(campaign=campaign(budget=Decimal("10.00"), spent=Decimal("9.50"))))
    exact = decide(payment(campaign=campaign(budget=Decimal("10.00"), spent=Decimal("9.00"))))

    assert (over.status, over.pays, over.pause) == (ActionStatus.UNFUNDED, False, "BUDGET")
    assert (exact.status, exact.price, exact.pause) == (ActionStatus.REWARDED, Decimal("1.00"), "BUDGET")


def test_engagement_pays_what_the_post_earns_beyond_what_it_earned_before():
    decision = decide(engagement(views=4_000, likes=10, earned_before=Decimal("0.60")))

    # 4 x 0.25 + 10 x 0.01 = 1.10 earned in all, 0.60 before
    assert decision.price == Decimal("0.50")
    assert decision.calculation["post_earns"] == "1.10"
    assert decision.calculation["earned_before"] == "0.60"
    assert decision.calculation["counts"] == {"views": 4_000, "likes": 10, "comments": 0, "shares": 0}
    assert decision.calculation["rates"]["per_1000_views"] == "0.25"


def test_the_multiplier_never_lifts_a_post_above_its_maximum():
    decision = decide(
        engagement(
            views=10_000_000,
            campaign=campaign(new_user_multiplier=Decimal("2.00")),
            limits=Limits(max_per_post=Decimal("8.00")),
        )
    )

    assert decision.price == Decimal("8.00")


def test_engagement_is_cut_to_the_budget_left_and_pauses_the_campaign():
    decision = decide(
        engagement(views=8_000, campaign=campaign(budget=Decimal("5.00"), spent=Decimal("4.25")))
    )

    assert (decision.price, decision.pause, decision.calculation["capped_by"]) == (
        Decimal("0.75"),
        "BUDGET",
        "budget",
    )


def test_engagement_too_small_to_give_the_person_a_cent_waits():
    decision = decide(engagement(views=40))  # 0.01, of which 80 % rounds down to 0.00

    assert not decision.pays and decision.status == ActionStatus.REWARDED


def test_risk_at_the_threshold_holds_and_a_held_share_holds_its_engagement():
    risky = decide(
        payment(risk_score=60, risk_signals=[{"code": "SHARED_DEVICE", "weight": 60, "detail": "x"}])
    )
    held_share = decide(engagement(views=4_000, already_held=True))

    assert (risky.held, risky.status) == (True, ActionStatus.HELD)
    assert risky.calculation["risk"][0]["code"] == "SHARED_DEVICE"
    assert held_share.held


@given(
    amount=st.decimals(min_value=0, max_value=1000, places=2),
    share=st.decimals(min_value=0, max_value=1, places=2),
    multiplier=st.decimals(min_value=Decimal("0.01"), max_value=5, places=2),
    spent=st.decimals(min_value=0, max_value=100, places=2),
)
def test_a_decision_never_pays_beyond_the_budget_and_always_splits_exactly(amount, share, multiplier, spent):
    decision = decide(
        payment(
            rule=rule(amount=amount, action=ActionType.TIKTOK_LOGIN),
            campaign=campaign(budget=Decimal("100.00"), spent=spent, new_user_multiplier=multiplier),
            user_share=share,
        )
    )

    if decision.pays:
        assert decision.price <= Decimal("100.00") - spent
        assert decision.user_amount + decision.margin == decision.price
        assert decision.user_amount > 0 and decision.margin >= 0


@pytest.mark.parametrize("kind", [RewardKind.ACTION, RewardKind.ENGAGEMENT])
def test_both_kinds_record_the_multiplier_and_risk_in_the_calculation(kind):
    decision = decide(payment(kind=kind, counts=Counts(views=4_000)))

    assert {"rule", "user", "multiplier", "risk"} <= set(decision.calculation)
