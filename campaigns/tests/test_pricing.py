from __future__ import annotations

from decimal import Decimal

import pytest
from django.utils import translation
from hypothesis import given
from hypothesis import strategies as st
from moneyed import Money

from campaigns import pricing
from campaigns.models import ActionType, Campaign, MerchantPricing, PricingPlan, RewardRule
from rewards.decision import Limits, action_price

prices = st.decimals(min_value=Decimal("0.00"), max_value=Decimal("99999999.99"), places=2)
shares = st.decimals(min_value=Decimal("0"), max_value=Decimal("1"), places=4)


@given(amount=prices, user_share=shares, currency=st.sampled_from(["EUR", "USD", "GBP"]))
def test_user_share_plus_margin_is_the_merchant_price_and_neither_is_negative(amount, user_share, currency):
    price = Money(amount, currency)

    user_amount, margin = pricing.split(price=price, user_share=user_share)

    assert user_amount + margin == price
    assert user_amount.amount >= 0
    assert margin.amount >= 0
    assert user_amount.amount <= amount * user_share  # rounded down, never up
    assert user_amount.amount == user_amount.amount.quantize(Decimal("0.01"))


def test_the_user_amount_is_rounded_down_to_the_cent():
    user_amount, margin = pricing.split(price=Money("0.25", "EUR"), user_share=Decimal("0.8333"))

    assert user_amount == Money("0.20", "EUR")  # 0.208325 rounded down
    assert margin == Money("0.05", "EUR")


@pytest.mark.parametrize(
    ("price", "share"),
    [
        (Money("0.255", "EUR"), Decimal("0.8")),
        (Money("-1.00", "EUR"), Decimal("0.8")),
        (Money("1", "EUR"), Decimal("1.1")),
    ],
)
def test_split_refuses_unrounded_or_negative_prices_and_shares_outside_0_to_1(price, share):
    with pytest.raises(ValueError):
        pricing.split(price=price, user_share=share)


def share_rule(**fields) -> RewardRule:
    values = {
        "action": ActionType.SHARE_VIDEO,
        "amount": Decimal("2.00"),
        "per_1000_views": Decimal("0.25"),
        "per_like": Decimal("0.01"),
        "per_comment": Decimal("0.02"),
        "per_share": Decimal("0.05"),
        "max_per_post": None,
    }
    values.update(fields)
    return RewardRule(**values)


def test_engagement_price_adds_the_rates_and_rounds_down():
    rule = share_rule()

    price = pricing.engagement_price(
        rule=rule, views=10_000, likes=300, comments=20, shares=5, currency="EUR"
    )

    # 10 x 0.25 + 300 x 0.01 + 20 x 0.02 + 5 x 0.05 = 2.50 + 3.00 + 0.40 + 0.25
    assert price == Money("6.15", "EUR")


def test_engagement_price_rounds_fractions_of_a_cent_down():
    rule = share_rule(per_like=Decimal("0"), per_comment=Decimal("0"), per_share=Decimal("0"))

    assert pricing.engagement_price(
        rule=rule, views=1_999, likes=0, comments=0, shares=0, currency="EUR"
    ) == Money("0.49", "EUR")


def test_engagement_price_stops_at_the_rules_maximum_per_post():
    rule = share_rule(max_per_post=Decimal("5.00"))

    price = pricing.engagement_price(
        rule=rule, views=1_000_000, likes=0, comments=0, shares=0, currency="EUR"
    )

    assert price == Money("5.00", "EUR")


@given(
    views=st.integers(0, 10**9),
    likes=st.integers(0, 10**7),
    comments=st.integers(0, 10**6),
    shares=st.integers(0, 10**6),
    share=shares,
)
def test_an_example_quote_never_pays_the_user_more_than_the_merchant_pays(
    views, likes, comments, shares, share
):
    rule = share_rule(max_per_post=Decimal("500.00"))

    quote = pricing.example_post_quote(
        rule=rule,
        user_share=share,
        currency="EUR",
        views=views,
        likes=likes,
        comments=comments,
        shares=shares,
    )

    assert quote["user_amount"] + quote["margin"] == quote["merchant_price"]
    assert quote["margin"].amount >= 0
    assert quote["engagement"].amount <= Decimal("500.00")


def test_the_example_post_quote_matches_the_documented_example():
    quote = pricing.example_post_quote(rule=share_rule(), user_share=Decimal("0.8000"), currency="EUR")

    assert quote["merchant_price"] == Money("8.15", "EUR")  # 2.00 fixed + 6.15 engagement
    assert quote["user_amount"] == Money("6.52", "EUR")  # 1.60 + 4.92
    assert quote["margin"] == Money("1.63", "EUR")


@pytest.mark.django_db
def test_a_merchant_without_a_plan_gets_the_default_plan_and_an_assigned_plan_wins(make_merchant):
    merchant = make_merchant("acme")
    assert pricing.plan_for(merchant).is_default

    premium = PricingPlan.objects.create(name="Premium", user_share=Decimal("0.9000"))
    MerchantPricing.objects.create(merchant=merchant, plan=premium)

    assert pricing.plan_for(merchant) == premium


@pytest.mark.django_db
def test_only_one_plan_can_be_the_default():
    from django.db import IntegrityError

    with pytest.raises(IntegrityError):
        PricingPlan.objects.create(name="Another", user_share=Decimal("0.5"), is_default=True)


@given(
    amount=st.decimals(min_value=0, max_value=1000, places=2),
    multiplier=st.decimals(min_value=Decimal("0.01"), max_value=5, places=2),
    campaign_max=st.one_of(st.none(), st.decimals(min_value=0, max_value=1000, places=2)),
    platform_max=st.one_of(st.none(), st.decimals(min_value=0, max_value=1000, places=2)),
)
def test_the_consoles_action_price_is_the_engines(amount, multiplier, campaign_max, platform_max):
    rule = RewardRule(action=ActionType.TIKTOK_LOGIN, amount=amount)
    campaign = Campaign(currency="EUR", max_reward=campaign_max)

    engine = action_price(
        rule=rule, campaign=campaign, multiplier=multiplier, limits=Limits(max_reward=platform_max)
    )
    console = pricing.action_price_capped(
        amount=amount,
        multiplier=multiplier,
        max_reward=pricing.smallest(campaign_max, platform_max),
        currency="EUR",
    )

    assert (console[0].amount, console[1]) == engine


def test_a_pricing_plan_reads_its_share_as_a_percent_in_the_readers_language():
    plan = PricingPlan(name="Standard", user_share=Decimal("0.8250"))

    with translation.override("de"):
        assert str(plan) == "Standard (Nutzer erhalten 82,5\xa0%)"
    with translation.override("en"):
        assert str(plan) == "Standard (users get 82.5%)"
