"""Each person's reward figures (``PersonRewardFigures``): kept by the engine with every grant,
confirmation, approval and reversal, reconciled by ``rewards_check``, read by the wallet."""

from __future__ import annotations

import importlib
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from decimal import Decimal

import pytest
from django.core.management import CommandError, call_command
from django.db import connection

from campaigns.models import ActionType
from rewards.models import PersonRewardFigures, Reward, RewardStatus
from rewards.selectors import wallet_reward_figures
from rewards.services import action_record, held_reward_approve, reward_reverse, rewards_settle_due
from rewards.tests.conftest import NOW, tracked_post
from rewards.tests.test_wallet import _text, ana_wallet, shown  # noqa: F401 - the fixture

BACKFILL = importlib.import_module("rewards.migrations.0016_person_reward_figures").BACKFILL


def _figures(user) -> dict:
    row = PersonRewardFigures.objects.get(user=user, currency="EUR")
    return {
        "PENDING": (row.pending, row.pending_amount),
        "CONFIRMED": (row.confirmed, row.confirmed_amount),
        "HELD": (row.held, row.held_amount),
        "REVERSED": (row.reversed, row.reversed_amount),
    }


def _check(capsys) -> str:
    capsys.readouterr()
    call_command("rewards_check")
    return capsys.readouterr().out


@pytest.mark.django_db
def test_the_figures_follow_grants_confirmations_approvals_and_reversals(ana_wallet, ops, capsys):  # noqa: F811
    assert _figures(ana_wallet) == {
        "PENDING": (1, Decimal("0.80")),
        "CONFIRMED": (1, Decimal("0.40")),
        "HELD": (1, Decimal("0.40")),
        "REVERSED": (1, Decimal("0.88")),
    }
    held = Reward.objects.get(user=ana_wallet, status=RewardStatus.HELD)
    held_reward_approve(reward_id=held.pk, actor=ops, now=NOW + timedelta(hours=3))
    share = Reward.objects.filter(user=ana_wallet, status=RewardStatus.PENDING).exclude(pk=held.pk).get()
    reward_reverse(reward_id=share.pk, reason="Bought views", actor=ops, now=NOW + timedelta(hours=4))
    rewards_settle_due(now=NOW + timedelta(days=30))  # the approved login's hold ends: available

    assert _figures(ana_wallet) == {
        "PENDING": (0, Decimal("0.00")),
        "CONFIRMED": (2, Decimal("0.80")),
        "HELD": (0, Decimal("0.00")),
        "REVERSED": (2, Decimal("1.68")),
    }
    assert wallet_reward_figures(user=ana_wallet).counts == {
        "PENDING": 0,
        "CONFIRMED": 2,
        "HELD": 0,
        "REVERSED": 2,
    }
    assert "All reward invariants hold." in _check(capsys)


@pytest.mark.django_db
def test_the_wallet_shows_the_figures_the_rewards_say(client, ana_wallet):  # noqa: F811
    client.force_login(ana_wallet)

    page = _text(client.get("/wallet/"))

    assert f"Under review in all: {shown('0.40')}" in page
    assert client.get("/wallet/summary.json").json()["counts"] == {
        "PENDING": 1,
        "CONFIRMED": 1,
        "HELD": 1,
        "REVERSED": 1,
    }


@pytest.mark.django_db
def test_rewards_check_fails_when_a_persons_figures_are_wrong(ana_wallet, capsys):  # noqa: F811
    PersonRewardFigures.objects.filter(user=ana_wallet).update(pending=2)

    with pytest.raises(CommandError):
        _check(capsys)

    assert (
        f"reward figures of user/currency ({ana_wallet.pk}, 'EUR'): the rewards say pending 1.00 (figures 2.00)"
        in capsys.readouterr().err
    )


@pytest.mark.django_db
def test_rewards_check_fails_when_a_persons_figures_are_missing(ana_wallet, capsys):  # noqa: F811
    PersonRewardFigures.objects.filter(user=ana_wallet).delete()

    with pytest.raises(CommandError):
        _check(capsys)

    assert f"reward figures of user/currency ({ana_wallet.pk}, 'EUR'): missing" in capsys.readouterr().err


@pytest.mark.django_db
def test_a_missing_row_is_counted_from_the_rewards_when_a_reward_moves(ana_wallet, ops, capsys):  # noqa: F811
    PersonRewardFigures.objects.filter(user=ana_wallet).delete()
    held = Reward.objects.get(user=ana_wallet, status=RewardStatus.HELD)

    held_reward_approve(reward_id=held.pk, actor=ops, now=NOW + timedelta(hours=3))

    assert _figures(ana_wallet)["PENDING"] == (2, Decimal("1.20"))
    assert "All reward invariants hold." in _check(capsys)


@pytest.mark.django_db
def test_the_migration_fills_the_figures_the_engine_keeps(ana_wallet, make_consumer):  # noqa: F811
    kept = _figures(ana_wallet)
    PersonRewardFigures.objects.all().delete()

    with connection.cursor() as cursor:
        cursor.execute(BACKFILL)

    assert _figures(ana_wallet) == kept
    assert PersonRewardFigures.objects.count() == Reward.objects.values("user_id").distinct().count()


@pytest.mark.django_db(transaction=True)
def test_grants_and_reversals_of_one_person_at_once_keep_the_figures_right(
    make_merchant, make_campaign, make_consumer, ops, capsys
):
    merchant = make_merchant(funds="100.00")
    campaign = make_campaign(merchant)
    ana = make_consumer("Ana")

    def share(post):
        try:
            return action_record(
                user=ana,
                merchant=merchant,
                action_type=ActionType.SHARE_VIDEO,
                tracked_post=post,
                campaign=campaign,
                now=NOW,
            )
        finally:
            connection.close()

    def reverse(reward_id):
        try:
            return reward_reverse(reward_id=reward_id, reason="Duplicate", actor=ops, now=NOW)
        finally:
            connection.close()

    first = [share(tracked_post(ana, campaign)) for _ in range(10)]
    paid = list(Reward.objects.filter(action__in=first).values_list("pk", flat=True))
    later = [tracked_post(ana, campaign) for _ in range(10)]
    with ThreadPoolExecutor(max_workers=8) as pool:
        jobs = [pool.submit(share, post) for post in later] + [pool.submit(reverse, pk) for pk in paid]
        for job in jobs:
            job.result()

    assert _figures(ana)["REVERSED"][0] == 10
    assert (
        _figures(ana)["PENDING"][0]
        == Reward.objects.filter(user=ana, status=RewardStatus.PENDING).count()
        > 0
    )
    assert "All reward invariants hold." in _check(capsys)
