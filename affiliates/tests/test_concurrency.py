"""Real threads on PostgreSQL: one order id is one commission; a program pays as many bounties as its funds cover."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from decimal import Decimal

import pytest
from django.db import connection

from affiliates import selectors, services
from affiliates.models import Click, Commission, Conversion, RejectReason
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
    start = threading.Barrier(40, timeout=60)

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
    start = threading.Barrier(20, timeout=60)

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
    start = threading.Barrier(len(commissions), timeout=60)

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


def test_concurrent_click_batches_and_commission_changes_keep_the_report_rollups_exact(make_merchant, ops):
    """The click writer's batches and the commission services write the same roll-up rows (one link
    day, its link total, the program's day) at once: nothing lost, nothing counted twice, no deadlock."""
    program = affiliate_program_make(make_merchant("joy", funds="2000.00"))
    affiliate = affiliate_make(program)
    links = [
        services.link_create(
            affiliate=affiliate, destination="https://shop.example/", sub_id=f"s{i}", now=NOW
        )
        for i in range(3)
    ]
    commissions = [
        convert(
            program,
            affiliate_click_make(affiliate, link=links[i % 3], visitor=f"buyer-{i}", at=NOW),
            f"order-{i}",
            at=NOW,
        ).commission
        for i in range(12)
    ]
    writers, batches, size = 4, 6, 25
    start = threading.Barrier(writers + 2, timeout=60)

    @_closing
    def write_clicks(w: int) -> int:
        start.wait()
        for b in range(batches):
            services.clicks_record_many(
                [
                    {
                        "link_id": links[(w + i) % 3].pk,
                        "click_id": f"w{w}b{b}c{i}",
                        "visitor": f"visitor-{i % 7}",  # repeats: some unique, most not
                        "user_agent": "Mozilla/5.0",
                        "bot": i % 10 == 0,
                        "at": NOW + timedelta(minutes=b * 10 + i % 10),
                    }
                    for i in range(size)
                ]
            )
        return writers

    @_closing
    def lock_and_adjust(_: int) -> int:
        start.wait()
        for commission in commissions[:6]:
            services.commission_lock(commission_id=commission.pk, now=day(16))
            services.commission_adjust(
                commission_id=commission.pk, amount=Decimal("1.50"), reason="Bonus", actor=ops, now=day(16)
            )
        return 0

    @_closing
    def reverse(_: int) -> int:
        start.wait()
        for commission in commissions[6:]:
            services.commission_reverse(
                commission_id=commission.pk, code="ITEM_RETURNED", actor=ops, now=day(1)
            )
        return 0

    with ThreadPoolExecutor(max_workers=writers + 2) as pool:
        futures = [pool.submit(write_clicks, w) for w in range(writers)]
        futures += [pool.submit(lock_and_adjust, 0), pool.submit(reverse, 0)]
        for future in futures:
            future.result()  # a deadlock or a lost update would raise here

    humans = Click.objects.filter(is_bot=False)
    totals = selectors.performance(program=program, group="day")["totals"]
    assert totals.clicks == humans.count() == 12 + writers * batches * len([i for i in range(size) if i % 10])
    assert totals.unique_clicks == humans.filter(is_unique=True).count()
    assert (totals.conversions, totals.reversed) == (12, 6)
    assert totals.locked == Decimal("6") * (program.bounty + Decimal("1.50"))
    assert selectors.program_commission_totals(program)["reversed"] == Decimal("6") * program.bounty
    assert_ledger_clean()  # affiliates_check included: every roll-up row equals the rows
