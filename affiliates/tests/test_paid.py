"""An approved commission is paid out through payouts like any other balance, then shows as PAID."""

from __future__ import annotations

from decimal import Decimal

import pytest

from affiliates import services
from affiliates.models import CommissionState
from affiliates.tests.conftest import assert_ledger_clean, available, convert, day, eur, funds
from payouts import sandbox_bank
from payouts import services as payouts
from payouts.models import PayoutState
from payouts.tests.conftest import add_bank_account, verify_identity
from tikjoy.tests.factories import UserFactory, affiliate_click_make
from wallets.debts import debt_owed

pytestmark = pytest.mark.django_db


def _paid_out(affiliate, ops, amount: str, *, on: int):
    """A payout of ``amount`` requested, approved, sent in a SEPA file and reported paid by the bank."""
    ops2 = UserFactory(email=f"ops-{on}@tikjoy.example", is_staff=True, is_superuser=True)
    payout = payouts.payout_request(user=affiliate.user, amount=eur(amount), now=day(on))
    payouts.payout_approve(payout_id=payout.pk, actor=ops, now=day(on))
    assert services.commissions_advance(now=day(on))["paid"] == 0  # reserved, not yet paid
    batch = payouts.batch_build(actor=ops, now=day(on))
    batch = payouts.batch_release(batch_id=batch.pk, actor=ops2, now=day(on))
    camt = sandbox_bank.camt054_answer(
        batch=batch,
        payouts=[payout],
        answer=sandbox_bank.BankAnswer(reject={}, give_back={}),
        now=day(on + 1),
    )
    payouts.bank_file_import(raw=camt, name="notification.xml", actor=None, now=day(on + 1))
    payout.refresh_from_db()
    assert payout.state == PayoutState.PAID
    return batch, payout


def test_an_approved_commission_paid_out_by_sepa_becomes_paid(program, affiliate, click, ops):
    commission = convert(program, click).commission
    services.commissions_advance(now=day(30))
    verify_identity(affiliate.user, ops)
    add_bank_account(affiliate.user)

    _paid_out(affiliate, ops, "40.00", on=31)

    assert services.commissions_advance(now=day(33))["paid"] == 1
    commission.refresh_from_db()
    assert commission.state == CommissionState.PAID and commission.paid_at == day(33)
    assert available(affiliate.user) == eur("0.00")
    assert_ledger_clean()


def test_a_payout_returned_by_the_bank_puts_its_commissions_back_in_the_wallet(
    client, program, affiliate, click, ops
):
    commission = convert(program, click).commission
    services.commissions_advance(now=day(30))
    verify_identity(affiliate.user, ops)
    add_bank_account(affiliate.user)
    batch, payout = _paid_out(affiliate, ops, "40.00", on=31)
    assert services.commissions_advance(now=day(33))["paid"] == 1

    returns = sandbox_bank.camt054_returns(batch=batch, returns=[(payout, "FOCR")], now=day(34))
    payouts.bank_file_import(raw=returns, name="returns.xml", actor=None, now=day(34))
    services.commissions_advance(now=day(35))

    payout.refresh_from_db()
    commission.refresh_from_db()
    assert payout.state == PayoutState.RETURNED
    assert commission.state == CommissionState.APPROVED and commission.paid_at is None
    assert available(affiliate.user) == eur("40.00")
    client.force_login(affiliate.user)
    page = client.get(f"/affiliates/{program.pk}/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert '<dd data-figure="approved">€40.00</dd>' in page
    assert '<dd data-figure="paid">€0.00</dd>' in page
    assert_ledger_clean()

    # Paid out again: paid again.
    _paid_out(affiliate, ops, "40.00", on=36)
    assert services.commissions_advance(now=day(38))["paid"] == 1
    commission.refresh_from_db()
    assert commission.state == CommissionState.PAID
    assert_ledger_clean()


def test_an_adjustment_after_the_payout_leaves_a_debt_that_holds_payouts_until_approvals_repay_it(
    program, affiliate, click, ops
):
    first = convert(program, click, "order-1").commission
    convert(program, affiliate_click_make(affiliate, at=day(5), visitor="v2"), "order-2", at=day(5))
    convert(program, affiliate_click_make(affiliate, at=day(20), visitor="v3"), "order-3", at=day(20))
    services.commissions_advance(now=day(30))
    verify_identity(affiliate.user, ops)
    add_bank_account(affiliate.user)
    _paid_out(affiliate, ops, "40.00", on=31)
    funds_before = funds(program.merchant)

    # The first order is charged back after its commission left the bank: nothing to take back from.
    adjustment = services.commission_adjust(
        commission_id=first.pk, amount=Decimal("-50.00"), reason="Chargeback", actor=ops, now=day(33)
    )

    assert adjustment.owed == Decimal("50.00")
    assert debt_owed(owner=affiliate.user, currency="EUR") == eur("50.00")
    # The merchant is refunded at once: the 50.00 and the margin it paid on the 40.00 earned (8.00).
    assert funds(program.merchant) == funds_before + eur("58.00")
    assert_ledger_clean()
    with pytest.raises(payouts.PayoutError, match=r"You owe €\s?50.00"):
        payouts.payout_request(user=affiliate.user, amount=eur("10.00"), now=day(34))

    # The next approval (order 2, 40.00) repays 40.00 of it: still owing, still no payout.
    services.commissions_advance(now=day(35))
    assert debt_owed(owner=affiliate.user, currency="EUR") == eur("10.00")
    assert available(affiliate.user) == eur("0.00")
    with pytest.raises(payouts.PayoutError, match=r"You owe €\s?10.00"):
        payouts.payout_request(user=affiliate.user, amount=eur("10.00"), now=day(36))

    # Order 3's approval repays the rest; what is left of it can be paid out again.
    services.commissions_advance(now=day(50))
    assert debt_owed(owner=affiliate.user, currency="EUR") == eur("0.00")
    assert available(affiliate.user) == eur("30.00")
    assert [c.recovered for c in affiliate.commissions.order_by("pk")] == [
        Decimal("0.00"),
        Decimal("40.00"),
        Decimal("10.00"),
    ]
    payouts.payout_request(user=affiliate.user, amount=eur("30.00"), now=day(51))
    assert_ledger_clean()
