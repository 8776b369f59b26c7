"""The engine's second pass (issue #10): margin earned at confirmation, the evidence window is the
hold, only approved UGC earns, currency can't change under running money, side effects never
break a request, and ``rewards_check`` sees drift."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils import timezone

from campaigns.models import ActionType, Campaign, UgcStatus, UgcSubmission
from merchants import services as merchant_services
from merchants.services import MerchantError
from merchants.wallet import merchant_top_up_record
from rewards.models import ActionStatus, Reward, RewardKind, RewardStatus
from rewards.services import (
    action_record,
    reward_reverse,
    reward_settle,
    rewards_settle_due,
    snapshot_process,
)
from rewards.tests.conftest import NOW, eur, login_rule, seen_on_tiktok, snapshot, tracked_post
from social.models import TrackedPost
from wallets.models import PLATFORM, Purpose
from wallets.services import account_for, balance

pytestmark = pytest.mark.django_db


def _revenue(merchant, purpose) -> Decimal:
    return balance(account_for(owner=PLATFORM, purpose=purpose, currency="EUR", partition=merchant)).amount


def _share(merchant, campaign, user, *, now=NOW) -> tuple:
    post = tracked_post(user, campaign)
    action = action_record(
        user=user,
        merchant=merchant,
        action_type=ActionType.SHARE_VIDEO,
        tracked_post=post,
        campaign=campaign,
        now=now,
    )
    return post, action


def test_the_margin_is_pending_until_confirmation_and_a_reversal_takes_it_back_from_pending(
    make_merchant, make_campaign, make_consumer, ops, capsys
):
    merchant = make_merchant()
    make_campaign(merchant)
    ana, ben = make_consumer(), make_consumer()
    action_record(user=ana, merchant=merchant, action_type=ActionType.TIKTOK_LOGIN, now=NOW)
    action_record(user=ben, merchant=merchant, action_type=ActionType.TIKTOK_LOGIN, now=NOW)
    assert (
        _revenue(merchant, Purpose.PLATFORM_REVENUE_PENDING),
        _revenue(merchant, Purpose.PLATFORM_REVENUE),
    ) == (
        Decimal("0.20"),
        Decimal("0.00"),
    )

    reward_reverse(reward_id=Reward.objects.get(user=ben).pk, reason="fraud", actor=ops, now=NOW)
    reward_settle(reward_id=Reward.objects.get(user=ana).pk, now=NOW + timedelta(days=15))

    assert (
        _revenue(merchant, Purpose.PLATFORM_REVENUE_PENDING),
        _revenue(merchant, Purpose.PLATFORM_REVENUE),
    ) == (
        Decimal("0.00"),
        Decimal("0.10"),
    )
    call_command("ledger_check")
    call_command("rewards_check")
    assert "All reward invariants hold." in capsys.readouterr().out


def test_a_shared_post_is_watched_until_a_sync_after_the_end_of_its_hold_whatever_the_hold(
    make_merchant, make_campaign, make_consumer, settings
):
    merchant = make_merchant()
    campaign = make_campaign(merchant, hold_days=30)
    post, _ = _share(merchant, campaign, make_consumer())

    post.refresh_from_db()
    assert post.track_until == NOW + timedelta(days=30 + settings.REWARDS_EVIDENCE_DAYS)
    assert TrackedPost.objects.watched(now=NOW + timedelta(days=29)).filter(pk=post.pk).exists()


def test_a_post_deleted_on_day_20_of_a_30_day_hold_is_reversed_not_paid(
    make_merchant, make_campaign, make_consumer
):
    merchant = make_merchant()
    campaign = make_campaign(merchant, hold_days=30)
    ana = make_consumer()
    post, _ = _share(merchant, campaign, ana)
    snapshot_process(snapshot_id=snapshot(post, views=4_000).pk, now=NOW)
    # day 20: the engagement sync no longer finds the post
    TrackedPost.objects.filter(pk=post.pk).update(
        status=TrackedPost.Status.GONE,
        gone_at=NOW + timedelta(days=20),
        last_synced_at=NOW + timedelta(days=20),
    )

    counts = rewards_settle_due(now=NOW + timedelta(days=31))

    assert counts == {"CONFIRMED": 0, "REVERSED": 2, "WAITING": 0}
    assert balance(account_for(owner=ana, purpose=Purpose.USER_AVAILABLE, currency="EUR")) == eur("0.00")


def test_a_share_is_not_confirmed_until_the_post_was_synced_after_the_hold(
    make_merchant, make_campaign, make_consumer, settings
):
    merchant = make_merchant()
    campaign = make_campaign(merchant, hold_days=14)
    post, _ = _share(merchant, campaign, make_consumer())
    seen_on_tiktok(post, at=NOW + timedelta(days=13))  # the last sync before the hold ended
    reward = Reward.objects.get()
    later = NOW + timedelta(days=14, hours=1)

    waiting = reward_settle(reward_id=reward.pk, now=later)

    assert waiting.status == RewardStatus.PENDING
    assert TrackedPost.objects.watched(now=later).filter(pk=post.pk).exists()  # still watched

    seen_on_tiktok(post, at=NOW + timedelta(days=14, hours=2))
    assert (
        reward_settle(reward_id=reward.pk, now=NOW + timedelta(days=14, hours=3)).status
        == RewardStatus.CONFIRMED
    )


def test_a_creators_share_earns_only_once_the_brand_approved_their_video(
    make_merchant, make_campaign, make_consumer
):
    merchant = make_merchant()
    campaign = make_campaign(merchant)
    chloe = make_consumer("Chloe")
    submission = UgcSubmission.objects.create(
        campaign=campaign, user=chloe, file="ugc.mp4", caption="my video #spring", submitted_at=NOW
    )

    _, waiting = _share(merchant, campaign, chloe)
    assert waiting.status == ActionStatus.INELIGIBLE
    assert waiting.reason == "VIDEO_NOT_APPROVED"
    assert "waits for your approval" in waiting.status_detail
    assert not Reward.objects.exists()

    UgcSubmission.objects.filter(pk=submission.pk).update(status=UgcStatus.APPROVED)
    _, approved = _share(merchant, campaign, chloe)
    assert approved.status == ActionStatus.REWARDED
    assert Reward.objects.get().kind == RewardKind.ACTION


def test_the_currency_of_a_merchant_with_campaigns_cannot_change(make_merchant, make_campaign):
    merchant = make_merchant()
    make_campaign(merchant)
    owner = merchant.memberships.get(role="OWNER").user

    with pytest.raises(MerchantError, match="currency can't change once the brand has campaigns"):
        merchant_services.merchant_update(merchant=merchant, actor=owner, changes={"currency": "USD"})

    merchant.refresh_from_db()
    assert merchant.currency == "EUR"
    assert set(Campaign.objects.values_list("currency", flat=True)) == {"EUR"}


def test_a_currency_whose_minor_unit_does_not_fit_the_ledger_fails_the_system_check(monkeypatch):
    from wallets import checks

    assert checks.currencies_fit_the_ledger() == []
    monkeypatch.setattr(checks, "AMOUNT_DECIMALS", 1)
    errors = checks.currencies_fit_the_ledger()
    assert {e.id for e in errors} == {"wallets.E002"}
    assert any("EUR has 2 decimal places" in e.msg for e in errors)


def test_a_top_up_and_a_ban_still_succeed_when_the_mail_server_is_down(
    make_merchant, make_campaign, make_consumer, ops, settings
):
    from rewards.services import user_ban

    settings.EMAIL_BACKEND = "core.tests.failing_mail.EmailBackend"
    merchant = make_merchant(funds=None)

    record, created = merchant_top_up_record(
        merchant=merchant,
        amount=eur("50.00"),
        bank_reference="BANK-down-1",
        value_date=date(2026, 11, 20),
        actor=ops,
        now=NOW,
    )
    make_campaign(merchant)
    ana = make_consumer()
    action_record(user=ana, merchant=merchant, action_type=ActionType.TIKTOK_LOGIN, now=NOW)
    user_ban(user=ana, reason="fraud", actor=ops, now=NOW)

    assert created and record.ledger_transaction_id
    assert Reward.objects.get().status == RewardStatus.REVERSED
    assert balance(account_for(owner=merchant, purpose=Purpose.MERCHANT_AVAILABLE, currency="EUR")) == eur(
        "50.00"
    )


def test_joining_a_brand_page_is_not_a_500_when_the_mail_server_is_down(
    make_merchant, make_campaign, make_consumer, client, settings
):
    settings.EMAIL_BACKEND = "core.tests.failing_mail.EmailBackend"
    merchant = make_merchant(funds="0.60")  # the login reward takes the wallet below its alert threshold
    make_campaign(merchant, rules=[login_rule(action=ActionType.WHATSAPP_LOGIN)])
    ana = make_consumer()
    ana.phone, ana.phone_verified = "+4915112345678", True  # signs in with WhatsApp
    ana.save(update_fields=["phone", "phone_verified"])
    client.force_login(ana)

    from merchants.selectors import consent_items_for

    fields = [item.key for item in consent_items_for(user=ana)]
    response = client.post(f"/b/{merchant.slug}/join/", {"decision": "agree", "fields": fields})

    assert response.status_code == 302
    assert Reward.objects.get(user=ana).merchant_price == Decimal("0.50")


def test_rewards_check_reports_a_campaign_whose_spend_drifted_from_its_rewards(
    make_merchant, make_campaign, make_consumer, capsys
):
    merchant = make_merchant()
    campaign = make_campaign(merchant)
    action_record(user=make_consumer(), merchant=merchant, action_type=ActionType.TIKTOK_LOGIN, now=NOW)
    Campaign.objects.filter(pk=campaign.pk).update(spent=Decimal("7.00"))

    with pytest.raises(CommandError, match="1 reward invariant violation") as exit_info:
        call_command("rewards_check")

    assert exit_info.value.returncode == 1
    assert (
        f"spent of campaign {campaign.pk}: the rewards say 0.50, the books say 7.00"
        in capsys.readouterr().err
    )


def test_rewards_check_reports_a_reward_whose_state_disagrees_with_the_ledger(
    make_merchant, make_campaign, make_consumer, capsys
):
    merchant = make_merchant()
    make_campaign(merchant)
    action_record(user=make_consumer(), merchant=merchant, action_type=ActionType.TIKTOK_LOGIN, now=NOW)
    reward = Reward.objects.get()
    Reward.objects.filter(pk=reward.pk).update(status=RewardStatus.CONFIRMED, decided_at=timezone.now())

    with pytest.raises(CommandError):
        call_command("rewards_check")

    assert (
        f"reward {reward.pk} is CONFIRMED but its ledger transactions are ['REWARD']"
        in capsys.readouterr().err
    )


# --- review findings (each failed before its fix) ---------------------------------------------


class _NoTikTok:
    """A TikTok client that must not be reached: the consumer has no usable authorization."""

    def video_query(self, **kwargs):
        raise AssertionError("no token: TikTok is never asked")


def test_a_share_whose_post_can_never_be_checked_is_reversed_when_its_evidence_window_ends(
    make_merchant, make_campaign, make_consumer, settings
):
    from social.services import engagement_sync

    merchant = make_merchant()
    campaign = make_campaign(merchant, hold_days=14)
    post, _ = _share(merchant, campaign, make_consumer())  # no TikTok token: the sync skips this person
    reward = Reward.objects.get()
    deadline = reward.available_at + timedelta(days=settings.REWARDS_EVIDENCE_DAYS)

    assert rewards_settle_due(now=NOW + timedelta(days=15)) == {"CONFIRMED": 0, "REVERSED": 0, "WAITING": 1}
    assert engagement_sync(now=NOW + timedelta(days=15, hours=1), client=_NoTikTok()).users_skipped == 1
    post.refresh_from_db()
    assert post.track_until == deadline  # watched until the window ends, not for ever

    assert rewards_settle_due(now=deadline) == {"CONFIRMED": 0, "REVERSED": 1, "WAITING": 0}
    reward.refresh_from_db()
    assert reward.reason == "The post could not be checked on TikTok after the hold period ended."


def test_rewards_waiting_for_a_sync_never_hold_back_the_ones_due_after_them(
    make_merchant, make_campaign, make_consumer
):
    merchant = make_merchant()
    campaign = make_campaign(merchant, hold_days=14)
    for _ in range(3):
        _share(merchant, campaign, make_consumer())  # due at NOW + 14 days, no sync since
    ben = make_consumer()
    action_record(
        user=ben, merchant=merchant, action_type=ActionType.TIKTOK_LOGIN, now=NOW + timedelta(hours=1)
    )

    counts = rewards_settle_due(now=NOW + timedelta(days=15), limit=2)

    assert counts == {"CONFIRMED": 1, "REVERSED": 0, "WAITING": 3}
    assert Reward.objects.get(user=ben).status == RewardStatus.CONFIRMED


def test_reversing_a_shares_own_reward_reverses_the_engagement_it_earned_too(
    make_merchant, make_campaign, make_consumer, ops, capsys
):
    merchant = make_merchant()
    campaign = make_campaign(merchant)
    ana = make_consumer()
    post, _ = _share(merchant, campaign, ana)
    snapshot_process(snapshot_id=snapshot(post, views=4_000).pk, now=NOW)

    reward_reverse(
        reward_id=Reward.objects.get(kind=RewardKind.ACTION).pk, reason="fake share", actor=ops, now=NOW
    )

    assert set(Reward.objects.values_list("status", flat=True)) == {RewardStatus.REVERSED}
    assert balance(account_for(owner=ana, purpose=Purpose.USER_PENDING, currency="EUR")) == eur("0.00")
    call_command("rewards_check")
    assert "All reward invariants hold." in capsys.readouterr().out


def test_engagement_measured_after_the_hold_gets_a_hold_of_its_own(
    make_merchant, make_campaign, make_consumer, settings
):
    merchant = make_merchant()
    campaign = make_campaign(merchant, hold_days=14)
    post, _ = _share(merchant, campaign, make_consumer())
    late = NOW + timedelta(days=14, hours=12)

    reward = snapshot_process(snapshot_id=snapshot(post, views=40_000, at=late).pk, now=late)

    assert reward.available_at == late + timedelta(hours=settings.REWARDS_LATE_ENGAGEMENT_HOLD_HOURS)
    assert reward_settle(reward_id=reward.pk, now=late + timedelta(minutes=1)).status == RewardStatus.PENDING
    post.refresh_from_db()
    assert post.track_until >= reward.available_at + timedelta(days=settings.REWARDS_EVIDENCE_DAYS)


def test_a_rule_disabled_just_before_the_engine_locks_it_pays_nothing(
    make_merchant, make_campaign, make_consumer, monkeypatch
):
    from campaigns.models import RewardRule
    from rewards import services

    merchant = make_merchant()
    make_campaign(merchant, rules=[login_rule()])
    real_risk = services.action_risk

    def merchant_disables_the_rule_meanwhile(action, *, now, **counts):
        RewardRule.objects.update(is_enabled=False)  # what a concurrent campaign edit commits
        return real_risk(action, now=now, **counts)

    monkeypatch.setattr(services, "action_risk", merchant_disables_the_rule_meanwhile)
    action = action_record(
        user=make_consumer(), merchant=merchant, action_type=ActionType.TIKTOK_LOGIN, now=NOW
    )

    assert not Reward.objects.exists()
    assert action.reason == "RULE_DISABLED"
    assert action.status_detail.startswith("The campaign no longer rewards this")


def test_a_payment_with_a_clock_from_before_midnight_never_lifts_the_daily_cap(
    make_merchant, make_campaign, make_consumer, capsys
):
    from datetime import UTC, datetime

    merchant = make_merchant()
    campaign = make_campaign(merchant, user_daily_cap=Decimal("1.00"))
    ana = make_consumer()
    midnight = datetime(2026, 11, 23, tzinfo=UTC)
    post, _ = _share(merchant, campaign, ana, now=midnight + timedelta(minutes=1))  # 1.00: today's cap used
    # an engagement run that started at 23:59 reaches this post after midnight
    snapshot_process(
        snapshot_id=snapshot(post, views=4_000, at=midnight).pk, now=midnight - timedelta(minutes=1)
    )
    action_record(
        user=ana, merchant=merchant, action_type=ActionType.TIKTOK_LOGIN, now=midnight + timedelta(minutes=2)
    )

    paid = [r.merchant_price for r in Reward.objects.filter(user=ana)]
    assert paid == [Decimal("1.00")]
    call_command("rewards_check")
    assert "All reward invariants hold." in capsys.readouterr().out
