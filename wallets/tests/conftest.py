from decimal import Decimal

import pytest
from moneyed import Money

from wallets.models import PLATFORM, Purpose
from wallets.services import account_for, transfer


def eur(amount) -> Money:
    return Money(Decimal(str(amount)), "EUR")


@pytest.fixture
def bank(db):
    return account_for(owner=PLATFORM, purpose=Purpose.PLATFORM_BANK, currency="EUR")


@pytest.fixture
def funded(bank):
    """An account holding ``amount`` EUR, funded from the bank by a real transfer."""

    def fund(owner, amount, purpose=Purpose.MERCHANT_AVAILABLE):
        account = account_for(owner=owner, purpose=purpose, currency="EUR")
        transfer(
            source=bank,
            destination=account,
            amount=eur(amount),
            kind="TOP_UP",
            reason="test funding",
            idempotency_key=f"fund:{account.pk}:{amount}",
        )
        return account

    return fund
