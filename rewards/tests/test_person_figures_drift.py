"""A person's reward figures that drifted from their rewards (a row missing, or counting too few:
rewards granted by the previous release between the migration and the reload) never stop a reward
from being granted, settled, reversed or approved: the row is written from the rewards instead,
under its lock. ``rewards_figures_rebuild`` rewrites every row; ``rewards_check`` reports drift."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.db import connection

from campaigns.models import ActionType
from rewards.models import PersonRewardFigures, Reward, RewardStatus
from rewards.services import (
    action_record,
    held_reward_approve,
    reward_reverse,
    reward_settle,
    rewards_settle_due,
)
from rewards.tests.conftest import NOW, share, tracked_post
from rewards.tests.test_wallet import ana_wallet  # noqa: F401 - the fixture


def _figures(user) -> dict:
    row = PersonRewardFigures.objects.get(user=user, currency="EUR")
    return {
        "PENDING": (row.pending, row.pending_amount),
        "CONFIRMED": (row.confirmed, row.confirmed_amount),
        "HELD": (row.held, row.held_amount),
        "REVERSED": (row.reversed, row.reversed_amount),
    }


def _recounted(user) -> dict:
    figures = dict.fromkeys(RewardStatus.values, (0, Decimal("0.00")))
    for reward in Reward.objects.filter(user=user, currency="EUR"):
        n, total = figures[reward.status]
        figures[reward.status] = (n + 1, total + reward.user_amount)
    return figures


def _check(capsys) -> str:
    capsys.readouterr()
    call_command("rewards_check")
    return capsys.readouterr().out


def _forget_pending(user) -> None:
    """Her row without her pending rewards: what the previous release leaves when it grants them
    after the migration counted the rows."""
    pending = Reward.objects.filter(user=user, status=RewardStatus.PENDING)
    n, total = pending.count(), sum(r.user_amount for r in pending)
    row = PersonRewardFigures.objects.get(user=user, currency="EUR")
    row.pending -= n
    row.pending_amount -= total
    row.save()


@pytest.mark.django_db
def test_a_reward_the_previous_release_granted_after_the_backfill_still_settles(ana_wallet):  # noqa: F811
    # The release migrates (backfill) while the old code still runs: a reward it grants then is in
    # no figures row. Simulated: her row without her pending reward.
    _forget_pending(ana_wallet)

    rewards_settle_due(now=NOW + timedelta(days=30))

    assert not Reward.objects.filter(user=ana_wallet, status=RewardStatus.PENDING).exists()


@pytest.mark.django_db
def test_a_reversal_and_an_approval_on_a_row_that_counts_too_few_go_through_and_mend_it(
    ana_wallet,  # noqa: F811
    ops,
    capsys,
):
    _forget_pending(ana_wallet)
    PersonRewardFigures.objects.filter(user=ana_wallet).update(held=0, held_amount=0)
    pending = Reward.objects.get(user=ana_wallet, status=RewardStatus.PENDING)
    held = Reward.objects.get(user=ana_wallet, status=RewardStatus.HELD)

    reward_reverse(reward_id=pending.pk, reason="Bought views", actor=ops, now=NOW + timedelta(hours=3))
    held_reward_approve(reward_id=held.pk, actor=ops, now=NOW + timedelta(hours=3))

    assert Reward.objects.get(pk=pending.pk).status == RewardStatus.REVERSED
    assert Reward.objects.get(pk=held.pk).status == RewardStatus.PENDING
    assert _figures(ana_wallet) == _recounted(ana_wallet)
    assert "All reward invariants hold." in _check(capsys)


@pytest.mark.django_db
def test_a_first_row_made_by_a_grant_counts_the_rewards_no_row_counted(
    ana_wallet,  # noqa: F811
    make_merchant,
    make_campaign,
    capsys,
):
    PersonRewardFigures.objects.filter(user=ana_wallet).delete()  # her rewards, in no row
    merchant = make_merchant("cora")
    share(ana_wallet, merchant, make_campaign(merchant))

    assert _figures(ana_wallet) == _recounted(ana_wallet)
    assert _figures(ana_wallet)["PENDING"][0] == 2
    assert "All reward invariants hold." in _check(capsys)


@pytest.mark.django_db
def test_rewards_figures_rebuild_rewrites_every_wrong_or_missing_row(
    ana_wallet,  # noqa: F811
    make_consumer,
    capsys,
):
    kept = _figures(ana_wallet)
    ben = Reward.objects.exclude(user=ana_wallet).first().user
    PersonRewardFigures.objects.filter(user=ana_wallet).update(confirmed=7, held_amount=Decimal("9.99"))
    PersonRewardFigures.objects.filter(user=ben).delete()
    PersonRewardFigures.objects.create(user=make_consumer("Nina"), currency="EUR", pending=3)
    capsys.readouterr()
    with pytest.raises(Exception, match="violation"):
        call_command("rewards_check")
    assert "reward figures of user/currency" in capsys.readouterr().err

    call_command("rewards_figures_rebuild")

    assert "3 row(s) were wrong or missing" in capsys.readouterr().out
    assert _figures(ana_wallet) == kept
    assert _figures(ben) == _recounted(ben)
    assert "All reward invariants hold." in _check(capsys)
    call_command("rewards_figures_rebuild")
    assert "0 row(s) were wrong or missing" in capsys.readouterr().out


@pytest.mark.django_db(transaction=True)
def test_settlements_grants_and_reversals_of_one_person_at_once_keep_the_figures_right(
    make_merchant, make_campaign, make_consumer, ops, capsys
):
    """Eight logins settle, four shares are reversed and six are paid, on eight threads, for one
    person whose row is missing at the start (the first to come writes it from the rewards)."""
    ana = make_consumer("Ana")
    logins = []
    for slug in ("bravo", "cora", "dina", "emil", "fero", "gala", "hugo", "ines"):
        merchant = make_merchant(slug)
        make_campaign(merchant, hold_days=3)
        logins.append(
            action_record(user=ana, merchant=merchant, action_type=ActionType.TIKTOK_LOGIN, now=NOW).pk
        )
    login_rewards = list(Reward.objects.filter(action_id__in=logins).values_list("pk", flat=True))
    acme = make_merchant("acme")
    campaign = make_campaign(acme)
    shared = [share(ana, acme, campaign) for _ in range(4)]
    shared_rewards = list(Reward.objects.filter(action__tracked_post__in=shared).values_list("pk", flat=True))
    posts = [tracked_post(ana, campaign) for _ in range(6)]
    PersonRewardFigures.objects.filter(user=ana).delete()
    later = NOW + timedelta(days=3, minutes=1)

    def settle(reward_id):
        try:
            return reward_settle(reward_id=reward_id, now=later)
        finally:
            connection.close()

    def reverse(reward_id):
        try:
            return reward_reverse(reward_id=reward_id, reason="Duplicate", actor=ops, now=later)
        finally:
            connection.close()

    def pay(post):
        try:
            return action_record(
                user=ana,
                merchant=acme,
                action_type=ActionType.SHARE_VIDEO,
                tracked_post=post,
                campaign=campaign,
                now=later,
            )
        finally:
            connection.close()

    with ThreadPoolExecutor(max_workers=8) as pool:
        jobs = (
            [pool.submit(settle, pk) for pk in login_rewards]
            + [pool.submit(reverse, pk) for pk in shared_rewards]
            + [pool.submit(pay, post) for post in posts]
        )
        for job in jobs:
            job.result()

    figures = _figures(ana)
    assert (figures["CONFIRMED"][0], figures["REVERSED"][0], figures["PENDING"][0]) == (8, 4, 6)
    assert figures == _recounted(ana)
    assert "All reward invariants hold." in _check(capsys)
