"""JoyPlus's bonus never comes from the merchant and never exceeds TikJoy's margin (no database)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from moneyed import Money

from campaigns.models import ActionType
from rewards.decision import decide
from rewards.tests.test_decision import campaign, payment, rule
from subscriptions.benefits import Benefits, PlanApplied, plan_bonus, terms_for
from wallets.money import Currency, is_at_precision

NOW = datetime(2026, 11, 22, 12, 0, tzinfo=UTC)
rates = st.decimals(min_value=0, max_value=1, places=4)
relaxed = settings(suppress_health_check=[HealthCheck.too_slow], deadline=None)


def joyplus(rate="0.25", cap="1", subscription_id=3) -> PlanApplied:
    return PlanApplied(
        subscription_id, "JoyPlus", Decimal(rate), Decimal(cap), None, NOW + timedelta(days=30)
    )


def joyfast(hours=24, subscription_id=4) -> PlanApplied:
    return PlanApplied(subscription_id, "JoyFast", Decimal(0), Decimal(1), hours, NOW + timedelta(days=30))


@relaxed
@given(
    share=st.decimals(min_value=0, max_value=10_000, places=2),
    margin=st.decimals(min_value=0, max_value=10_000, places=2),
    rate=rates,
    cap=rates,
    currency=st.sampled_from(Currency.values),
)
def test_the_bonus_is_never_more_than_the_part_of_the_margin_the_plan_may_take(
    share, margin, rate, cap, currency
):
    bonus = plan_bonus(
        user_amount=Money(share, currency), margin=Money(margin, currency), bonus_rate=rate, margin_cap=cap
    )

    assert Decimal(0) <= bonus.amount <= margin * cap <= margin
    assert bonus.amount <= share * rate
    assert is_at_precision(bonus) and str(bonus.currency) == currency


@relaxed
@given(
    amount=st.decimals(min_value=Decimal("0.01"), max_value=1000, places=2),
    user_share=st.decimals(min_value=0, max_value=1, places=4),
    rate=rates,
    cap=rates,
    currency=st.sampled_from(Currency.values),
)
def test_a_decision_with_joyplus_keeps_the_merchants_price_and_takes_the_bonus_from_the_margin(
    amount, user_share, rate, cap, currency
):
    base = payment(
        rule=rule(amount=amount, action=ActionType.TIKTOK_LOGIN),
        campaign=campaign(currency=currency),
        user_share=user_share,
    )
    plain = decide(base)
    plus = decide(
        payment(
            rule=rule(amount=amount, action=ActionType.TIKTOK_LOGIN),
            campaign=campaign(currency=currency),
            user_share=user_share,
            benefits=Benefits((joyplus(rate, cap),)),
        )
    )

    assert plus.pays == plain.pays
    if plus.pays:
        assert plus.price == plain.price  # the merchant pays what it would pay without the plan
        assert plus.user_amount + plus.margin == plus.price
        assert plus.bonus == plus.user_amount - plain.user_amount == plain.margin - plus.margin
        assert Decimal(0) <= plus.bonus <= plain.margin  # never more than TikJoy's margin
        assert plus.margin >= 0
        assert rate == 0 or plus.calculation["plans"][0]["benefit"] == "BONUS"


def test_joyplus_adds_a_quarter_of_the_share_and_says_why():
    decision = decide(
        payment(
            rule=rule(amount=Decimal("1.00"), action=ActionType.TIKTOK_LOGIN), benefits=Benefits((joyplus(),))
        )
    )

    assert (decision.price, decision.user_amount, decision.margin, decision.bonus) == (
        Decimal("1.00"),
        Decimal("1.00"),
        Decimal("0.00"),
        Decimal("0.20"),
    )
    [plan] = decision.calculation["plans"]
    assert plan["plan"] == "JoyPlus" and plan["bonus"] == "0.20"
    assert "from TikJoy's margin (0.20)" in plan["why"]


def test_a_bonus_cut_by_the_margin_says_so():
    decision = decide(
        payment(
            rule=rule(amount=Decimal("1.00"), action=ActionType.TIKTOK_LOGIN),
            user_share=Decimal("0.95"),
            benefits=Benefits((joyplus(),)),
        )
    )

    assert (decision.user_amount, decision.margin, decision.bonus) == (
        Decimal("1.00"),
        Decimal("0.00"),
        Decimal("0.05"),
    )
    assert "cut to what TikJoy's margin (0.05) allows" in decision.calculation["plans"][0]["why"]


def test_joyfast_sets_an_early_availability_only_when_it_is_earlier_than_the_hold():
    fast = Benefits((joyfast(24),))
    early = decide(payment(benefits=fast, now=NOW, available_at=NOW + timedelta(days=14)))
    short_hold = decide(payment(benefits=fast, now=NOW, available_at=NOW + timedelta(hours=2)))

    assert early.advance_at == NOW + timedelta(hours=24)
    assert "advanced by TikJoy" in early.calculation["plans"][0]["why"]
    assert short_hold.advance_at is None
    assert short_hold.calculation["plans"][0]["why"] == "not applied: this reward's own hold ends sooner"


def test_with_both_plans_the_decision_records_both():
    decision = decide(
        payment(benefits=Benefits((joyplus(), joyfast())), now=NOW, available_at=NOW + timedelta(days=14))
    )

    assert [p["benefit"] for p in decision.calculation["plans"]] == ["BONUS", "FAST"]
    assert decision.bonus > 0 and decision.advance_at is not None


def test_the_rules_state_where_the_bonus_comes_from_and_what_a_reversal_costs():
    text = " ".join(
        terms_for(
            name="JoyPlus",
            monthly_fee=Money("2.99", "EUR"),
            bonus_rate=Decimal("0.25"),
            bonus_margin_cap=Decimal("1"),
            fast_hold_hours=24,
        )
    )

    assert "25% more on every reward" in text
    assert "from its own margin" in text and "never from the brand's money" in text
    assert "after 1 day" in text and "you owe the amount back" in text and "payouts to your bank wait" in text


def test_a_fast_plans_rules_say_what_deleting_the_account_does_to_advanced_money():
    fast = " ".join(
        terms_for(
            name="JoyFast",
            monthly_fee=Money("1.99", "EUR"),
            bonus_rate=Decimal("0"),
            bonus_margin_cap=Decimal("1"),
            fast_hold_hours=24,
        )
    )
    bonus_only = " ".join(
        terms_for(
            name="JoyPlus",
            monthly_fee=Money("2.99", "EUR"),
            bonus_rate=Decimal("0.25"),
            bonus_margin_cap=Decimal("1"),
            fast_hold_hours=None,
        )
    )

    assert "If you delete your account" in fast and "TikJoy writes off whatever it can't cover" in fast
    assert "You never owe anything after your account is deleted." in fast
    assert "delete your account" not in bonus_only
