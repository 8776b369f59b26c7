"""Regression tests for the money and security review of the engine (each failed before its fix)."""

import threading
from datetime import timedelta
from decimal import Decimal

import pytest
from django.db import connection

from campaigns.models import ActionType, Campaign, RewardRule
from rewards import services as S
from rewards.models import Reward, RewardStatus, UserCampaignTally
from rewards.services import action_record, reward_reverse, snapshot_process, user_ban
from rewards.tests.conftest import NOW, login_rule, share_rule, snapshot, tracked_post

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


def test_a_ban_racing_an_ops_reversal_reverses_each_reward_once(
    make_merchant, make_campaign, make_consumer, ops
):
    merchant = make_merchant()
    campaign = make_campaign(merchant)
    ana, ben = make_consumer(), make_consumer()
    for other in [ben] + [make_consumer() for _ in range(3)]:
        action_record(user=other, merchant=merchant, action_type=ActionType.TIKTOK_LOGIN, now=NOW)
    action_record(user=ana, merchant=merchant, action_type=ActionType.TIKTOK_LOGIN, now=NOW)
    post = tracked_post(ana, campaign)
    action_record(
        user=ana,
        merchant=merchant,
        action_type=ActionType.SHARE_VIDEO,
        tracked_post=post,
        campaign=campaign,
        now=NOW,
    )
    _r_login, r_share = Reward.objects.filter(user=ana).order_by("pk")
    campaign.refresh_from_db()
    assert campaign.spent == Decimal("3.50")

    real_reverse = S._reverse
    calls = []

    def racing_reverse(reward, **kw):
        if not calls:
            calls.append(1)
            # another ops session reverses the share reward and commits, between the ban's
            # listing of rewards and its locking of this one
            t = threading.Thread(
                target=lambda: (
                    reward_reverse(reward_id=r_share.pk, reason="ops", actor=ops, now=NOW),
                    connection.close(),
                )
            )
            t.start()
            t.join()
        return real_reverse(reward, **kw)

    S._reverse = racing_reverse
    try:
        user_ban(user=ana, reason="fraud", actor=ops, now=NOW)
    finally:
        S._reverse = real_reverse
    campaign.refresh_from_db()
    rule = RewardRule.objects.get(campaign=campaign, action=ActionType.SHARE_VIDEO)
    UserCampaignTally.objects.get(user=ana, campaign=campaign)
    assert campaign.spent == Decimal("2.00"), f"spent {campaign.spent}, but 4 x 0.50 are still paid"
    assert rule.rewards_paid == 0


def test_editing_rules_of_a_live_campaign_while_paying_does_not_deadlock(
    make_merchant, make_campaign, make_consumer
):
    import time

    from campaigns import services as CS

    merchant = make_merchant()
    campaign = make_campaign(merchant)
    owner = merchant.memberships.get(role="OWNER").user
    ana = make_consumer()
    real_slot = S._rule_slot_taken
    errors = {}

    def editor():
        try:
            CS.campaign_update(
                campaign=Campaign.objects.select_related("merchant").get(pk=campaign.pk),
                actor=owner,
                changes={"name": "Renamed"},
                rules=[login_rule(amount=Decimal("0.60"))],
            )
        except Exception as exc:
            errors["editor"] = repr(exc)
        finally:
            connection.close()

    def slow_slot(rule):
        taken = real_slot(rule)  # the engine holds the rule row now
        t = threading.Thread(target=editor)
        t.start()
        time.sleep(1.5)  # the editor locks the campaign, then waits for the rule
        slow_slot.thread = t
        return taken

    S._rule_slot_taken = slow_slot
    try:
        action_record(user=ana, merchant=merchant, action_type=ActionType.TIKTOK_LOGIN, now=NOW)
    except Exception as exc:
        errors["engine"] = repr(exc)
    finally:
        S._rule_slot_taken = real_slot
    slow_slot.thread.join()
    _ = errors
    assert not errors


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
    with pytest.raises(CS.CampaignInvalid, match=r"already spent 0\.50"):
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


def test_a_ban_does_not_deadlock_with_a_reward_on_another_campaign(
    make_merchant, make_campaign, make_consumer, ops
):
    import time

    merchant = make_merchant()
    c1 = make_campaign(merchant, rules=[login_rule()], starts_at=NOW - timedelta(days=2))
    c2 = make_campaign(merchant, name="Second")
    ana, ben = make_consumer(), make_consumer()
    action_record(user=ana, merchant=merchant, action_type=ActionType.TIKTOK_LOGIN, now=NOW)  # on c1
    post = tracked_post(ana, c2)
    action_record(
        user=ana,
        merchant=merchant,
        action_type=ActionType.SHARE_VIDEO,
        tracked_post=post,
        campaign=c2,
        now=NOW,
    )
    assert set(Reward.objects.filter(user=ana).values_list("campaign_id", flat=True)) == {c1.pk, c2.pk}
    errors = {}
    real_reverse = S._reverse
    calls = []

    def grant_on_c2():
        try:
            action_record(
                user=ben, merchant=merchant, action_type=ActionType.TIKTOK_LOGIN, campaign=c2, now=NOW
            )
        except Exception as exc:
            errors["grant"] = repr(exc)[:160]
        finally:
            connection.close()

    def reverse(reward, **kw):
        calls.append(reward.pk)
        if len(calls) == 2:  # the ban holds c1 and the merchant's accounts now
            t = threading.Thread(target=grant_on_c2)
            t.start()
            time.sleep(1.5)
            reverse.t = t
        return real_reverse(reward, **kw)

    S._reverse = reverse
    try:
        user_ban(user=ana, reason="fraud", actor=ops, now=NOW)
    except Exception as exc:
        errors["ban"] = repr(exc)[:160]
    finally:
        S._reverse = real_reverse
    reverse.t.join()
    _ = errors
    assert not errors


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
    assert rewards_settle_due(now=NOW + timedelta(days=30)) == {"CONFIRMED": 3, "REVERSED": 0}
