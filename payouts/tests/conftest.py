from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from itertools import count

import pytest
from django.core.management import call_command
from moneyed import Money

from accounts.models import User
from accounts.services import user_ensure_with_email
from payouts import services
from payouts.models import BankAccount, IdentityStatus
from wallets.models import PLATFORM, Purpose
from wallets.services import account_for, balance, transfer

NOW = datetime(2026, 11, 23, 10, 0, tzinfo=UTC)  # a Monday
LATER = NOW + timedelta(hours=49)  # past the 48-hour hold on new bank details
IBAN_DE = "DE89370400440532013000"
_seq = count(1)


def eur(value) -> Money:
    return Money(Decimal(str(value)), "EUR")


def available(user) -> Money:
    return balance(account_for(owner=user, purpose=Purpose.USER_AVAILABLE, currency="EUR"))


def fund(user, amount: str) -> None:
    """Money reaches the person's available balance (as a confirmed reward would)."""
    bank = account_for(owner=PLATFORM, purpose=Purpose.PLATFORM_BANK, currency="EUR")
    transfer(
        source=bank,
        destination=account_for(owner=user, purpose=Purpose.USER_AVAILABLE, currency="EUR"),
        amount=eur(amount),
        kind="TEST_FUNDING",
        reason="test funds",
        idempotency_key=f"test-fund:{user.pk}:{next(_seq)}",
    )


def assert_ledger_clean() -> None:
    """``manage.py ledger_check`` and ``rewards_check`` exit 0 (each raises CommandError, exit 1, on any violation)."""
    call_command("ledger_check")
    call_command("rewards_check")


def add_bank_account(user, *, iban: str = IBAN_DE, holder: str = "Ana Dances", now=NOW) -> BankAccount:
    details = services.bank_details_clean(
        holder_name=holder,
        street="Hauptstrasse",
        building_number="5",
        postcode="10115",
        town="Berlin",
        country="DE",
        iban=iban,
    )
    return services.bank_account_replace(user=user, details=details, now=now)


def verify_identity(user, ops, *, tax_id: str = "") -> None:
    identity = services.identity_submit(
        user=user,
        legal_name="Ana Dances",
        date_of_birth=date(1995, 4, 2),
        street="Hauptstrasse",
        building_number="5",
        postcode="10115",
        town="Berlin",
        country="DE",
        tax_id=tax_id,
        now=NOW,
    )
    services.identity_review(identity=identity, actor=ops, verified=True, reason="", now=NOW)
    identity.refresh_from_db()
    assert identity.status == IdentityStatus.VERIFIED


@pytest.fixture
def ops(db) -> User:
    user, _ = user_ensure_with_email(
        email="ops1@tikjoy.example", password="a-long-pass-phrase-42", is_staff=True, is_superuser=True
    )
    return user


@pytest.fixture
def ops2(db) -> User:
    user, _ = user_ensure_with_email(
        email="ops2@tikjoy.example", password="a-long-pass-phrase-42", is_staff=True, is_superuser=True
    )
    return user


@pytest.fixture
def make_payee(db, ops):
    """A consumer with available money, verified identity and bank details past their hold."""

    def make(
        funds: str = "100.00", *, email: str | None = None, holder: str = "Ana Dances", iban: str = IBAN_DE
    ):
        n = next(_seq)
        user, _ = user_ensure_with_email(
            email=email or f"payee{n}@example.com", password="a-long-pass-phrase-42"
        )
        if funds:
            fund(user, funds)
        verify_identity(user, ops)
        add_bank_account(user, iban=iban, holder=holder)
        return user

    return make
