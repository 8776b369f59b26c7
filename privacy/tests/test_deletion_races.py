"""Real threads on PostgreSQL: an account deletion racing JoyFast's advance, or the end of the hold, of
one of the person's rewards. Whichever commits first, the brand gets its whole price back, the erased
account owes nothing, and the person's balance is paid out once."""

from __future__ import annotations

import contextlib
import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from decimal import Decimal

import pytest
from django.db import connection
from moneyed import Money

from campaigns.models import ActionType
from payouts.models import Payout
from payouts.tests.conftest import add_bank_account, verify_identity
from privacy import services as privacy_services
from privacy.selectors import FORFEIT, deletion_plan_get
from privacy.services import DeletionRefused, account_delete
from rewards.models import Reward, RewardStatus
from rewards.services import action_record, reward_advance, reward_settle
from subscriptions.models import Plan
from subscriptions.services import subscription_start
from subscriptions.tests import conftest as plans
from subscriptions.tests.conftest import NOW, available, books_clean, eur, login_rule, owed
from wallets.models import PLATFORM, Purpose, Transaction
from wallets.services import account_for, balance, transfer

pytestmark = pytest.mark.django_db(transaction=True)

make_merchant, make_campaign, earn_available = plans.make_merchant, plans.make_campaign, plans.earn_available
HOUR = timedelta(hours=1)


def _closing(fn):
    def run(*args):
        try:
            return fn(*args)
        finally:
            connection.close()

    return run


def _delete(user, at) -> str:
    """The person confirms what the page shows; refused only when the money changed in between, then
    they read the new page and confirm again (what the view does)."""
    for _ in range(3):
        plan = deletion_plan_get(user=user, now=at)
        try:
            account_delete(user=user, confirmed=plan.fingerprint, now=at)
        except DeletionRefused:
            continue
        return "deleted"
    return "refused"


def _race(engine: str, user, reward: Reward, at) -> None:
    """The person deletes their account while the engine advances or settles ``reward``, at once."""
    start = threading.Barrier(2, timeout=60)

    @_closing
    def delete():
        start.wait()
        return _delete(user, at)

    @_closing
    def engine_runs():
        start.wait()
        if engine == "advance":
            return reward_advance(reward_id=reward.pk, now=at)
        return reward_settle(reward_id=reward.pk, now=at)

    with ThreadPoolExecutor(max_workers=2) as pool:
        deleted, engine_done = pool.submit(delete), pool.submit(engine_runs)
        assert deleted.result() == "deleted"
        engine_done.result()


@pytest.mark.parametrize("engine", ["advance", "settle"])
def test_a_deletion_racing_the_advance_or_the_end_of_the_hold_leaves_nobody_owing_or_paid_twice(
    engine, make_consumer, make_merchant, make_campaign, earn_available, ops, settings
):
    settings.PAYOUTS_MIN_AMOUNT = Decimal("1.00")
    for round_ in range(3):
        ana = make_consumer(f"Ana {round_}")
        earn_available(ana, "12.00", at=NOW - timedelta(days=4))
        verify_identity(ana, ops)
        add_bank_account(ana, now=NOW - timedelta(days=3))
        subscription_start(
            user=ana, plan_id=Plan.objects.get(code="joyfast").pk, terms_accepted=True, now=NOW - HOUR
        )
        brand = make_merchant(f"brand-{engine}-{round_}", funds="100.00")
        make_campaign(brand, rules=[login_rule(amount=Decimal("1.00"))], hold_days=2)
        reward = action_record(
            user=ana, merchant=brand, action_type=ActionType.TIKTOK_LOGIN, now=NOW
        ).rewards.get()
        if engine == "advance":
            at = NOW + 25 * HOUR  # its early availability has come, not yet run
        else:
            reward_advance(reward_id=reward.pk, now=NOW + 25 * HOUR)
            at = reward.available_at + HOUR  # advanced, and its hold just ended
        _race(engine, ana, reward, at)

        reward.refresh_from_db()
        funds = balance(account_for(owner=brand, purpose=Purpose.MERCHANT_AVAILABLE, currency="EUR"))
        paid_out = [p.money for p in Payout.objects.filter(owner_id=ana.pk)]
        assert (available(ana), owed(ana)) == (eur("0"), eur("0"))
        if reward.status == RewardStatus.REVERSED:  # the deletion reversed it (before or after the advance)
            assert funds == eur("100.00") and paid_out == [eur("10.01")]
        else:  # the hold ended and it was confirmed first: it is hers, part of the balance
            assert reward.status == RewardStatus.CONFIRMED and engine == "settle"
            # paid out; or, confirmed after the payout the page planned (10.01), forfeited as the page said
            forfeited = [
                -t.entries.get(account__purpose=Purpose.USER_AVAILABLE).amount
                for t in Transaction.objects.filter(kind="BALANCE_FORFEITED", subject_id=str(ana.pk))
            ]
            assert funds == eur("99.00")
            assert sum(m.amount for m in paid_out) + sum(forfeited) == Decimal("10.81")
        assert not Reward.objects.filter(
            user=ana, status__in=[RewardStatus.PENDING, RewardStatus.HELD]
        ).exists()
    assert balance(account_for(owner=PLATFORM, purpose=Purpose.PLATFORM_WRITE_OFF, currency="EUR")) == eur(
        "0"
    )
    books_clean()


def test_two_deletions_at_once_forfeiting_two_currencies_each_do_not_deadlock(make_consumer, monkeypatch):
    """Ana's euro account has the lower key of her two, Ben's dollar account of his: forfeiting in the
    order of each person's own keys, Ana would hold the euro revenue account and wait for the dollar one
    while Ben holds that and waits for hers (PostgreSQL ends one with an error: a 500). The deletion locks
    the shared accounts up front in key order: one waits for the other, both are deleted."""
    ana, ben = make_consumer("Ana"), make_consumer("Ben")
    for currency in ("EUR", "USD"):
        account_for(owner=PLATFORM, purpose=Purpose.PLATFORM_REVENUE, currency=currency)
        account_for(owner=PLATFORM, purpose=Purpose.PLATFORM_WRITE_OFF, currency=currency)
    for person, currency in ((ana, "EUR"), (ana, "USD"), (ben, "USD"), (ben, "EUR")):  # the keys' order
        transfer(
            source=account_for(owner=PLATFORM, purpose=Purpose.PLATFORM_BANK, currency=currency),
            destination=account_for(owner=person, purpose=Purpose.USER_AVAILABLE, currency=currency),
            amount=Money(Decimal("3.00"), currency),
            kind="TOP_UP",
            reason="test funding",
            idempotency_key=f"fund:{person.pk}:{currency}",
        )
    for person in (ana, ben):  # no identity for payouts: both balances are forfeited, as the page says
        assert [b.fate for b in deletion_plan_get(user=person, now=NOW).balances] == [FORFEIT, FORFEIT]

    both_hold_one = threading.Barrier(2, timeout=60)
    forfeited_once = threading.local()
    forfeit = privacy_services.transfer

    def forfeit_then_wait(**kwargs):
        done = forfeit(**kwargs)
        if not getattr(forfeited_once, "yes", False):  # each holds its first revenue account, then goes on
            forfeited_once.yes = True
            # Fixed, the other one waits for our locks: it can't get here before we commit.
            with contextlib.suppress(threading.BrokenBarrierError):
                both_hold_one.wait(timeout=3)
        return done

    monkeypatch.setattr(privacy_services, "transfer", forfeit_then_wait)
    start = threading.Barrier(2, timeout=60)

    @_closing
    def delete(person):
        start.wait()
        return _delete(person, NOW)

    with ThreadPoolExecutor(max_workers=2) as pool:
        results = [pool.submit(delete, person) for person in (ana, ben)]
        assert [r.result() for r in results] == ["deleted", "deleted"]

    for person in (ana, ben):
        person.refresh_from_db()
        assert person.deleted_at is not None
        assert available(person) == eur("0")
    assert balance(account_for(owner=PLATFORM, purpose=Purpose.PLATFORM_REVENUE, currency="USD")) == Money(
        Decimal("6.00"), "USD"
    )
    books_clean()
