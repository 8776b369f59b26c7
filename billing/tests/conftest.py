"""Billing test helpers: merchants with legal details, and ledger movements at chosen instants."""

from __future__ import annotations

import io
from contextlib import contextmanager
from datetime import date, datetime
from decimal import Decimal
from unittest import mock

import pytest
from moneyed import Money
from pypdf import PdfReader

from accounts.services import user_ensure_with_email
from merchants import services as merchant_services
from merchants.models import Merchant
from merchants.wallet import merchant_top_up_record
from wallets.models import PLATFORM, Purpose
from wallets.services import account_for, post

PASSWORD = "a-long-pass-phrase-42"


@contextmanager
def clock(at: datetime):
    """Everything that reads ``timezone.now()`` (the ledger's created_at, auto_now_add) reads ``at``."""
    with mock.patch("django.utils.timezone.now", return_value=at):
        yield


def user(email: str, **flags):
    return user_ensure_with_email(email=email, password=PASSWORD, **flags)[0]


def merchant_new(
    slug: str, *, country: str = "FR", vat_number: str = "", currency: str = "EUR", language: str = "en"
) -> Merchant:
    merchant = merchant_services.merchant_create(
        actor=user(f"owner@{slug}.example"),
        brand_name=slug.title(),
        slug=slug,
        country=country,
        legal_name=f"{slug.title()} Ltd",
        billing_address="1 Main Street",
        contact_email=f"hello@{slug}.example",
        currency=currency,
        vat_number=vat_number,
        language=language,  # English unless a test asks: the PDFs' words are read in English here
    )
    Merchant.objects.filter(pk=merchant.pk).update(billing_postcode="10115", billing_city="Capital City")
    merchant.refresh_from_db()
    return merchant


def ops():
    return user("ops@tikjoy.example", is_staff=True, is_superuser=True)


def top_up(merchant: Merchant, amount: str, *, at: datetime, ref: str):
    with clock(at):
        record, _ = merchant_top_up_record(
            merchant=merchant,
            amount=Money(Decimal(amount), merchant.currency),
            bank_reference=ref,
            value_date=at.date(),
            actor=ops(),
            now=at,
        )
    return record


def margin_confirmed(
    merchant: Merchant, amount: str, *, at: datetime, key: str, kind: str = "REWARD_CONFIRM"
):
    """Margin moved to the platform's revenue account kept for ``merchant`` (what the engine does at confirmation)."""
    currency = merchant.currency
    money = Money(Decimal(amount), currency)
    with clock(at):
        pending = account_for(
            owner=PLATFORM, purpose=Purpose.PLATFORM_REVENUE_PENDING, currency=currency, partition=merchant
        )
        revenue = account_for(
            owner=PLATFORM, purpose=Purpose.PLATFORM_REVENUE, currency=currency, partition=merchant
        )
        funds = account_for(owner=merchant, purpose=Purpose.MERCHANT_AVAILABLE, currency=currency)
        post(
            entries=[(funds, -money), (pending, money)],
            kind="REWARD",
            reason="margin granted",
            idempotency_key=f"{key}:g",
        )
        return post(
            entries=[(pending, -money), (revenue, money)],
            kind=kind,
            reason="margin confirmed",
            idempotency_key=key,
        )


def pdf_text(pdf: bytes) -> str:
    reader = PdfReader(io.BytesIO(bytes(pdf)))
    return "\n".join(page.extract_text() for page in reader.pages)


def pdf_attachments(pdf: bytes) -> dict[str, bytes]:
    reader = PdfReader(io.BytesIO(bytes(pdf)))
    return {name: contents[0] for name, contents in reader.attachments.items()}


def utc(*args) -> datetime:
    from datetime import UTC

    return datetime(*args, tzinfo=UTC)


@pytest.fixture
def october():
    from billing.months import Month

    return Month(2026, 10)


def first(day: date) -> date:
    return day.replace(day=1)
