"""Campaign and reward-rule validation: contradictions and limits are refused with a clear message."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from django.db import IntegrityError
from django.utils import translation

from campaigns import services
from campaigns.models import ActionType, Campaign, CampaignStatus, PauseReason, PlatformLimit, RewardRule
from campaigns.tests.conftest import NOW, all_rules, campaign_values, rule
from merchants.roles import Role

pytestmark = pytest.mark.django_db


def create(merchant, owner, *, rules=None, **overrides):
    return services.campaign_create(
        merchant=merchant,
        actor=owner,
        values=campaign_values(**overrides),
        rules=all_rules() if rules is None else rules,
    )


def messages(exc: services.CampaignInvalid) -> str:
    return " ".join(m for ms in exc.errors.values() for m in ms)


def test_a_campaign_with_every_action_is_created_as_a_draft_in_the_merchants_currency(merchant, owner):
    campaign = create(merchant, owner)

    assert campaign.status == CampaignStatus.DRAFT
    assert campaign.currency == merchant.currency
    assert campaign.hashtag == "acmesummer"  # stored without '#'
    assert campaign.hold_days == 14
    assert sorted(campaign.rules.values_list("action", flat=True)) == sorted(ActionType.values)


def test_an_end_before_the_start_is_refused(merchant, owner):
    with pytest.raises(services.CampaignInvalid) as exc:
        create(merchant, owner, ends_at=NOW - timedelta(days=2))

    assert exc.value.errors["ends_at"] == ["The end must be after the start."]


def test_a_maximum_below_the_minimum_is_refused(merchant, owner):
    with pytest.raises(services.CampaignInvalid) as exc:
        create(merchant, owner, min_reward=Decimal("1.00"), max_reward=Decimal("0.50"))

    assert "below the minimum" in exc.value.errors["max_reward"][0]


def test_caps_below_zero_are_refused(merchant, owner):
    with pytest.raises(services.CampaignInvalid) as exc:
        create(
            merchant,
            owner,
            user_daily_cap=Decimal("-1"),
            rules=[rule(ActionType.TIKTOK_LOGIN, max_rewards=None)],
        )

    assert exc.value.errors["user_daily_cap"] == ["A cap cannot be below zero."]


def test_a_rule_outside_the_merchants_own_limits_is_refused(merchant, owner):
    with pytest.raises(services.CampaignInvalid) as exc:
        create(
            merchant,
            owner,
            min_reward=Decimal("0.20"),
            max_reward=Decimal("1.50"),
            rules=[
                rule(ActionType.TIKTOK_LOGIN, amount=Decimal("2.00")),
                rule(ActionType.LIKE, amount=Decimal("0.05")),
            ],
        )

    text = messages(exc.value)
    assert "Log in with TikTok: €2.00" in text and "above the maximum per reward of €1.50" in text
    assert "Like one of the brand's posts: €0.05" in text and "below the minimum per reward of €0.20" in text


def test_a_rule_above_the_platform_limit_is_refused(merchant, owner):
    PlatformLimit.objects.filter(currency="EUR").update(max_reward=Decimal("5.00"))

    with pytest.raises(services.CampaignInvalid) as exc:
        create(merchant, owner, rules=[rule(ActionType.TIKTOK_LOGIN, amount=Decimal("6.00"))])

    assert "above the maximum per reward of €5.00" in messages(exc.value)


def test_the_multiplier_counts_against_the_maximum(merchant, owner):
    with pytest.raises(services.CampaignInvalid) as exc:
        create(
            merchant,
            owner,
            max_reward=Decimal("1.00"),
            new_user_multiplier=Decimal("1.50"),
            rules=[rule(ActionType.TIKTOK_LOGIN, amount=Decimal("1.00"))],
        )

    assert "times 1.5 for some users" in messages(exc.value)


def test_a_share_rule_needs_a_hashtag_or_a_mention(merchant, owner):
    with pytest.raises(services.CampaignInvalid) as exc:
        create(merchant, owner, hashtag="", mention="")

    assert "set a hashtag and/or an @mention" in messages(exc.value)

    campaign = create(merchant, owner, hashtag="", mention="@acme")
    assert campaign.mention == "acme"


def test_engagement_rates_on_a_login_rule_are_refused(merchant, owner):
    with pytest.raises(services.CampaignInvalid) as exc:
        create(merchant, owner, rules=[rule(ActionType.TIKTOK_LOGIN, per_like=Decimal("0.01"))])

    assert "are for shares only" in messages(exc.value)


def test_a_share_rule_with_rates_and_no_maximum_gets_the_platform_maximum_per_post(merchant, owner):
    campaign = create(
        merchant,
        owner,
        rules=[rule(ActionType.SHARE_VIDEO, amount=Decimal("0"), per_1000_views=Decimal("0.25"))],
    )

    assert campaign.rules.get().max_per_post == PlatformLimit.objects.get(currency="EUR").max_per_post


def test_the_database_refuses_an_end_before_the_start_and_paid_above_the_cap(merchant, owner):
    campaign = create(merchant, owner)

    with pytest.raises(IntegrityError):
        Campaign.objects.filter(pk=campaign.pk).update(ends_at=campaign.starts_at)


def test_the_database_refuses_more_rewards_paid_than_the_cap(merchant, owner):
    campaign = create(merchant, owner)

    with pytest.raises(IntegrityError):
        RewardRule.objects.filter(campaign=campaign, action=ActionType.TIKTOK_LOGIN).update(rewards_paid=501)


def test_a_cap_below_the_rewards_already_paid_is_refused(merchant, owner):
    campaign = create(merchant, owner)
    RewardRule.objects.filter(campaign=campaign, action=ActionType.TIKTOK_LOGIN).update(rewards_paid=10)

    with pytest.raises(services.CampaignInvalid) as exc:
        services.campaign_update(
            campaign=campaign, actor=owner, changes={}, rules=[rule(ActionType.TIKTOK_LOGIN, max_rewards=5)]
        )

    assert "below the 10 rewards already paid" in messages(exc.value)


def test_the_lifecycle_draft_active_paused_active_ended(merchant, owner):
    campaign = create(merchant, owner)

    campaign = services.campaign_activate(campaign=campaign, actor=owner, now=NOW)
    assert campaign.status == CampaignStatus.ACTIVE
    campaign = services.campaign_pause(campaign=campaign, actor=owner)
    assert (campaign.status, campaign.pause_reason) == (CampaignStatus.PAUSED, PauseReason.MERCHANT)
    campaign = services.campaign_activate(campaign=campaign, actor=owner, now=NOW)
    assert (campaign.status, campaign.pause_reason) == (CampaignStatus.ACTIVE, "")
    campaign = services.campaign_pause(campaign=campaign, reason=PauseReason.FUNDS)  # the engine, no actor
    assert campaign.pause_reason == PauseReason.FUNDS
    campaign = services.campaign_end(campaign=campaign, actor=owner)
    assert campaign.status == CampaignStatus.ENDED

    with pytest.raises(services.CampaignError):
        services.campaign_activate(campaign=campaign, actor=owner, now=NOW)


def test_a_campaign_without_an_enabled_rule_cannot_go_live(merchant, owner):
    campaign = create(merchant, owner, rules=[rule(ActionType.TIKTOK_LOGIN, is_enabled=False)])

    with pytest.raises(services.CampaignError, match="Enable at least one reward rule"):
        services.campaign_activate(campaign=campaign, actor=owner, now=NOW)


def test_a_viewer_cannot_create_campaigns(merchant, add_member):
    viewer = add_member(merchant, "viewer@acme.example", Role.VIEWER)

    with pytest.raises(services.NotAllowed):
        create(merchant, viewer)
    assert not Campaign.objects.exists()


def test_ended_campaigns_are_ended_by_the_periodic_task_once(merchant, owner):
    campaign = create(merchant, owner)
    services.campaign_activate(campaign=campaign, actor=owner, now=NOW)

    assert services.campaigns_end_expired(now=NOW + timedelta(days=31)) == 1
    assert services.campaigns_end_expired(now=NOW + timedelta(days=31)) == 0
    campaign.refresh_from_db()
    assert campaign.status == CampaignStatus.ENDED


def test_the_end_of_campaigns_is_scheduled_and_the_task_ends_due_campaigns(merchant, owner):
    from django_q.models import Schedule

    from campaigns.tasks import campaigns_end_due

    campaign = create(merchant, owner, starts_at=NOW - timedelta(days=40), ends_at=NOW - timedelta(days=10))

    assert Schedule.objects.filter(func="campaigns.tasks.campaigns_end_due").exists()
    assert campaigns_end_due() == 1
    campaign.refresh_from_db()
    assert campaign.status == CampaignStatus.ENDED


def test_a_campaign_goes_live_only_when_the_wallet_covers_its_smallest_reward(
    make_merchant, make_campaign, ops
):
    from datetime import date

    from moneyed import Money

    from campaigns.services import CampaignError, campaign_activate
    from merchants.wallet import merchant_top_up_record

    broke = make_merchant("broke")
    draft = make_campaign(broke, activate=False)

    with pytest.raises(CampaignError, match=r"Add funds before going live: the wallet holds €0\.00"):
        campaign_activate(campaign=draft, actor=broke.memberships.get().user, now=NOW)

    merchant_top_up_record(
        merchant=broke,
        amount=Money("5.00", "EUR"),
        bank_reference="BROKE-1",
        value_date=date(2026, 11, 20),
        actor=ops,
        now=NOW,
    )
    live = campaign_activate(campaign=draft, actor=broke.memberships.get().user, now=NOW)
    assert live.status == "ACTIVE"


def test_a_rules_name_in_the_console_is_in_the_readers_language(merchant, owner):
    campaign = create(merchant, owner, name="Winter")
    login = campaign.rules.get(action=ActionType.TIKTOK_LOGIN)

    with translation.override("fr"):
        assert str(login) == "Connexion avec TikTok dans Winter"
    with translation.override("es"):
        assert str(login) == "Inicio de sesión con TikTok en Winter"
    with translation.override("en"):
        assert str(login) == "Log in with TikTok in Winter"


SIGN_IN = {"action": "TIKTOK_LOGIN", "is_enabled": True, "amount": Decimal("0.50")}


def test_a_campaign_whose_budget_is_used_up_does_not_go_live_until_it_is_raised(make_merchant, make_campaign):
    """QA: "Go live" on a campaign paused for its spent budget said "1 campaign is live.", the brand
    page promised its rewards, and the engine paused it again at the next action."""
    shop = make_merchant("shop", funds="100.00")
    owner = shop.memberships.get().user
    campaign = make_campaign(shop, budget=Decimal("2.00"), rules=[SIGN_IN])  # its one reward: 0.50
    Campaign.objects.filter(pk=campaign.pk).update(
        spent=Decimal("1.80"), status=CampaignStatus.PAUSED, pause_reason=PauseReason.BUDGET
    )
    campaign.refresh_from_db()

    with pytest.raises(services.CampaignError) as refused:
        services.campaign_activate(campaign=campaign, actor=owner, now=NOW)
    assert str(refused.value) == (
        "This campaign's budget is used up: €0.20 is left of it, and its smallest reward costs €0.50. "
        "Raise the budget to keep it live."
    )
    assert Campaign.objects.get(pk=campaign.pk).status == CampaignStatus.PAUSED

    services.campaign_update(campaign=campaign, actor=owner, changes={"budget": Decimal("2.30")})
    live = services.campaign_activate(campaign=Campaign.objects.get(pk=campaign.pk), actor=owner, now=NOW)
    assert live.status == CampaignStatus.ACTIVE


def test_a_live_campaigns_budget_cannot_be_lowered_below_what_one_more_reward_costs(
    make_merchant, make_campaign
):
    shop = make_merchant("shop", funds="100.00")
    owner = shop.memberships.get().user
    campaign = make_campaign(shop, budget=Decimal("5.00"), rules=[SIGN_IN])
    Campaign.objects.filter(pk=campaign.pk).update(spent=Decimal("1.00"))

    with pytest.raises(services.CampaignInvalid) as refused:
        services.campaign_update(campaign=campaign, actor=owner, changes={"budget": Decimal("1.00")})

    assert "budget is used up: €0.00 is left of it" in messages(refused.value)
    assert Campaign.objects.get(pk=campaign.pk).budget == Decimal("5.00")
    paused = services.campaign_pause(campaign=Campaign.objects.get(pk=campaign.pk), actor=owner)
    services.campaign_update(
        campaign=paused, actor=owner, changes={"budget": Decimal("1.00")}
    )  # paused: fine
    assert Campaign.objects.get(pk=campaign.pk).budget == Decimal("1.00")
