"""Going live warns (without refusing) when the funds cover less than a day of rewards at the recent rate."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from campaigns.models import ActionType, CampaignStatus
from campaigns.services import campaign_pause
from rewards.models import Reward
from rewards.runway import funds_runway
from rewards.services import action_record, reward_reverse
from rewards.tests.conftest import eur, login_rule
from tikjoy.tests.factories import owner_of

pytestmark = pytest.mark.django_db


def _logins(merchant, count: int, make_consumer, *, now):
    for _ in range(count):
        action_record(user=make_consumer(), merchant=merchant, action_type=ActionType.TIKTOK_LOGIN, now=now)


def test_the_recent_rate_is_the_larger_of_the_last_24_hours_and_the_7_day_average(
    make_merchant, make_campaign, make_consumer
):
    merchant = make_merchant(funds="30.00")
    make_campaign(merchant, rules=[login_rule(amount=Decimal("1.00"))])
    now = timezone.now()
    _logins(merchant, 14, make_consumer, now=now - timedelta(days=3))  # 14.00 over the week: 2.00 a day
    _logins(merchant, 1, make_consumer, now=now - timedelta(hours=2))  # 1.00 in the last 24 h

    runway = funds_runway(merchant=merchant, now=now)

    assert (runway.last_24h, runway.average_7d, runway.per_day) == (eur("1.00"), eur("2.14"), eur("2.14"))
    assert runway.balance == eur("15.00") and not runway.short

    _logins(merchant, 13, make_consumer, now=now - timedelta(hours=1))  # 14.00 today: more than is left
    runway = funds_runway(merchant=merchant, now=now)
    assert (runway.balance, runway.per_day, runway.short) == (eur("2.00"), eur("14.00"), True)


def test_going_live_with_less_than_a_day_of_funds_warns_but_goes_live(
    client, make_merchant, make_campaign, make_consumer, capsys
):
    merchant = make_merchant(funds="20.00")
    campaign = make_campaign(merchant, rules=[login_rule(amount=Decimal("0.50"))])
    _logins(merchant, 30, make_consumer, now=timezone.now() - timedelta(hours=3))  # 15.00 today, 5.00 left
    owner = owner_of(merchant)
    campaign_pause(campaign=campaign, actor=owner)
    client.force_login(owner)

    response = client.post(
        reverse("console:campaigns_campaign_changelist"),
        {"action": "activate", "_selected_action": [campaign.pk]},
        follow=True,
    )

    campaign.refresh_from_db()
    assert campaign.status == CampaignStatus.ACTIVE
    text = response.content.decode()
    assert "1 campaign is live." in text
    assert (
        "The wallet holds €5.00: less than one day of rewards at the recent rate of €15.00 a day "
        "(the larger of the rewards paid in the last 24 hours, €15.00, and the 7-day average per day, €2.14)."
    ) in text
    page = client.get(reverse("console:campaigns_campaign_change", args=[campaign.pk])).content.decode()
    assert "less than one day of rewards at the recent rate" in page
    capsys.readouterr()
    call_command("ledger_check")
    call_command("rewards_check")
    assert "All invariants hold." in capsys.readouterr().out


def test_no_warning_with_enough_funds_or_no_recent_rewards(client, make_merchant, make_campaign):
    merchant = make_merchant(funds="20.00")
    campaign = make_campaign(merchant, rules=[login_rule(amount=Decimal("0.50"))])
    client.force_login(owner_of(merchant))

    page = client.get(reverse("console:campaigns_campaign_change", args=[campaign.pk])).content.decode()

    assert "less than one day of rewards" not in page
    assert funds_runway(merchant=merchant, now=timezone.now()).per_day == eur("0.00")


def test_the_rate_counts_the_rewards_not_reversed_and_reads_no_ledger_entry(
    make_merchant, make_campaign, make_consumer, ops, django_assert_max_num_queries
):
    merchant = make_merchant(funds="30.00")
    make_campaign(merchant, rules=[login_rule(amount=Decimal("1.00"))])
    now = timezone.now()
    _logins(merchant, 3, make_consumer, now=now - timedelta(hours=2))
    _logins(merchant, 4, make_consumer, now=now - timedelta(days=8))  # before the week: not counted
    first = Reward.objects.filter(merchant=merchant).order_by("-created_at").first()
    reward_reverse(reward_id=first.pk, reason="Duplicate", actor=ops, now=now - timedelta(hours=1))

    with django_assert_max_num_queries(3) as captured:
        runway = funds_runway(merchant=merchant, now=now)

    assert (runway.last_24h, runway.average_7d) == (eur("2.00"), eur("0.28"))
    assert not [q for q in captured.captured_queries if "wallets_entry" in q["sql"]]
