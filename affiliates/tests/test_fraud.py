"""Fraud rules hold a commission for a person to release or reverse; nothing is silently rejected."""

from __future__ import annotations

import pytest

from affiliates import services
from affiliates.models import CommissionState
from affiliates.tests.conftest import assert_ledger_clean, convert, day, eur, funds, pending
from payouts.tests.conftest import add_bank_account
from tikjoy.tests.factories import affiliate_click_make, affiliate_make, affiliate_program_make

IBAN = "DE89370400440532013000"
OTHER_IBAN = "FR1420041010050500013M02606"

pytestmark = pytest.mark.django_db


def test_a_customer_with_the_affiliates_own_email_is_held(program, affiliate, click):
    commission = convert(program, click, customer_email="Ana+shop@Creator.example").commission
    assert commission.state == CommissionState.HELD
    assert "Self-referral" in commission.hold_reason
    assert pending(affiliate) == eur("40.00")  # reserved while a person looks


def test_a_click_from_the_affiliates_own_network_is_held(program):
    affiliate = affiliate_make(program, visitor_hash="net-of-ana")
    click = affiliate_click_make(affiliate, visitor="net-of-ana")
    assert convert(program, click).commission.state == CommissionState.HELD


def test_a_disposable_email_domain_is_held(program, affiliate, click):
    commission = convert(program, click, customer_email="x@mailinator.com").commission
    assert commission.state == CommissionState.HELD and "Disposable" in commission.hold_reason


def test_a_second_account_on_the_same_device_is_held(program):
    affiliate_make(program, device_id="device-1")
    twin = affiliate_make(program, device_id="device-1")
    commission = convert(program, affiliate_click_make(twin)).commission
    assert commission.state == CommissionState.HELD and "same device" in commission.hold_reason


def test_many_conversions_from_one_visitor_are_held(program, affiliate, settings):
    settings.AFFILIATES_VELOCITY_PER_DAY = 2
    states = [
        convert(program, affiliate_click_make(affiliate, visitor="same"), f"o-{i}").commission.state
        for i in range(4)
    ]
    assert states == [
        CommissionState.PENDING,
        CommissionState.PENDING,
        CommissionState.HELD,
        CommissionState.HELD,
    ]


def test_a_held_commission_does_not_lock_until_released_then_goes_on(program, affiliate, click, ops):
    commission = convert(program, click, customer_email="x@mailinator.com").commission
    assert services.commissions_advance(now=day(15))["locked"] == 0

    services.commission_release(commission_id=commission.pk, actor=ops, now=day(16))
    assert services.commissions_advance(now=day(16))["locked"] == 1
    assert_ledger_clean()


def test_a_held_commission_can_be_reversed_as_fraud(program, affiliate, click, ops):
    commission = convert(program, click, customer_email="x@mailinator.com").commission
    services.commission_reverse(commission_id=commission.pk, code="AFFILIATE_FRAUD", actor=ops, now=day(20))
    assert funds(program.merchant) == eur("500.00")
    assert_ledger_clean()


def test_a_second_account_with_the_same_iban_is_held(program):
    first = affiliate_make(program)
    twin = affiliate_make(program)
    add_bank_account(first.user, iban=IBAN)
    add_bank_account(twin.user, iban=IBAN, holder="Other Name")

    commission = convert(program, affiliate_click_make(twin)).commission

    assert commission.state == CommissionState.HELD
    assert commission.hold_reason == (
        "Duplicate account: the same bank account (IBAN) as another affiliate of this program."
    )
    assert pending(twin) == eur("40.00")  # reserved while a person looks, never silently rejected


def test_other_ibans_or_another_programs_affiliate_are_no_duplicate(program, make_merchant, ops):
    first = affiliate_make(program)
    other = affiliate_make(program)
    add_bank_account(first.user, iban=IBAN)
    add_bank_account(other.user, iban=OTHER_IBAN)
    elsewhere = affiliate_make(affiliate_program_make(make_merchant("bravo", funds="100.00", ops=ops)))
    add_bank_account(elsewhere.user, iban=IBAN)

    assert convert(program, affiliate_click_make(first)).commission.state == CommissionState.PENDING


def test_an_iban_given_after_tracking_holds_the_commission_before_it_locks_until_released(program, ops):
    first = affiliate_make(program)
    twin = affiliate_make(program)
    commission = convert(program, affiliate_click_make(twin)).commission
    assert commission.state == CommissionState.PENDING
    add_bank_account(first.user, iban=IBAN, now=day(3))
    add_bank_account(twin.user, iban=IBAN, now=day(4))

    assert services.commissions_advance(now=day(15))["locked"] == 0
    commission.refresh_from_db()
    assert commission.state == CommissionState.HELD and "same bank account (IBAN)" in commission.hold_reason

    services.commission_release(commission_id=commission.pk, actor=ops, now=day(16))
    assert services.commissions_advance(now=day(16))["locked"] == 1  # a person's release is not undone
    assert_ledger_clean()
