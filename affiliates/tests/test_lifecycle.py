"""The commission's money, on a frozen clock: pending -> locked (+15 days) -> approved (+30) -> paid."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from affiliates import services
from affiliates.models import CommissionState, RejectReason
from affiliates.tests.conftest import (
    NOW,
    assert_ledger_clean,
    available,
    convert,
    day,
    eur,
    funds,
    locked,
    pending,
    revenue,
)
from tikjoy.tests.factories import affiliate_click_make, affiliate_make, affiliate_program_make
from wallets.debts import debt_owed
from wallets.models import PLATFORM, Purpose
from wallets.services import account_for, balance

pytestmark = pytest.mark.django_db


def test_a_conversion_reserves_bounty_and_margin_from_the_merchant_with_dates_shown(
    program, affiliate, click
):
    conversion = convert(program, click)

    commission = conversion.commission
    assert conversion.is_accepted and commission.state == CommissionState.PENDING
    assert (commission.lock_date, commission.approve_date) == (date(2026, 12, 7), date(2026, 12, 22))
    assert funds(program.merchant) == eur("452.00")  # 40.00 bounty + 8.00 margin (20 %)
    assert pending(affiliate) == eur("40.00")
    assert_ledger_clean()


def test_it_locks_on_day_15_and_is_approved_on_day_30_each_exactly_once(program, affiliate, click):
    commission = convert(program, click).commission

    assert services.commissions_advance(now=day(14)) == {"locked": 0, "approved": 0, "paid": 0}
    assert services.commissions_advance(now=day(15)) == {"locked": 1, "approved": 0, "paid": 0}
    assert services.commissions_advance(now=day(15)) == {"locked": 0, "approved": 0, "paid": 0}
    commission.refresh_from_db()
    assert commission.state == CommissionState.LOCKED
    assert (pending(affiliate), locked(affiliate)) == (eur("0.00"), eur("40.00"))

    assert services.commissions_advance(now=day(29))["approved"] == 0
    assert services.commissions_advance(now=day(30))["approved"] == 1
    assert services.commissions_advance(now=day(31))["approved"] == 0
    commission.refresh_from_db()
    assert commission.state == CommissionState.APPROVED
    assert locked(affiliate) == eur("0.00")
    assert available(affiliate.user) == eur("40.00")  # what payouts pays out from
    assert revenue(program.merchant) == eur("8.00")
    assert_ledger_clean()


def test_a_reversal_before_lock_gives_everything_back_with_its_reason_code(program, affiliate, click, ops):
    commission = convert(program, click).commission

    services.commission_reverse(commission_id=commission.pk, code="ITEM_RETURNED", actor=ops, now=day(3))

    commission.refresh_from_db()
    assert commission.state == CommissionState.REVERSED
    assert commission.get_reversal_code_display() == "Item returned"
    assert funds(program.merchant) == eur("500.00")
    assert pending(affiliate) == eur("0.00")
    assert services.commissions_advance(now=day(40)) == {"locked": 0, "approved": 0, "paid": 0}
    assert_ledger_clean()


def test_a_reversal_after_lock_is_refused_and_an_adjustment_is_posted_instead(program, affiliate, click, ops):
    commission = convert(program, click).commission
    services.commissions_advance(now=day(15))

    with pytest.raises(services.AffiliateError, match="can only be adjusted"):
        services.commission_reverse(commission_id=commission.pk, code="ITEM_RETURNED", actor=ops, now=day(16))
    services.commission_adjust(
        commission_id=commission.pk, amount=Decimal("-10.00"), reason="Partial return", actor=ops, now=day(16)
    )

    assert locked(affiliate) == eur("30.00")
    # The merchant gets back the 10.00 and the platform's margin on it (20%: 2.00 of the 8.00).
    assert funds(program.merchant) == eur("464.00")
    commission.refresh_from_db()
    assert (commission.amount, commission.margin) == (Decimal("30.00"), Decimal("6.00"))
    services.commissions_advance(now=day(30))
    assert available(affiliate.user) == eur("30.00")
    assert_ledger_clean()


def test_a_reason_code_outside_the_list_is_refused(program, affiliate, click, ops):
    commission = convert(program, click).commission
    with pytest.raises(services.AffiliateError, match="from the list"):
        services.commission_reverse(commission_id=commission.pk, code="I said so", actor=ops, now=day(1))


def test_an_adjustment_beyond_the_balance_leaves_a_debt_repaid_from_the_next_approval(
    program, affiliate, ops
):
    first = convert(program, affiliate_click_make(affiliate), "order-1").commission
    services.commissions_advance(now=day(30))
    assert available(affiliate.user) == eur("40.00")
    second = convert(
        program, affiliate_click_make(affiliate, at=day(31), visitor="v2"), "order-2", at=day(31)
    )

    adjustment = services.commission_adjust(
        commission_id=first.pk, amount=Decimal("-50.00"), reason="Chargeback", actor=ops, now=day(32)
    )

    assert available(affiliate.user) == eur("0.00")  # the 40.00 it had is taken back...
    assert adjustment.owed == Decimal("10.00")  # ...the rest is a debt on the ledger
    assert debt_owed(owner=affiliate.user, currency="EUR") == eur("10.00")
    # The merchant is refunded the whole 50.00 at once (the debt's creditor), not when it is repaid,
    # and the margin it paid on the 40.00 the affiliate had earned (8.00; none beyond what was earned).
    assert funds(program.merchant) == eur("500.00") - eur("96.00") + eur("58.00")
    assert revenue(program.merchant) == eur("0.00")
    assert_ledger_clean()
    services.commissions_advance(now=day(61))
    second.commission.refresh_from_db()
    assert second.commission.state == CommissionState.APPROVED
    assert second.commission.recovered == Decimal("10.00")
    assert debt_owed(owner=affiliate.user, currency="EUR") == eur("0.00")
    assert available(affiliate.user) == eur("30.00")
    assert funds(program.merchant) == eur("500.00") - eur("96.00") + eur("58.00")  # two bounties, 58 back
    assert_ledger_clean()


def test_a_positive_adjustment_after_approval_is_paid_by_the_merchant(program, affiliate, click, ops):
    commission = convert(program, click).commission
    services.commissions_advance(now=day(30))
    services.commission_adjust(
        commission_id=commission.pk, amount=Decimal("5.00"), reason="Bonus", actor=ops, now=day(31)
    )
    assert available(affiliate.user) == eur("45.00")
    # The margin's rule applies to it as to the bounty: 5.00 + 1.00 (20 %), the 1.00 TikJoy's revenue.
    assert funds(program.merchant) == eur("446.00")
    assert revenue(program.merchant) == eur("9.00")
    assert_ledger_clean()


def test_tikjoys_program_is_paid_by_the_platform_without_margin(make_user):
    program = affiliate_program_make(None, domains=["tikjoy.example"])
    affiliate = affiliate_make(program)
    bank = account_for(owner=PLATFORM, purpose=Purpose.PLATFORM_BANK, currency="EUR")
    before = balance(bank)

    commission = convert(program, affiliate_click_make(affiliate)).commission
    services.commissions_advance(now=day(30))

    commission.refresh_from_db()
    assert commission.margin == Decimal("0.00") and commission.state == CommissionState.APPROVED
    assert balance(bank) == before - eur("40.00")
    assert available(affiliate.user) == eur("40.00")
    assert_ledger_clean()


def test_a_conversion_outside_the_window_is_recorded_as_rejected_for_the_affiliate(program, affiliate):
    click = affiliate_click_make(affiliate, at=NOW)
    conversion = convert(program, click, at=day(31))

    assert not conversion.is_accepted
    assert conversion.reject_reason == RejectReason.OUTSIDE_WINDOW
    assert conversion.affiliate == affiliate
    assert not hasattr(conversion, "commission") or conversion.commission is None


def test_the_demo_clock_moves_commissions_on_and_is_refused_in_production(
    program, affiliate, click, settings
):
    commission = convert(program, click).commission
    services.commissions_clock_advance(days=15, now=NOW)
    commission.refresh_from_db()
    assert commission.state == CommissionState.LOCKED

    settings.PRODUCTION = True
    with pytest.raises(services.AffiliateError, match="production"):
        services.commissions_clock_advance(days=15, now=NOW)
