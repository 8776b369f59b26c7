"""Regression tests for the money and security review of the engine (each failed before its fix)."""

from datetime import timedelta
from decimal import Decimal

import pytest

from campaigns.models import ActionType
from rewards.models import Reward, RewardStatus
from rewards.services import action_record, reward_reverse, snapshot_process
from rewards.tests.conftest import NOW, seen_on_tiktok, share_rule, snapshot, tracked_post

pytestmark = pytest.mark.django_db(transaction=True)


def test_reversed_engagement_is_not_paid_again_by_the_next_snapshot(
    make_merchant, make_campaign, make_consumer, ops
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
    first = snapshot_process(snapshot_id=snapshot(post, views=20_000).pk, now=NOW)  # 5.00
    assert first.merchant_price == Decimal("5.00")
    reward_reverse(reward_id=first.pk, reason="bought views", actor=ops, now=NOW)
    # the next snapshot, same (fake) counts
    again = snapshot_process(
        snapshot_id=snapshot(post, views=20_000, at=NOW + timedelta(hours=6)).pk, now=NOW + timedelta(hours=6)
    )
    assert again is None, f"reversed engagement paid again: {again.merchant_price}"


def test_a_view_only_ops_user_cannot_approve_held_rewards(
    make_merchant, make_campaign, make_consumer, client, settings
):
    from django.contrib.auth.models import Permission

    from accounts.services import user_ensure_with_email

    settings.REWARDS_RISK_HOLD_THRESHOLD = 0  # everything is held
    merchant = make_merchant()
    make_campaign(merchant)
    ana = make_consumer()
    action_record(user=ana, merchant=merchant, action_type=ActionType.TIKTOK_LOGIN, now=NOW)
    reward = Reward.objects.get(user=ana)
    assert reward.status == RewardStatus.HELD
    viewer, _ = user_ensure_with_email(
        email="support@tikjoy.example", password="a-long-pass-phrase-42", is_staff=True
    )
    viewer.user_permissions.add(Permission.objects.get(codename="view_reward"))
    client.force_login(viewer)
    client.post("/ops/rewards/reward/", {"action": "approve_held", "_selected_action": [reward.pk]})
    reward.refresh_from_db()
    assert reward.status == RewardStatus.HELD, "a view-only staff member approved a held reward"


def test_lowering_the_budget_below_what_was_spent_is_a_clear_error(
    make_merchant, make_campaign, make_consumer, client
):
    from campaigns import services as CS

    merchant = make_merchant()
    campaign = make_campaign(merchant, budget=Decimal("10.00"))
    action_record(user=make_consumer(), merchant=merchant, action_type=ActionType.TIKTOK_LOGIN, now=NOW)
    owner = merchant.memberships.get(role="OWNER").user
    campaign.refresh_from_db()
    assert campaign.spent == Decimal("0.50")
    with pytest.raises(CS.CampaignInvalid, match=r"already spent €0\.50"):
        CS.campaign_update(campaign=campaign, actor=owner, changes={"budget": Decimal("0.40")})

    campaign.refresh_from_db()
    assert campaign.budget == Decimal("10.00")


def test_the_multiplier_never_lifts_engagement_above_the_maximum_per_post(
    make_merchant, make_campaign, make_consumer
):
    from campaigns.models import PlatformLimit

    merchant = make_merchant(funds="100000.00")
    limit = PlatformLimit.objects.get(currency="EUR")
    campaign = make_campaign(
        merchant, new_user_multiplier=Decimal("2.00"), rules=[share_rule(max_per_post=limit.max_per_post)]
    )
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
    action_record(
        user=ana,
        merchant=merchant,
        action_type=ActionType.SHARE_VIDEO,
        tracked_post=post,
        campaign=campaign,
        now=NOW,
    )
    r = snapshot_process(snapshot_id=snapshot(post, views=10_000_000).pk, now=NOW)
    assert r.merchant_price <= limit.max_per_post


@pytest.mark.parametrize("batch", [False, True])
def test_a_budget_used_up_exactly_pauses_the_campaign_in_both_paths(
    make_merchant, make_campaign, make_consumer, batch
):
    from rewards.services import snapshots_process

    merchant = make_merchant()
    campaign = make_campaign(merchant, budget=Decimal("3.00"))  # fixed 1.00 + 2.00 engagement
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
    shot = snapshot(post, views=8_000)
    if batch:
        snapshots_process(snapshot_ids=[shot.pk], now=NOW)
    else:
        snapshot_process(snapshot_id=shot.pk, now=NOW)
    campaign.refresh_from_db()
    assert (campaign.status, campaign.pause_reason, campaign.spent) == ("PAUSED", "BUDGET", Decimal("3.00"))
    assert Reward.objects.get(kind="ENGAGEMENT").merchant_price == Decimal("2.00")


def test_engagement_too_small_to_give_a_cent_waits_and_never_blocks_settlement(
    make_merchant, make_campaign, make_consumer
):
    from rewards.services import rewards_settle_due

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
    snapshot_process(snapshot_id=snapshot(post, views=4_000).pk, now=NOW)  # 1.00
    # 40 more views earn 0.01, of which the user's 80 % rounds down to 0.00: nothing is paid yet
    tiny = snapshot_process(
        snapshot_id=snapshot(post, views=4_040, at=NOW + timedelta(hours=1)).pk, now=NOW + timedelta(hours=1)
    )
    grown = snapshot_process(
        snapshot_id=snapshot(post, views=4_080, at=NOW + timedelta(hours=2)).pk, now=NOW + timedelta(hours=2)
    )

    assert tiny is None
    assert (grown.merchant_price, grown.user_amount, grown.margin) == (
        Decimal("0.02"),
        Decimal("0.01"),
        Decimal("0.01"),
    )
    seen_on_tiktok(post, at=NOW + timedelta(days=15))
    assert rewards_settle_due(now=NOW + timedelta(days=30)) == {"CONFIRMED": 3, "REVERSED": 0, "WAITING": 0}
