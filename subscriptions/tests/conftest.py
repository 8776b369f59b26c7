from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from django.core.management import call_command

from campaigns.models import ActionType
from rewards.services import action_record, reward_settle
from rewards.tests import conftest as rewards_conftest
from rewards.tests.conftest import NOW, eur, login_rule
from wallets.models import Purpose
from wallets.services import account_for, balance

# The engine needs money and campaigns on its clock: rewards' fixtures, by the same names.
make_merchant = rewards_conftest.make_merchant
make_campaign = rewards_conftest.make_campaign

__all__ = ["NOW", "available", "books_clean", "earn_available", "eur", "owed", "pending"]


def pending(user, currency="EUR"):
    return balance(account_for(owner=user, purpose=Purpose.USER_PENDING, currency=currency))


def available(user, currency="EUR"):
    return balance(account_for(owner=user, purpose=Purpose.USER_AVAILABLE, currency=currency))


def owed(user, currency="EUR"):
    return -balance(account_for(owner=user, purpose=Purpose.USER_OWED, currency=currency))


def books_clean() -> None:
    """``ledger_check`` and ``rewards_check`` both pass (each exits 1 on a violation)."""
    call_command("ledger_check")
    call_command("rewards_check")


@pytest.fixture
def earn_available(make_merchant, make_campaign):
    """``earn_available(person, "5.00")``: the person earns that much through the engine (a login reward
    at a brand of their own, confirmed after its hold), so it is in their available balance."""
    made = iter(range(1, 100))

    def earn(user, amount: str, *, at=NOW):
        n = next(made)
        merchant = make_merchant(f"earn{n}-{user.pk}", funds="100.00")
        price = (Decimal(amount) / Decimal("0.8")).quantize(Decimal("0.01"))
        make_campaign(
            merchant, rules=[login_rule(amount=price)], hold_days=0, starts_at=at - timedelta(days=1)
        )
        action = action_record(user=user, merchant=merchant, action_type=ActionType.TIKTOK_LOGIN, now=at)
        reward = action.rewards.get()
        reward_settle(reward_id=reward.pk, now=at + timedelta(seconds=1))
        return reward

    return earn
