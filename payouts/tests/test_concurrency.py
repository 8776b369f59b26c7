"""Real threads on PostgreSQL: no overdraw, no payout in two files, a bank file applied once."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from decimal import Decimal
from unittest import mock

import pytest
from django.db import connection

from payouts import sandbox_bank, services
from payouts.models import BankAccount, BankDetailsChallenge, Payout, PayoutBatch, PayoutState
from payouts.tests.conftest import IBAN_DE, LATER, assert_ledger_clean, available, eur
from wallets.models import Purpose, Transaction
from wallets.services import account_for, balance

pytestmark = pytest.mark.django_db(transaction=True)


def _closing(fn):
    def run(*args):
        try:
            return fn(*args)
        finally:
            connection.close()

    return run


def test_200_concurrent_requests_never_pay_out_more_than_the_balance(make_payee):
    user = make_payee("100.00")
    start = threading.Barrier(50, timeout=60)

    @_closing
    def request(i: int) -> str:
        if i < 50:
            start.wait()
        try:
            services.payout_request(user=user, amount=eur("10.00"), now=LATER)
        except services.PayoutError as exc:
            return str(exc)
        return "ok"

    with ThreadPoolExecutor(max_workers=50) as pool:
        results = list(pool.map(request, range(200)))

    assert results.count("ok") == 10
    assert set(results) == {"ok", "That is more than your available balance."}
    assert Payout.objects.filter(state=PayoutState.REQUESTED).count() == 10
    assert available(user) == eur("0.00")
    assert balance(account_for(owner=user, purpose=Purpose.PAYOUT_PENDING, currency="EUR")) == eur("100.00")
    assert_ledger_clean()


def test_two_people_building_files_at_once_never_put_a_payout_in_both(make_payee, ops, ops2):
    for _ in range(40):
        user = make_payee("30.00")
        payout = services.payout_request(user=user, amount=eur("15.00"), now=LATER)
        services.payout_approve(payout_id=payout.pk, actor=ops, now=LATER)
    start = threading.Barrier(4, timeout=60)

    @_closing
    def build(actor):
        start.wait()
        try:
            return services.batch_build(actor=actor, now=LATER)
        except services.BatchError:
            return None

    with ThreadPoolExecutor(max_workers=4) as pool:
        batches = [b for b in pool.map(build, [ops, ops2, ops, ops2]) if b is not None]

    assert batches
    in_files = [p for b in batches for p in Payout.objects.filter(batch=b).values_list("pk", flat=True)]
    assert len(in_files) == len(set(in_files)) == 40
    assert sum(b.count for b in batches) == 40
    for batch in batches:  # every file says exactly what is in it
        assert bytes(batch.xml).count(b"<EndToEndId>") == batch.count
    for batch in PayoutBatch.objects.all():
        services.batch_release(batch_id=batch.pk, actor=ops2 if batch.built_by == ops else ops, now=LATER)
    assert Payout.objects.filter(state=PayoutState.EXPORTED).count() == 40
    assert_ledger_clean()


def test_the_same_camt_imported_twice_at_once_applies_once(make_payee, ops, ops2):
    payouts = []
    for _ in range(5):
        user = make_payee("30.00")
        payout = services.payout_request(user=user, amount=eur("20.00"), now=LATER)
        services.payout_approve(payout_id=payout.pk, actor=ops, now=LATER)
        payouts.append(payout)
    batch = services.batch_build(actor=ops, now=LATER)
    services.batch_release(batch_id=batch.pk, actor=ops2, now=LATER)
    answer = sandbox_bank.BankAnswer(give_back={p.end_to_end_id: "AC04" for p in payouts[:3]})
    camt = sandbox_bank.camt054_answer(batch=batch, payouts=payouts, answer=answer, now=LATER)
    start = threading.Barrier(6, timeout=60)

    @_closing
    def upload(_: int) -> str:
        start.wait()
        try:
            return services.bank_file_import(raw=camt, name="camt.xml", actor=ops, now=LATER).summary()
        except services.BankFileRejected as exc:
            return str(exc)

    with ThreadPoolExecutor(max_workers=6) as pool:
        results = list(pool.map(upload, range(6)))

    applied = [r for r in results if "applied" in r and "already imported" not in r]
    assert len(applied) == 1
    assert sum("already imported" in r for r in results) == 5
    assert Transaction.objects.filter(kind="PAYOUT_RETURN").count() == 3
    assert Transaction.objects.filter(kind="PAYOUT_PAID").count() == 5
    states = sorted(Payout.objects.values_list("state", flat=True))
    assert states == ["PAID", "PAID", "RETURNED", "RETURNED", "RETURNED"]
    assert (
        sum((available(p.requested_by).amount for p in payouts), Decimal(0))
        == Decimal("10.00") * 5 + Decimal("20.00") * 3
    )
    assert_ledger_clean()


@pytest.mark.parametrize("before", ["no details yet", "other details"])
def test_two_codes_for_the_same_details_confirmed_at_once_save_them_once(make_payee, before):
    """The form sent twice, both codes typed at once (two tabs): one saves the details, the other is
    told they were already saved; neither fails on the one-current-account rule, the hold starts once."""
    user = make_payee(None, iban="FR1420041010050500013M02606")
    if before == "no details yet":
        BankAccount.objects.filter(user=user).delete()
    details = services.bank_details_clean(
        holder_name="Ana Dances",
        street="Hauptstrasse",
        building_number="5",
        postcode="10115",
        town="Berlin",
        country="DE",
        iban=IBAN_DE,
    )
    challenges = [_challenge(user, details, salt=f"salt{n}") for n in range(2)]
    start = threading.Barrier(2, timeout=60)

    @_closing
    def confirm(challenge_id: int):
        start.wait()
        try:
            return services.bank_details_confirm(
                user=user, challenge_id=challenge_id, code="123456", now=LATER
            )
        except Exception as exc:
            return exc

    with ThreadPoolExecutor(max_workers=2) as pool:
        results = list(pool.map(confirm, challenges))

    assert sorted(str(getattr(r, "already_saved", r)) for r in results) == ["False", "True"], results
    current = BankAccount.objects.current().get(user=user)
    assert current.iban == IBAN_DE and current.payouts_hold_until == LATER + timedelta(hours=48)
    assert BankAccount.objects.filter(user=user, iban=IBAN_DE).count() == 1


def _paris_details():
    return services.bank_details_clean(
        holder_name="Ana Dances",
        street="Rue de Rivoli",
        building_number="5",
        postcode="75001",
        town="Paris",
        country="FR",
        iban="FR1420041010050500013M02606",
    )


def _challenge(user, details, *, salt: str = "salt") -> int:
    """A code, 123456, sent for ``details`` (its id)."""
    return BankDetailsChallenge.objects.create(
        user=user,
        channel="EMAIL",
        destination=user.email,
        code_hash=f"{salt}${services._code_hash(salt, '123456')}",
        details=details.as_json(),
        created_at=LATER,
        expires_at=LATER + timedelta(minutes=10),
    ).pk


def test_new_bank_details_confirmed_while_a_payout_is_being_asked_for_wait_for_it_and_are_refused(make_payee):
    """A payout asked for in one tab and new details confirmed in another, at the same moment (review
    finding): the confirm used to lock the person, then their bank account, while the request's
    foreign keys locked the bank account, then the person, at its commit: a deadlock, a 500 on one
    side. And before that, a confirm could read "no open payout" while the request was writing one.
    Both now lock the person first: the confirm waits, then finds the payout open and says so."""
    user = make_payee("100.00")
    details = _paris_details()
    challenge_id = _challenge(user, details)
    written, release = threading.Event(), threading.Event()
    results: dict[str, object] = {}
    real_notify = services._notify

    def notify_then_wait(payouts):  # the payout written, its transaction not yet committed
        real_notify(payouts)
        written.set()
        assert release.wait(30)

    @_closing
    def ask():
        try:
            results["request"] = services.payout_request(user=user, amount=eur("20.00"), now=LATER)
        except Exception as exc:
            results["request"] = exc

    @_closing
    def confirm():
        try:
            results["confirm"] = services.bank_details_confirm(
                user=user, challenge_id=challenge_id, code="123456", now=LATER
            )
        except Exception as exc:
            results["confirm"] = exc

    with mock.patch.object(services, "_notify", notify_then_wait):
        asking = threading.Thread(target=ask)
        asking.start()
        assert written.wait(30)
        confirming = threading.Thread(target=confirm)
        confirming.start()
        confirming.join(1.0)
        waited = confirming.is_alive()  # behind the request's lock on the person
        release.set()
        asking.join(60)
        confirming.join(60)

    assert waited and "confirm" in results
    assert isinstance(results["request"], Payout), results
    assert isinstance(results["confirm"], services.BankDetailsError), results
    assert str(results["confirm"]) == (
        "A payout you asked for is still waiting to be sent. Cancel it first, then change your bank details."
    )
    current = BankAccount.objects.current().get(user=user)
    assert current.iban == IBAN_DE and results["request"].bank_account_id == current.pk
    assert available(user) == eur("80.00")
    assert_ledger_clean()


def test_a_payout_asked_for_on_details_replaced_a_moment_before_is_refused_in_words(make_payee):
    """The request read the person's bank details, then new ones were saved before it took the
    person's lock: it is refused (never written to retired details), nothing moves."""
    user = make_payee("100.00")
    details = _paris_details()
    real_lock = services._owner_lock
    asking = threading.local()

    @_closing
    def replace():
        services.bank_account_replace(user=user, details=details, now=LATER)

    def replaced_first(owner_type, owner_id):
        if getattr(asking, "now", False):  # the request's own lock: details saved by another tab first
            asking.now = False
            other = threading.Thread(target=replace)
            other.start()
            other.join(30)
        real_lock(owner_type, owner_id)

    @_closing
    def ask():
        asking.now = True
        try:
            return services.payout_request(user=user, amount=eur("20.00"), now=LATER)
        except Exception as exc:
            return exc

    with (
        mock.patch.object(services, "_owner_lock", replaced_first),
        ThreadPoolExecutor(max_workers=1) as pool,
    ):
        outcome = pool.submit(ask).result()

    assert isinstance(outcome, services.BankDetailsError), outcome
    assert (
        str(outcome) == "Your bank details changed a moment ago. Check them, then ask for your payout again."
    )
    assert not Payout.objects.filter(requested_by=user).exists()
    assert available(user) == eur("100.00")
    assert_ledger_clean()
