"""Real threads on PostgreSQL: one order id is one commission; a program pays as many bounties as its funds cover."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from decimal import Decimal

import pytest
from django.db import connection

from affiliates import services
from affiliates.models import Commission, Conversion, RejectReason
from affiliates.tests.conftest import NOW, assert_ledger_clean, available, convert, day, eur, funds, pending
from tikjoy.tests.factories import affiliate_click_make, affiliate_make, affiliate_program_make, owner_of
from wallets.debts import debt_incur, debt_owed
from wallets.models import Purpose
from wallets.services import account_for

pytestmark = pytest.mark.django_db(transaction=True)


def _closing(fn):
    def run(*args):
        try:
            return fn(*args)
        finally:
            connection.close()

    return run


def test_200_concurrent_posts_of_one_order_id_make_one_commission(make_merchant):
    program = affiliate_program_make(make_merchant("joy", funds="500.00"))
    affiliate = affiliate_make(program)
    click = affiliate_click_make(affiliate)
    start = threading.Barrier(40)

    @_closing
    def report(i: int) -> str:
        if i < 40:
            start.wait()
        try:
            convert(program, click, "order-42")
        except services.DuplicateOrder:
            return "duplicate"
        return "ok"

    with ThreadPoolExecutor(max_workers=40) as pool:
        results = list(pool.map(report, range(200)))

    assert results.count("ok") == 1 and results.count("duplicate") == 199
    assert Conversion.objects.count() == 1 and Commission.objects.count() == 1
    assert funds(program.merchant) == eur("452.00")
    assert pending(affiliate) == eur("40.00")
    assert_ledger_clean()


def test_a_program_whose_funds_cover_n_bounties_pays_n_and_rejects_the_rest(make_merchant):
    program = affiliate_program_make(make_merchant("joy", funds="150.00"))  # 3 x (40.00 + 8.00) = 144.00
    affiliate = affiliate_make(program)
    clicks = [affiliate_click_make(affiliate, visitor=f"v{i}") for i in range(20)]
    start = threading.Barrier(20)

    @_closing
    def report(i: int) -> bool:
        start.wait()
        return convert(program, clicks[i], f"order-{i}").is_accepted

    with ThreadPoolExecutor(max_workers=20) as pool:
        results = list(pool.map(report, range(20)))

    assert results.count(True) == 3
    assert Commission.objects.count() == 3
    assert set(Conversion.objects.filter(is_accepted=False).values_list("reject_reason", flat=True)) == {
        RejectReason.NO_FUNDS
    }
    assert funds(program.merchant) == eur("6.00")
    assert pending(affiliate) == eur("120.00")
    assert_ledger_clean()


def test_concurrent_approvals_in_two_programs_repay_a_persons_debt_once_without_deadlock(make_merchant):
    joy = affiliate_program_make(make_merchant("joy", funds="500.00"))
    bravo = affiliate_program_make(make_merchant("bravo", funds="500.00"))
    in_joy = affiliate_make(joy)
    in_bravo = services.affiliate_decide(
        affiliate_id=services.affiliate_apply(
            program=bravo,
            user=in_joy.user,
            website="https://creator.example/",
            promotion_plan="Reviews",
            now=NOW,
        ).pk,
        status="APPROVED",
        reason="",
        actor=owner_of(bravo.merchant),
        now=NOW,
    )
    commissions = [
        convert(program, affiliate_click_make(affiliate, visitor=f"{program.pk}-{i}"), f"o-{i}").commission
        for program, affiliate in ((joy, in_joy), (bravo, in_bravo))
        for i in range(5)
    ]
    services.commissions_advance(now=day(15))  # all locked
    debt_incur(
        owner=in_joy.user,
        creditor=account_for(owner=joy.merchant, purpose=Purpose.MERCHANT_AVAILABLE, currency="EUR"),
        amount=eur("90.00"),
        reason="A chargeback after payout (test)",
        idempotency_key="test-debt",
        now=day(16),
    )
    start = threading.Barrier(len(commissions))

    @_closing
    def approve(pk: int) -> None:
        start.wait()
        services.commission_approve(commission_id=pk, now=day(30))

    with ThreadPoolExecutor(max_workers=len(commissions)) as pool:
        list(pool.map(approve, [c.pk for c in commissions]))

    assert debt_owed(owner=in_joy.user, currency="EUR") == eur("0.00")
    assert sum(c.recovered for c in Commission.objects.all()) == Decimal("90.00")
    assert available(in_joy.user) == eur("400.00") - eur("90.00")
    assert_ledger_clean()
