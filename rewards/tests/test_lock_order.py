"""The engine's one lock order, proved with real threads on PostgreSQL.

Each test forces an interleaving: the first operation is paused right after it took
its locks through ``rewards.services._lock``; the second starts and must wait on a
row lock (seen in ``pg_stat_activity``, so the race did happen); then the first is
released. Both must finish with no deadlock, and the books must agree.
"""

from __future__ import annotations

import logging
import threading
import time
from decimal import Decimal

import pytest
from django.db import connection, transaction

from campaigns import services as campaign_services
from campaigns.models import ActionType, Campaign, RewardRule
from rewards import services as S
from rewards.models import Reward, RewardedSignIn, RewardKind, RewardStatus
from rewards.tests.conftest import NOW, books_are_clean, login_rule, snapshot, tracked_post

pytestmark = pytest.mark.django_db(transaction=True)


class Interleaving:
    """Pause the thread named ``first`` after its first ``_lock`` call whose arguments match ``when``,
    or after a payment decided on unlocked rows locked them by moving their counters
    (``_counters_add_guarded``: its tally, rule and campaign, as ``_lock``'s arguments)."""

    def __init__(self, monkeypatch, when):
        self.when = when
        self.holding = threading.Event()
        self.release = threading.Event()
        self.errors: dict[str, str] = {}
        real, real_counters = S._lock, S._counters_add_guarded

        def hold(kwargs) -> None:
            if threading.current_thread().name == "first" and not self.holding.is_set() and when(kwargs):
                self.holding.set()
                assert self.release.wait(30), "the test never released the first operation"

        def lock(**kwargs):
            locked = real(**kwargs)
            hold(kwargs)
            return locked

        def counters(**kwargs):
            moved = real_counters(**kwargs)
            if moved:
                tally, guard = kwargs["tally"], kwargs["guard"]
                hold(
                    {
                        "tallies": [(tally.user_id, tally.campaign_id)],
                        "rule_ids": [guard.rule.pk],
                        "campaign_ids": [guard.campaign.pk],
                    }
                )
            return moved

        monkeypatch.setattr(S, "_lock", lock)
        monkeypatch.setattr(S, "_counters_add_guarded", counters)

    def thread(self, name: str, fn) -> threading.Thread:
        def run():
            try:
                fn()
            except Exception as exc:  # reported by the test's assertion
                self.errors[name] = repr(exc)[:300]
            finally:
                connection.close()

        return threading.Thread(target=run, name=name)

    def run(self, first, second) -> bool:
        """Run ``first`` until it holds its locks, start ``second``, prove it waits, release.

        Returns whether ``second`` was seen waiting on a lock held by ``first``."""
        a, b = self.thread("first", first), self.thread("second", second)
        a.start()
        assert self.holding.wait(30), f"the first operation never took its locks: {self.errors}"
        b.start()
        waited = _a_backend_waits_on_a_lock(within=10)
        self.release.set()
        a.join(60)
        b.join(60)
        assert not a.is_alive() and not b.is_alive(), "an operation is still running: a deadlock?"
        return waited


def _a_backend_waits_on_a_lock(*, within: float) -> bool:
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
                "AND wait_event_type = 'Lock' AND pid <> pg_backend_pid()"
            )
            if cursor.fetchone()[0]:
                return True
        time.sleep(0.05)
    return False


def _shared_post(merchant, campaign, user):
    post = tracked_post(user, campaign)
    S.action_record(
        user=user,
        merchant=merchant,
        action_type=ActionType.SHARE_VIDEO,
        tracked_post=post,
        campaign=campaign,
        now=NOW,
    )
    return post


def _takes_rewards(kwargs) -> bool:
    return bool(kwargs.get("reward_ids"))


def _takes_actions(kwargs) -> bool:
    return bool(kwargs.get("action_ids"))


def test_a_snapshot_racing_the_reversal_of_its_shares_reward_waits_instead_of_deadlocking(
    monkeypatch, make_merchant, make_campaign, make_consumer, ops, capsys
):
    merchant = make_merchant()
    campaign = make_campaign(merchant)
    ana = make_consumer()
    post = _shared_post(merchant, campaign, ana)
    share_reward = Reward.objects.get(kind=RewardKind.ACTION)
    shot = snapshot(post, views=4_000)
    race = Interleaving(monkeypatch, _takes_rewards)

    waited = race.run(
        lambda: S.reward_reverse(reward_id=share_reward.pk, reason="fake share", actor=ops, now=NOW),
        lambda: S.snapshot_process(snapshot_id=shot.pk, now=NOW),
    )

    assert waited, "the snapshot did not wait for the reversal's locks: the race did not happen"
    assert not race.errors
    share_reward.refresh_from_db()
    assert share_reward.status == RewardStatus.REVERSED
    # The reversal made the share ineligible first: its engagement is not paid.
    assert not Reward.objects.filter(kind=RewardKind.ENGAGEMENT).exists()
    books_are_clean(capsys)


def test_a_reversal_racing_a_snapshot_of_the_same_share_waits_and_takes_back_what_it_paid(
    monkeypatch, make_merchant, make_campaign, make_consumer, ops, capsys
):
    merchant = make_merchant()
    campaign = make_campaign(merchant)
    ana = make_consumer()
    post = _shared_post(merchant, campaign, ana)
    share_reward = Reward.objects.get(kind=RewardKind.ACTION)
    shot = snapshot(post, views=4_000)
    race = Interleaving(monkeypatch, _takes_actions)

    waited = race.run(
        lambda: S.snapshot_process(snapshot_id=shot.pk, now=NOW),
        lambda: S.reward_reverse(reward_id=share_reward.pk, reason="fake share", actor=ops, now=NOW),
    )

    assert waited, "the reversal did not wait for the snapshot's locks: the race did not happen"
    assert not race.errors
    # The snapshot paid first (1.00); the reversal then took back the share and its engagement.
    engagement = Reward.objects.get(kind=RewardKind.ENGAGEMENT)
    assert engagement.merchant_price == Decimal("1.00")
    assert set(Reward.objects.values_list("status", flat=True)) == {RewardStatus.REVERSED}
    books_are_clean(capsys)


def test_approving_a_held_reward_racing_a_snapshot_of_its_post_waits(
    monkeypatch, settings, make_merchant, make_campaign, make_consumer, ops, capsys
):
    settings.REWARDS_RISK_HOLD_THRESHOLD = 0  # everything is held for review
    merchant = make_merchant()
    campaign = make_campaign(merchant)
    ana = make_consumer()
    post = _shared_post(merchant, campaign, ana)
    held = Reward.objects.get(kind=RewardKind.ACTION)
    assert held.status == RewardStatus.HELD
    shot = snapshot(post, views=4_000)
    race = Interleaving(monkeypatch, _takes_rewards)

    waited = race.run(
        lambda: S.held_reward_approve(reward_id=held.pk, actor=ops, now=NOW),
        lambda: S.snapshot_process(snapshot_id=shot.pk, now=NOW),
    )

    assert waited, "the snapshot did not wait for the approval's locks: the race did not happen"
    assert not race.errors
    held.refresh_from_db()
    assert held.status == RewardStatus.PENDING
    assert Reward.objects.filter(kind=RewardKind.ENGAGEMENT).count() == 1
    books_are_clean(capsys)


def test_a_ban_racing_an_ops_reversal_reverses_each_reward_once(
    monkeypatch, make_merchant, make_campaign, make_consumer, ops, capsys
):
    merchant = make_merchant()
    campaign = make_campaign(merchant)
    ana = make_consumer()
    S.action_record(user=ana, merchant=merchant, action_type=ActionType.TIKTOK_LOGIN, now=NOW)
    _shared_post(merchant, campaign, ana)
    share_reward = Reward.objects.get(kind=RewardKind.ACTION, action__action_type=ActionType.SHARE_VIDEO)
    race = Interleaving(monkeypatch, _takes_rewards)

    waited = race.run(
        lambda: S.reward_reverse(reward_id=share_reward.pk, reason="ops", actor=ops, now=NOW),
        lambda: S.user_ban(user=ana, reason="fraud", actor=ops, now=NOW),
    )

    assert waited and not race.errors
    assert set(Reward.objects.filter(user=ana).values_list("status", flat=True)) == {RewardStatus.REVERSED}
    share_reward.refresh_from_db()
    assert share_reward.reason == "ops"  # reversed once, by the first
    campaign.refresh_from_db()
    assert campaign.spent == Decimal("0.00")
    books_are_clean(capsys)


def test_editing_the_rules_of_a_live_campaign_while_paying_waits_instead_of_deadlocking(
    monkeypatch, make_merchant, make_campaign, make_consumer, capsys
):
    merchant = make_merchant()
    campaign = make_campaign(merchant, rules=[login_rule()])
    owner = merchant.memberships.get(role="OWNER").user
    ana = make_consumer()
    race = Interleaving(monkeypatch, lambda kwargs: bool(kwargs.get("rule_ids")))

    waited = race.run(
        lambda: S.action_record(user=ana, merchant=merchant, action_type=ActionType.TIKTOK_LOGIN, now=NOW),
        lambda: campaign_services.campaign_update(
            campaign=Campaign.objects.select_related("merchant").get(pk=campaign.pk),
            actor=owner,
            changes={"name": "Renamed"},
            rules=[login_rule(amount=Decimal("0.60"))],
        ),
    )

    assert waited and not race.errors
    assert Reward.objects.get().merchant_price == Decimal("0.50")  # paid on the rule as it was
    assert RewardRule.objects.get(campaign=campaign).amount == Decimal("0.60")
    books_are_clean(capsys)


def test_a_ban_does_not_deadlock_with_a_payment_on_another_campaign(
    monkeypatch, make_merchant, make_campaign, make_consumer, ops, capsys
):
    from datetime import timedelta

    merchant = make_merchant()
    make_campaign(merchant, rules=[login_rule()], starts_at=NOW - timedelta(days=2))
    second = make_campaign(merchant, name="Second")
    ana, ben = make_consumer(), make_consumer()
    S.action_record(user=ana, merchant=merchant, action_type=ActionType.TIKTOK_LOGIN, now=NOW)
    _shared_post(merchant, second, ana)
    race = Interleaving(monkeypatch, lambda kwargs: bool(kwargs.get("campaign_ids")))

    race.run(
        lambda: S.user_ban(user=ana, reason="fraud", actor=ops, now=NOW),
        lambda: S.action_record(
            user=ben, merchant=merchant, action_type=ActionType.TIKTOK_LOGIN, campaign=second, now=NOW
        ),
    )

    assert not race.errors
    assert set(Reward.objects.filter(user=ana).values_list("status", flat=True)) == {RewardStatus.REVERSED}
    assert Reward.objects.get(user=ben).status == RewardStatus.PENDING
    books_are_clean(capsys)


def test_two_snapshot_batches_of_one_campaign_wait_for_each_other_and_never_deadlock(
    monkeypatch, make_merchant, make_campaign, make_consumer, capsys, caplog
):
    """Two workers pay two people's shares of one campaign: paying engagement adds to the share
    rule's spend, so each batch takes the rule for update and the second waits (found by review: a
    shared lock let both hold it, then wait for each other's update, and PostgreSQL killed one)."""
    merchant = make_merchant()
    campaign = make_campaign(merchant)
    ana, bob = make_consumer(), make_consumer()
    shot_a = snapshot(_shared_post(merchant, campaign, ana), views=4_000)
    shot_b = snapshot(_shared_post(merchant, campaign, bob), views=4_000)
    # The first batch pauses once it holds its tallies and the rule (before the campaign).
    race = Interleaving(
        monkeypatch,
        lambda kwargs: bool(
            kwargs.get("tallies") and kwargs.get("rule_ids") and not kwargs.get("campaign_ids")
        ),
    )

    with caplog.at_level(logging.WARNING, logger="core.db"):
        waited = race.run(
            lambda: S.snapshot_process(snapshot_id=shot_a.pk, now=shot_a.taken_at),
            lambda: S.snapshot_process(snapshot_id=shot_b.pk, now=shot_b.taken_at),
        )

    assert waited and not race.errors, race.errors
    assert Reward.objects.filter(kind=RewardKind.ENGAGEMENT).count() == 2
    lost = [r.getMessage() for r in caplog.records if "lost a race" in r.getMessage()]
    assert not lost, lost
    books_are_clean(capsys)


def test_reversing_a_share_locks_its_engagement_rewards_before_any_posting(
    make_merchant, make_campaign, make_consumer, ops, capsys
):
    """The one order (docs/ledger.md): every row lock of the engine before the ledger's. A share
    reversed with its engagement still pending takes the engagement rewards and the views rule with
    the share's own rows, not after the share's money was posted back."""
    merchant = make_merchant()
    campaign = make_campaign(merchant)
    ana = make_consumer()
    post = _shared_post(merchant, campaign, ana)
    share_reward = Reward.objects.get(kind=RewardKind.ACTION)
    S.snapshot_process(snapshot_id=snapshot(post, views=4_000).pk, now=NOW)
    assert Reward.objects.get(kind=RewardKind.ENGAGEMENT).status == RewardStatus.PENDING
    sent: list[str] = []

    def record(execute, sql, params, many, context):
        sent.append(sql)
        return execute(sql, params, many, context)

    with connection.execute_wrapper(record):
        S.reward_reverse(reward_id=share_reward.pk, reason="fake share", actor=ops, now=NOW)

    first_posting = next(i for i, sql in enumerate(sent) if "wallets_post" in sql)
    late = [sql[:90] for sql in sent[first_posting:] if "FOR UPDATE" in sql and "wallets_" not in sql]
    assert not late, f"engine rows locked after the ledger's: {late}"
    assert set(Reward.objects.values_list("status", flat=True)) == {RewardStatus.REVERSED}
    books_are_clean(capsys)


def _pending_sign_in(make_merchant, make_campaign, make_consumer):
    merchant = make_merchant()
    make_campaign(merchant, rules=[login_rule(amount=Decimal("0.50"))])
    zoe = make_consumer()
    S.action_record(user=zoe, merchant=merchant, action_type=ActionType.TIKTOK_LOGIN, now=NOW)
    reward = Reward.objects.get(user=zoe, merchant=merchant)
    assert reward.status == RewardStatus.PENDING
    return zoe, reward


def _disconnect_keeping(zoe, race=None) -> None:
    """Her TikTok account leaves her account (``tikjoy.sign_in_identities``): its digest is kept, in
    the transaction that takes it away (held open until released, when ``race`` is given)."""
    with transaction.atomic(durable=True):
        S.sign_in_rewards_remember(user=zoe, now=NOW, leaving_tiktok_uids=["open-x"])
        if race is not None:
            race.holding.set()
            assert race.release.wait(30), "the test never released the disconnect"


def test_a_disconnect_racing_the_reversal_of_its_sign_in_reward_keeps_no_digest_for_it(
    monkeypatch, make_merchant, make_campaign, make_consumer, ops, capsys
):
    """The reversal holds the action; the disconnect waits for it (its key-share lock on the action)
    before it reads the reward, reads it reversed and keeps nothing: the brand took its money back."""
    zoe, reward = _pending_sign_in(make_merchant, make_campaign, make_consumer)
    race = Interleaving(monkeypatch, _takes_rewards)

    waited = race.run(
        lambda: S.reward_reverse(reward_id=reward.pk, reason="fake account", actor=ops, now=NOW),
        lambda: _disconnect_keeping(zoe),
    )

    assert waited and not race.errors
    reward.refresh_from_db()
    assert reward.status == RewardStatus.REVERSED
    assert not RewardedSignIn.objects.exists()
    books_are_clean(capsys)


def test_a_reversal_racing_a_disconnect_deletes_the_digest_it_kept(
    monkeypatch, make_merchant, make_campaign, make_consumer, ops, capsys
):
    """The disconnect kept the digest and has not committed; the reversal waits for it (its key-share
    lock on the action), then deletes the digest with the reward's money."""
    zoe, reward = _pending_sign_in(make_merchant, make_campaign, make_consumer)
    race = Interleaving(monkeypatch, lambda kwargs: False)

    waited = race.run(
        lambda: _disconnect_keeping(zoe, race),
        lambda: S.reward_reverse(reward_id=reward.pk, reason="fake account", actor=ops, now=NOW),
    )

    assert waited and not race.errors
    reward.refresh_from_db()
    assert reward.status == RewardStatus.REVERSED
    assert not RewardedSignIn.objects.exists()
    books_are_clean(capsys)
