"""An approved commission is paid out through payouts like any other balance, then shows as PAID."""

from __future__ import annotations

from decimal import Decimal

import pytest

from affiliates import services, tasks
from affiliates.models import Commission, CommissionState
from affiliates.tests.conftest import assert_ledger_clean, available, convert, day, eur, funds
from payouts import sandbox_bank
from payouts import services as payouts
from payouts.models import PayoutState
from payouts.tests.conftest import add_bank_account, verify_identity
from tikjoy.tests.factories import UserFactory, affiliate_click_make
from wallets.debts import debt_owed
from wallets.models import PLATFORM, Purpose
from wallets.services import account_for, transfer
from webhooks.models import WebhookEvent
from webhooks.services import endpoint_create

pytestmark = pytest.mark.django_db


def _paid_out(affiliate, ops, amount: str, *, on: int, import_file=None):
    """A payout of ``amount`` requested, approved, sent in a SEPA file and reported paid by the bank
    (the bank's file imported by ``import_file(raw, name, now)`` when given)."""
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
    if import_file is None:
        payouts.bank_file_import(raw=camt, name="notification.xml", actor=None, now=day(on + 1))
    else:
        import_file(camt, "notification.xml", day(on + 1))
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


def _portal(client, affiliate, program) -> tuple[str, str]:
    """What the affiliate's page says was approved (in the wallet) and paid."""
    client.force_login(affiliate.user)
    page = client.get(f"/affiliates/{program.pk}/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    approved = page.split('<dd data-figure="approved">', 1)[1].split("</dd>", 1)[0]
    paid = page.split('<dd data-figure="paid">', 1)[1].split("</dd>", 1)[0]
    return approved, paid


def _merchant_hears(program) -> None:
    endpoint_create(
        merchant=program.merchant,
        url="http://127.0.0.1:9/hook",
        events=["commission.approved", "commission.paid"],
        description="shop",
        actor=None,
        now=day(0),
    )


def test_the_commissions_follow_the_bank_file_at_once_without_the_daily_run(
    client, program, affiliate, click, ops, settings, django_capture_on_commit_callbacks
):
    settings.WEBHOOKS_ALLOW_LOOPBACK = True
    _merchant_hears(program)
    commission = convert(program, click).commission
    services.commissions_advance(now=day(30))
    verify_identity(affiliate.user, ops)
    add_bank_account(affiliate.user)

    def import_file(raw, name, now):
        # What runs once the import commits: the queued tasks (run at once in tests).
        with django_capture_on_commit_callbacks(execute=True):
            return payouts.bank_file_import(raw=raw, name=name, actor=None, now=now)

    # The payout leaves the bank: "Paid" at once, no daily run in between.
    batch, payout = _paid_out(affiliate, ops, "40.00", on=31, import_file=import_file)

    commission.refresh_from_db()
    assert commission.state == CommissionState.PAID and commission.paid_at == day(32)
    assert _portal(client, affiliate, program) == ("€0.00", "€40.00")
    events = list(WebhookEvent.objects.order_by("pk").values_list("type", "data__state", "created_at"))
    assert events[-1] == ("commission.paid", "paid", day(32))
    assert services.commissions_advance(now=day(33)) == {"locked": 0, "approved": 0, "paid": 0}
    assert WebhookEvent.objects.count() == len(events)

    # The bank sends it back: "Approved (in your wallet)" at once, and the merchant is told.
    returns = sandbox_bank.camt054_returns(batch=batch, returns=[(payout, "FOCR")], now=day(34))
    import_file(returns, "returns.xml", day(34))

    payout.refresh_from_db()
    commission.refresh_from_db()
    assert payout.state == PayoutState.RETURNED
    assert commission.state == CommissionState.APPROVED and commission.paid_at is None
    assert available(affiliate.user) == eur("40.00")
    assert _portal(client, affiliate, program) == ("€40.00", "€0.00")
    events = list(WebhookEvent.objects.order_by("pk").values_list("type", "data__state", "created_at"))
    assert events[-1] == ("commission.approved", "approved", day(34))
    assert_ledger_clean()

    # The task run again (a retry) and the daily run after it change nothing: the same states, the
    # same page, no second event.
    follow = {"user_ids": [affiliate.user.pk], "currency": "EUR", "at": day(34).isoformat()}
    assert tasks.commissions_follow_payouts(**follow) == 0
    assert services.commissions_advance(now=day(35)) == {"locked": 0, "approved": 0, "paid": 0}
    commission.refresh_from_db()
    assert commission.state == CommissionState.APPROVED
    assert _portal(client, affiliate, program) == ("€40.00", "€0.00")
    assert WebhookEvent.objects.count() == len(events)
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


def test_a_task_run_late_never_dates_a_commission_paid_before_its_approval(program, affiliate, click, ops):
    """Review: the first import's task, run after a later approval and a later import (a worker's
    backlog, a retry), dated the second commission paid on the first import's day, before its approval
    (and the merchant heard commission.paid before commission.approved)."""
    convert(program, click)
    services.commissions_advance(now=day(30))
    verify_identity(affiliate.user, ops)
    add_bank_account(affiliate.user)
    _paid_out(affiliate, ops, "40.00", on=31)  # imported on day 32; its task not run yet
    second_click = affiliate_click_make(affiliate, at=day(33), visitor="v2")
    second = convert(program, second_click, "order-2", at=day(33)).commission
    services.commissions_advance(now=day(63))  # approves the second, marks the first paid
    _paid_out(affiliate, ops, "40.00", on=64)  # imported on day 65; its task not run yet either

    tasks.commissions_follow_payouts(user_ids=[affiliate.user.pk], currency="EUR", at=day(32).isoformat())

    second.refresh_from_db()
    assert second.state == CommissionState.PAID
    assert second.approved_at == day(63) and second.paid_at == day(63)
    assert_ledger_clean()


def test_money_paid_out_before_a_commission_was_approved_never_pays_it(program, affiliate, click, ops):
    """Review: 40.00 of other money paid out on day 4 marked a commission approved on day 30 "Paid"
    while its 40.00 was in the wallet; the next payout pays it."""
    transfer(
        source=account_for(owner=PLATFORM, purpose=Purpose.PLATFORM_BANK, currency="EUR"),
        destination=account_for(owner=affiliate.user, purpose=Purpose.USER_AVAILABLE, currency="EUR"),
        amount=eur("40.00"),
        kind="TEST_OTHER_MONEY",
        reason="rewards (test)",
        idempotency_key="test:other-money",
        actor=None,
    )
    commission = convert(program, click).commission
    verify_identity(affiliate.user, ops)
    add_bank_account(affiliate.user)
    _paid_out(affiliate, ops, "40.00", on=3)  # the other money leaves the bank on day 4

    services.commissions_advance(now=day(30))  # approved: its 40.00 is in the wallet

    commission.refresh_from_db()
    assert available(affiliate.user) == eur("40.00")
    assert commission.state == CommissionState.APPROVED

    _paid_out(affiliate, ops, "40.00", on=31)
    services.commissions_advance(now=day(33))

    commission.refresh_from_db()
    assert commission.state == CommissionState.PAID and commission.paid_at == day(33)
    assert available(affiliate.user) == eur("0.00")
    assert_ledger_clean()


def test_the_rule_pays_commissions_approved_by_each_payout_and_gives_back_the_latest_on_a_return():
    """``_commissions_covered`` alone: the money out and back, in time, against commissions in approval
    order (one without its approval time counts as approved long ago)."""
    first, second, third = (
        Commission(pk=1, amount=Decimal("40.00"), recovered=Decimal("0.00"), approved_at=None),
        Commission(pk=2, amount=Decimal("40.00"), recovered=Decimal("10.00"), approved_at=day(10)),
        Commission(pk=3, amount=Decimal("40.00"), recovered=Decimal("0.00"), approved_at=day(20)),
    )
    commissions = [first, second, third]
    covered = services._commissions_covered

    assert covered(commissions, [(day(5), Decimal("100.00"))]) == {1}  # 60.00 left was other money
    assert covered(commissions, [(day(12), Decimal("50.00")), (day(13), Decimal("20.00"))]) == {1, 2}
    assert covered(commissions, [(day(12), Decimal("70.00")), (day(21), Decimal("40.00"))]) == {1, 2, 3}
    assert covered(commissions, [(day(12), Decimal("70.00")), (day(14), Decimal("-30.00"))]) == {1}
    assert covered(commissions, []) == set()
