"""An approved commission is paid out through payouts like any other balance, then shows as PAID."""

from __future__ import annotations

import pytest

from affiliates import services
from affiliates.models import CommissionState
from affiliates.tests.conftest import assert_ledger_clean, available, convert, day, eur
from payouts import sandbox_bank
from payouts import services as payouts
from payouts.models import PayoutState
from payouts.tests.conftest import add_bank_account, verify_identity
from tikjoy.tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def test_an_approved_commission_paid_out_by_sepa_becomes_paid(program, affiliate, click, ops):
    commission = convert(program, click).commission
    services.commissions_advance(now=day(30))
    verify_identity(affiliate.user, ops)
    add_bank_account(affiliate.user)
    ops2 = UserFactory(email="ops2@tikjoy.example", is_staff=True, is_superuser=True)

    payout = payouts.payout_request(user=affiliate.user, amount=eur("40.00"), now=day(31))
    payouts.payout_approve(payout_id=payout.pk, actor=ops, now=day(31))
    assert services.commissions_advance(now=day(31))["paid"] == 0  # reserved, not yet paid
    batch = payouts.batch_build(actor=ops, now=day(31))
    batch = payouts.batch_release(batch_id=batch.pk, actor=ops2, now=day(31))
    camt = sandbox_bank.camt054_answer(
        batch=batch, payouts=[payout], answer=sandbox_bank.BankAnswer(reject={}, give_back={}), now=day(32)
    )
    payouts.bank_file_import(raw=camt, name="notification.xml", actor=None, now=day(32))
    payout.refresh_from_db()
    assert payout.state == PayoutState.PAID

    assert services.commissions_advance(now=day(33))["paid"] == 1
    commission.refresh_from_db()
    assert commission.state == CommissionState.PAID and commission.paid_at == day(33)
    assert available(affiliate.user) == eur("0.00")
    assert_ledger_clean()
