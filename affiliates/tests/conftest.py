"""Affiliates' test helpers: programs, approved affiliates and their clicks come from the one factory module."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from django.core.management import call_command
from moneyed import Money

from affiliates import services
from affiliates.models import Affiliate, Program
from api.tests.conftest import api, make_key  # noqa: F401 - the API's client and key fixtures
from tikjoy.tests.factories import NOW, affiliate_click_make, affiliate_make, affiliate_program_make
from wallets.models import PLATFORM, Purpose
from wallets.services import account_for, balance

__all__ = ["NOW", "day"]


def day(n: int):
    """NOW + n days (the frozen clock of these tests)."""
    return NOW + timedelta(days=n)


def eur(value) -> Money:
    return Money(Decimal(str(value)), "EUR")


def funds(merchant) -> Money:
    return balance(
        account_for(owner=merchant, purpose=Purpose.MERCHANT_AVAILABLE, currency=merchant.currency)
    )


def pending(affiliate: Affiliate) -> Money:
    return balance(account_for(owner=affiliate, purpose=Purpose.AFFILIATE_PENDING, currency="EUR"))


def locked(affiliate: Affiliate) -> Money:
    return balance(account_for(owner=affiliate, purpose=Purpose.AFFILIATE_LOCKED, currency="EUR"))


def available(user) -> Money:
    return balance(account_for(owner=user, purpose=Purpose.USER_AVAILABLE, currency="EUR"))


def revenue(merchant) -> Money:
    return balance(
        account_for(owner=PLATFORM, purpose=Purpose.PLATFORM_REVENUE, currency="EUR", partition=merchant)
    )


def assert_ledger_clean() -> None:
    call_command("ledger_check")
    call_command("rewards_check")
    call_command("affiliates_check")  # the reports' roll-ups equal the rows


def convert(program: Program, click, order_id: str = "order-1", *, at=NOW, **fields):
    return services.conversion_record(
        program=program,
        order_id=order_id,
        event_type=fields.pop("event_type", "sale"),
        amount=fields.pop("amount", Decimal("120.00")),
        currency=program.currency,
        occurred_at=fields.pop("occurred_at", at),
        now=at,
        click_id=click.click_id if click is not None else "",
        **fields,
    )


@pytest.fixture
def program(make_merchant, ops):
    merchant = make_merchant(
        "joy", funds="500.00", ops=ops
    )  # funded by the ``ops`` person (their session stays)
    return affiliate_program_make(merchant)


@pytest.fixture
def affiliate(program):
    return affiliate_make(program, email="ana@creator.example")


@pytest.fixture
def click(affiliate):
    return affiliate_click_make(affiliate)
