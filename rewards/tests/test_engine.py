from datetime import timedelta
from decimal import Decimal

import pytest
from django.core import mail
from django.core.management import call_command
from django.utils import translation

from campaigns.models import ActionType, Campaign, CampaignStatus, PauseReason, RewardRule
from rewards.models import ActionStatus, Reward, RewardKind, RewardStatus
from rewards.services import action_record, reward_settle, rewards_settle_due, snapshot_process
from rewards.tests.conftest import NOW, eur, snapshot, tracked_post
from social.models import TrackedPost
from wallets.models import Purpose, Transaction
from wallets.services import account_for, balance

pytestmark = pytest.mark.django_db


def pending(user):
    return balance(account_for(owner=user, purpose=Purpose.USER_PENDING, currency="EUR"))


def available(user):
    return balance(account_for(owner=user, purpose=Purpose.USER_AVAILABLE, currency="EUR"))


def funds(merchant):
    return balance(account_for(owner=merchant, purpose=Purpose.MERCHANT_AVAILABLE, currency="EUR"))


def test_first_tiktok_login_with_a_brand_pays_the_users_share_at_once_as_pending(
    make_merchant, make_campaign, make_consumer
):
    merchant = make_merchant(funds="100.00")
    make_campaign(merchant)
    ana = make_consumer("Ana")

    action = action_record(user=ana, merchant=merchant, action_type=ActionType.TIKTOK_LOGIN, now=NOW)

    assert action.status == ActionStatus.REWARDED
    reward = Reward.objects.get(action=action)
    # default plan: users get 80 % of the merchant's price
    assert (reward.merchant_price, reward.user_amount, reward.margin) == (
        Decimal("0.50"),
        Decimal("0.40"),
        Decimal("0.10"),
    )
    assert reward.status == RewardStatus.PENDING
    assert reward.available_at == NOW + timedelta(days=14)
    assert pending(ana) == eur("0.40")
    assert funds(merchant) == eur("99.50")
    assert reward.calculation["user"] == "NEW"


def test_the_ledger_reason_of_a_reward_is_english_whatever_language_the_person_joined_in(
    make_merchant, make_campaign, make_consumer
):
    """A Spanish visitor's login wrote "Joy Coffee: Inicio de sesión con TikTok" into the books, the
    worker's share "Joy Coffee: Share a video on TikTok": the ledger's reasons are English (ledger.md)."""
    merchant = make_merchant()
    make_campaign(merchant)
    ana = make_consumer()

    with translation.override("es"):
        action = action_record(user=ana, merchant=merchant, action_type=ActionType.TIKTOK_LOGIN, now=NOW)

    reward = Reward.objects.get(action=action)
    reasons = list(
        Transaction.objects.filter(idempotency_key=f"reward:{reward.pk}:credit").values_list(
            "reason", flat=True
        )
    )
    assert reasons == [f"{merchant.brand_name}: Log in with TikTok"]


def test_a_second_login_with_the_same_brand_pays_nothing_more(make_merchant, make_campaign, make_consumer):
    merchant = make_merchant()
    make_campaign(merchant)
    ana = make_consumer()

    first = action_record(user=ana, merchant=merchant, action_type=ActionType.TIKTOK_LOGIN, now=NOW)
    again = action_record(
        user=ana, merchant=merchant, action_type=ActionType.WHATSAPP_LOGIN, now=NOW + timedelta(hours=1)
    )

    assert again.pk == first.pk
    assert Reward.objects.count() == 1
    assert pending(ana) == eur("0.40")


def test_an_action_no_live_campaign_rewards_is_recorded_as_ineligible(make_merchant, make_consumer):
    merchant = make_merchant()
    ana = make_consumer()

    action = action_record(user=ana, merchant=merchant, action_type=ActionType.TIKTOK_LOGIN, now=NOW)

    assert action.status == ActionStatus.INELIGIBLE
    assert action.reason == "NO_CAMPAIGN"
    assert "None of your campaigns rewarded this kind of action" in action.status_detail
    assert pending(ana) == eur("0.00")


def test_the_login_cap_stops_paying_after_the_last_reward(make_merchant, make_campaign, make_consumer):
    from rewards.tests.conftest import login_rule

    merchant = make_merchant()
    make_campaign(merchant, rules=[login_rule(max_rewards=2)])
    users = [make_consumer() for _ in range(3)]

    outcomes = [
        action_record(user=u, merchant=merchant, action_type=ActionType.TIKTOK_LOGIN, now=NOW).status
        for u in users
    ]

    assert outcomes == [ActionStatus.REWARDED, ActionStatus.REWARDED, ActionStatus.INELIGIBLE]
    assert RewardRule.objects.get(action=ActionType.TIKTOK_LOGIN).rewards_paid == 2


def test_when_funds_run_out_nothing_is_credited_the_campaign_pauses_and_owners_are_told(
    make_merchant, make_campaign, make_consumer, django_capture_on_commit_callbacks
):
    from rewards.tests.conftest import login_rule

    merchant = make_merchant(funds="1.00")
    campaign = make_campaign(merchant, rules=[login_rule(amount=Decimal("0.60"))])
    ana, ben = make_consumer(), make_consumer()
    mail.outbox.clear()

    paid = action_record(user=ana, merchant=merchant, action_type=ActionType.TIKTOK_LOGIN, now=NOW)
    with django_capture_on_commit_callbacks(execute=True):
        unpaid = action_record(user=ben, merchant=merchant, action_type=ActionType.TIKTOK_LOGIN, now=NOW)

    assert paid.status == ActionStatus.REWARDED
    assert unpaid.status == ActionStatus.UNFUNDED
    assert pending(ben) == eur("0.00")
    assert funds(merchant) == eur("0.40")
    campaign.refresh_from_db()
    assert (campaign.status, campaign.pause_reason) == (CampaignStatus.PAUSED, PauseReason.FUNDS)
    assert RewardRule.objects.get(campaign=campaign).rewards_paid == 1  # the refused one is not counted
    assert [m.to for m in mail.outbox] == [["owner@acme.example"]]
    assert "paused" in mail.outbox[0].subject


def test_a_paused_campaign_is_told_to_each_owner_in_their_own_language(
    make_merchant, make_campaign, make_consumer, add_member, django_capture_on_commit_callbacks
):
    from merchants.roles import Role
    from rewards.tests.conftest import login_rule

    merchant = make_merchant(funds="0.60")
    campaign = make_campaign(merchant, rules=[login_rule(amount=Decimal("0.60"))])
    campaign.texts.create(language="it", name="Inverno")
    italian = add_member(merchant, "giulia@acme.example", Role.OWNER)
    italian.language = "it"
    italian.save(update_fields=["language"])
    action_record(user=make_consumer(), merchant=merchant, action_type=ActionType.TIKTOK_LOGIN, now=NOW)
    mail.outbox.clear()

    with django_capture_on_commit_callbacks(execute=True):
        action_record(user=make_consumer(), merchant=merchant, action_type=ActionType.TIKTOK_LOGIN, now=NOW)

    subjects = {m.to[0]: m.subject for m in mail.outbox if "paus" in m.subject.lower()}
    assert set(subjects) == {"owner@acme.example", "giulia@acme.example"}
    assert subjects["giulia@acme.example"].startswith("[TikJoy] Campagna «Inverno» in pausa")
    assert "Campaign" in subjects["owner@acme.example"] and "Inverno" not in subjects["owner@acme.example"]


def test_a_paused_campaign_names_its_reason_with_german_capitals_and_italian_lower_case(
    make_merchant, make_campaign, make_consumer, add_member, django_capture_on_commit_callbacks
):
    """#23: the reason after "pausiert:" kept its nouns' capitals lowered ("das guthaben")."""
    from merchants.roles import Role
    from rewards.tests.conftest import login_rule

    merchant = make_merchant(funds="0.60")
    make_campaign(merchant, rules=[login_rule(amount=Decimal("0.60"))])
    for email, language in (("jonas@acme.example", "de"), ("giulia@acme.example", "it")):
        member = add_member(merchant, email, Role.OWNER)
        member.language = language
        member.save(update_fields=["language"])
    action_record(user=make_consumer(), merchant=merchant, action_type=ActionType.TIKTOK_LOGIN, now=NOW)
    mail.outbox.clear()

    with django_capture_on_commit_callbacks(execute=True):
        action_record(user=make_consumer(), merchant=merchant, action_type=ActionType.TIKTOK_LOGIN, now=NOW)

    sent = {m.to[0]: m for m in mail.outbox}
    german, italian = sent["jonas@acme.example"], sent["giulia@acme.example"]
    assert german.subject.endswith("pausiert: Das Guthaben ist aufgebraucht")
    assert "automatisch pausiert: Das Guthaben ist aufgebraucht." in german.body
    assert italian.subject.endswith("in pausa: il portafoglio ha esaurito i fondi")


def test_engagement_rewards_grow_with_the_post_and_a_snapshot_pays_once(
    make_merchant, make_campaign, make_consumer
):
    merchant = make_merchant()
    campaign = make_campaign(merchant)
    ana = make_consumer()
    post = tracked_post(ana, campaign)
    action = action_record(
        user=ana,
        merchant=merchant,
        action_type=ActionType.SHARE_VIDEO,
        tracked_post=post,
        campaign=campaign,
        now=NOW,
    )
    assert pending(ana) == eur("0.80")  # the fixed 1.00 for the verified share

    first = snapshot(post, views=4_000, likes=10)  # 4 x 0.25 + 10 x 0.01 = 1.10
    reward = snapshot_process(snapshot_id=first.pk, now=NOW)
    again = snapshot_process(snapshot_id=first.pk, now=NOW)

    assert reward.kind == RewardKind.ENGAGEMENT
    assert reward.merchant_price == Decimal("1.10")
    assert again is None
    assert pending(ana) == eur("1.68")  # 0.80 + 0.88

    second = snapshot(post, views=10_000, likes=300, comments=20, shares=5, at=NOW + timedelta(hours=6))
    growth = snapshot_process(snapshot_id=second.pk, now=NOW + timedelta(hours=6))

    # 2.50 + 3.00 + 0.40 + 0.25 = 6.15 earned in all; 1.10 already paid
    assert growth.merchant_price == Decimal("5.05")
    assert action.rewards.filter(kind=RewardKind.ENGAGEMENT).count() == 2


def test_engagement_never_exceeds_the_maximum_per_post(make_merchant, make_campaign, make_consumer):
    merchant = make_merchant()
    campaign = make_campaign(merchant)
    ana = make_consumer()
    ana_profile_followers = 1_000_000
    from social.models import TikTokProfile

    TikTokProfile.objects.create(user=ana, open_id="ana-open-id", follower_count=ana_profile_followers)
    post = tracked_post(ana, campaign)
    action_record(
        user=ana,
        merchant=merchant,
        action_type=ActionType.SHARE_VIDEO,
        tracked_post=post,
        campaign=campaign,
        now=NOW,
    )

    snapshot_process(snapshot_id=snapshot(post, views=90_000).pk, now=NOW)
    snapshot_process(snapshot_id=snapshot(post, views=400_000).pk, now=NOW)

    engagement = Reward.objects.filter(kind=RewardKind.ENGAGEMENT)
    assert sum(r.merchant_price for r in engagement) == Decimal("10.00")


def test_a_post_with_no_engagement_earns_no_engagement_reward(make_merchant, make_campaign, make_consumer):
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

    assert snapshot_process(snapshot_id=snapshot(post).pk, now=NOW) is None
    assert not Reward.objects.filter(kind=RewardKind.ENGAGEMENT).exists()


def test_after_the_hold_a_reward_whose_conditions_hold_becomes_available(
    make_merchant, make_campaign, make_consumer
):
    merchant = make_merchant()
    make_campaign(merchant)
    ana = make_consumer()
    action_record(user=ana, merchant=merchant, action_type=ActionType.TIKTOK_LOGIN, now=NOW)
    reward = Reward.objects.get()

    too_early = reward_settle(reward_id=reward.pk, now=NOW + timedelta(days=13))
    assert too_early.status == RewardStatus.PENDING

    counts = rewards_settle_due(now=NOW + timedelta(days=14, minutes=1))

    reward.refresh_from_db()
    assert counts == {"CONFIRMED": 1, "REVERSED": 0, "WAITING": 0}
    assert reward.status == RewardStatus.CONFIRMED
    assert pending(ana) == eur("0.00")
    assert available(ana) == eur("0.40")


def test_a_deleted_post_reverses_its_rewards_and_refunds_the_merchant_margin_included(
    make_merchant, make_campaign, make_consumer, capsys
):
    merchant = make_merchant(funds="100.00")
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
    snapshot_process(snapshot_id=snapshot(post, views=8_000).pk, now=NOW)
    assert funds(merchant) == eur("97.00")
    TrackedPost.objects.filter(pk=post.pk).update(
        status=TrackedPost.Status.GONE, gone_at=NOW + timedelta(days=3)
    )

    rewards_settle_due(now=NOW + timedelta(days=15))

    assert set(Reward.objects.values_list("status", flat=True)) == {RewardStatus.REVERSED}
    assert all("deleted or made private" in r.reason for r in Reward.objects.all())
    assert pending(ana) == eur("0.00")
    assert funds(merchant) == eur("100.00")
    campaign.refresh_from_db()
    assert campaign.spent == Decimal("0.00")
    call_command("ledger_check")
    assert "All invariants hold." in capsys.readouterr().out


def test_a_returning_user_gets_the_returning_multiplier(make_merchant, make_campaign, make_consumer):
    from rewards.tests.conftest import login_rule

    merchant = make_merchant()
    first = make_campaign(merchant, rules=[login_rule()])
    ana = make_consumer()
    action_record(user=ana, merchant=merchant, action_type=ActionType.TIKTOK_LOGIN, now=NOW)
    rewards_settle_due(now=NOW + timedelta(days=15))
    Campaign.objects.filter(pk=first.pk).update(status=CampaignStatus.ENDED)
    campaign = make_campaign(
        merchant,
        rules=[
            share_rule_fixed := {
                "action": ActionType.SHARE_VIDEO,
                "is_enabled": True,
                "amount": Decimal("1.00"),
            }
        ],
        returning_user_multiplier=Decimal("1.50"),
        starts_at=NOW,
    )
    assert share_rule_fixed["amount"] == Decimal("1.00")
    post = tracked_post(ana, campaign)

    action_record(
        user=ana,
        merchant=merchant,
        action_type=ActionType.SHARE_VIDEO,
        tracked_post=post,
        campaign=campaign,
        now=NOW + timedelta(days=16),
    )

    reward = Reward.objects.get(campaign=campaign)
    assert reward.merchant_price == Decimal("1.50")
    assert reward.calculation["user"] == "RETURNING"


def test_the_per_user_daily_cap_limits_engagement(make_merchant, make_campaign, make_consumer):
    merchant = make_merchant()
    campaign = make_campaign(merchant, user_daily_cap=Decimal("3.00"))
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

    snapshot_process(snapshot_id=snapshot(post, views=20_000).pk, now=NOW)  # would earn 5.00

    assert sum(r.merchant_price for r in Reward.objects.all()) == Decimal("3.00")


def test_discovered_shares_of_a_joined_brand_are_recorded_and_paid_once(
    make_merchant, make_campaign, make_consumer
):
    from rewards.discovery import share_criteria_for
    from rewards.services import record_discovered_shares

    merchant = make_merchant()
    campaign = make_campaign(merchant)
    ana = make_consumer()
    action_record(user=ana, merchant=merchant, action_type=ActionType.TIKTOK_LOGIN, now=NOW)
    post = tracked_post(ana, campaign)

    criteria = share_criteria_for(user=ana, now=NOW)
    first = record_discovered_shares(user=ana, now=NOW)
    again = record_discovered_shares(user=ana, now=NOW)

    assert [(c.key, c.hashtag) for c in criteria] == [(f"campaign:{campaign.pk}", "spring")]
    assert [a.tracked_post_id for a in first] == [post.pk]
    assert first[0].status == ActionStatus.REWARDED
    assert again == []
    assert pending(ana) == eur("1.20")  # 0.40 login + 0.80 share


def test_the_engagement_task_pays_the_latest_snapshot_of_each_post(
    make_merchant, make_campaign, make_consumer
):
    from rewards.tasks import snapshots_process_latest

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
    snapshot(post, views=2_000, at=NOW)
    latest = snapshot(post, views=6_000, at=NOW + timedelta(hours=1))

    first = snapshots_process_latest()
    second = snapshots_process_latest()

    assert first == {"snapshots": 1, "paid": 1}
    assert second == {"snapshots": 0, "paid": 0}
    assert Reward.objects.get(kind=RewardKind.ENGAGEMENT).snapshot_id == latest.pk


def test_a_batch_of_snapshots_pays_what_one_by_one_would(make_merchant, make_campaign, make_consumer, capsys):
    from rewards.services import snapshots_process

    merchant = make_merchant(funds="100.00")
    campaign = make_campaign(merchant, user_campaign_cap=Decimal("3.00"))
    ana, ben = make_consumer(), make_consumer()
    posts = [tracked_post(u, campaign) for u in (ana, ana, ben)]
    for p in posts:
        action_record(
            user=p.user,
            merchant=merchant,
            action_type=ActionType.SHARE_VIDEO,
            tracked_post=p,
            campaign=campaign,
            now=NOW,
        )
    shots = [
        snapshot(posts[0], views=4_000),
        snapshot(posts[1], views=8_000),
        snapshot(posts[2], views=2_000),
    ]

    paid = snapshots_process(snapshot_ids=[s.pk for s in shots], now=NOW)

    # ana's two fixed shares (2.00) leave 1.00 of her 3.00 cap: her first post takes it, the second gets nothing
    assert paid == 2
    by_snapshot = dict(
        Reward.objects.filter(kind=RewardKind.ENGAGEMENT).values_list("snapshot_id", "merchant_price")
    )
    assert by_snapshot == {shots[0].pk: Decimal("1.00"), shots[2].pk: Decimal("0.50")}
    assert snapshots_process(snapshot_ids=[s.pk for s in shots], now=NOW) == 0
    call_command("ledger_check")
    assert "All invariants hold." in capsys.readouterr().out


def test_a_batch_that_runs_out_of_funds_falls_back_to_one_by_one_and_pauses(
    make_merchant, make_campaign, make_consumer
):
    from rewards.services import snapshots_process

    merchant = make_merchant(funds="4.00")
    campaign = make_campaign(merchant, rules=[share_rule_engagement_only()])
    posts = [tracked_post(make_consumer(), campaign) for _ in range(3)]
    for p in posts:
        action_record(
            user=p.user,
            merchant=merchant,
            action_type=ActionType.SHARE_VIDEO,
            tracked_post=p,
            campaign=campaign,
            now=NOW,
        )
    shots = [snapshot(p, views=6_000) for p in posts]  # 1.50 each; 4.00 covers two

    paid = snapshots_process(snapshot_ids=[s.pk for s in shots], now=NOW)

    assert paid == 2
    assert funds(merchant) == eur("1.00")
    campaign.refresh_from_db()
    assert (campaign.status, campaign.pause_reason) == (CampaignStatus.PAUSED, PauseReason.FUNDS)


def share_rule_engagement_only():
    from rewards.tests.conftest import share_rule

    return share_rule(amount=Decimal("0.00"))


def test_a_reward_that_takes_the_wallet_below_the_threshold_tells_the_owners_once(
    make_merchant, make_campaign, make_consumer, django_capture_on_commit_callbacks
):
    from rewards.tests.conftest import login_rule

    merchant = make_merchant(funds="51.00")  # the default alert threshold is 50.00
    make_campaign(merchant, rules=[login_rule(amount=Decimal("0.60"))])
    mail.outbox.clear()

    with django_capture_on_commit_callbacks(execute=True):
        for _ in range(3):
            action_record(
                user=make_consumer(), merchant=merchant, action_type=ActionType.TIKTOK_LOGIN, now=NOW
            )

    assert funds(merchant) == eur("49.20")
    assert [m.subject for m in mail.outbox] == ["[TikJoy] Acme's wallet is running low"]
