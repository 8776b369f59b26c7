"""A payout's whole life through the services, the sandbox bank and the ledger."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.core import mail

from payouts import sandbox_bank, services
from payouts.models import BankAccount, BankLine, PayoutBatch, PayoutState
from payouts.tests.conftest import LATER, assert_ledger_clean, available, eur
from wallets.models import Purpose, Transaction
from wallets.services import account_for, balance

pytestmark = pytest.mark.django_db


def _export(ops, ops2, now=LATER) -> PayoutBatch:
    batch = services.batch_build(actor=ops, now=now)
    return services.batch_release(batch_id=batch.pk, actor=ops2, now=now)


def _bank_answers(batch, *, reject=None, give_back=None, now=LATER):
    answer = sandbox_bank.BankAnswer(reject=reject or {}, give_back=give_back or {})
    payouts = list(batch.payouts.order_by("pk"))
    pain = sandbox_bank.pain002_answer(batch=batch, payouts=payouts, answer=answer, now=now)
    camt = sandbox_bank.camt054_answer(batch=batch, payouts=payouts, answer=answer, now=now)
    first = services.bank_file_import(raw=pain, name="status.xml", actor=None, now=now)
    second = services.bank_file_import(raw=camt, name="notification.xml", actor=None, now=now)
    return first, second


def test_a_payout_is_reserved_exported_and_paid(make_payee, ops, ops2, django_capture_on_commit_callbacks):
    user = make_payee("100.00")
    payout = services.payout_request(user=user, amount=eur("40.00"), now=LATER)
    assert payout.state == PayoutState.REQUESTED
    assert available(user) == eur("60.00")
    pending = account_for(owner=user, purpose=Purpose.PAYOUT_PENDING, currency="EUR")
    assert balance(pending) == eur("40.00")

    services.payout_approve(payout_id=payout.pk, actor=ops, now=LATER)
    batch = _export(ops, ops2)
    payout.refresh_from_db()
    assert payout.state == PayoutState.EXPORTED
    assert balance(pending) == eur("0.00")
    in_transit = account_for(owner=user, purpose=Purpose.PAYOUT_IN_TRANSIT, currency="EUR")
    assert balance(in_transit) == eur("40.00")
    assert payout.end_to_end_id.encode() in bytes(batch.xml)

    with django_capture_on_commit_callbacks(execute=True):
        _bank_answers(batch)
    payout.refresh_from_db()
    assert payout.state == PayoutState.PAID
    assert balance(in_transit) == eur("0.00")
    assert available(user) == eur("60.00")
    kinds = list(
        Transaction.objects.filter(subject_id=str(payout.pk)).order_by("pk").values_list("kind", flat=True)
    )
    assert kinds == ["PAYOUT_REQUEST", "PAYOUT_EXPORT", "PAYOUT_PAID"]
    assert [e.to_state for e in payout.events.order_by("pk")] == [
        "REQUESTED",
        "APPROVED",
        "EXPORTED",
        "ACCEPTED",
        "PAID",
    ]
    assert any("has left our bank" in m.body for m in mail.outbox)
    assert_ledger_clean()


def test_a_rejected_transfer_gives_the_money_back_and_blocks_a_wrong_iban(make_payee, ops, ops2):
    user = make_payee("50.00")
    payout = services.payout_request(user=user, amount=eur("50.00"), now=LATER)
    services.payout_approve(payout_id=payout.pk, actor=ops, now=LATER)
    batch = _export(ops, ops2)
    assert available(user) == eur("0.00")

    _bank_answers(batch, reject={payout.end_to_end_id: "AC04"})

    payout.refresh_from_db()
    assert payout.state == PayoutState.REJECTED
    assert payout.reason_code == "AC04"
    assert "account is closed" in payout.reason
    assert available(user) == eur("50.00")
    account = BankAccount.objects.get(pk=payout.bank_account_id)
    assert account.is_blocked
    with pytest.raises(services.BankDetailsError, match="account is closed"):
        services.payout_request(user=user, amount=eur("20.00"), now=LATER)
    assert_ledger_clean()


def test_a_returned_transfer_comes_back_to_available_with_the_reason(make_payee, ops, ops2):
    user = make_payee("80.00")
    payout = services.payout_request(user=user, amount=eur("30.00"), now=LATER)
    services.payout_approve(payout_id=payout.pk, actor=ops, now=LATER)
    batch = _export(ops, ops2)

    _bank_answers(batch, give_back={payout.end_to_end_id: "MD07"})

    payout.refresh_from_db()
    assert payout.state == PayoutState.RETURNED
    assert payout.escalation == "COMPLIANCE"
    assert "has died" in payout.reason
    assert available(user) == eur("80.00")
    kinds = list(
        Transaction.objects.filter(subject_id=str(payout.pk)).order_by("pk").values_list("kind", flat=True)
    )
    assert kinds == ["PAYOUT_REQUEST", "PAYOUT_EXPORT", "PAYOUT_PAID", "PAYOUT_RETURN"]
    assert_ledger_clean()


def test_importing_the_same_file_again_changes_nothing(make_payee, ops, ops2):
    user = make_payee("80.00")
    payout = services.payout_request(user=user, amount=eur("30.00"), now=LATER)
    services.payout_approve(payout_id=payout.pk, actor=ops, now=LATER)
    batch = _export(ops, ops2)
    answer = sandbox_bank.BankAnswer(give_back={payout.end_to_end_id: "AC01"})
    camt = sandbox_bank.camt054_answer(batch=batch, payouts=[payout], answer=answer, now=LATER)
    services.bank_file_import(raw=camt, name="n.xml", actor=ops, now=LATER)
    before = Transaction.objects.count()

    with pytest.raises(services.BankFileRejected, match="already imported"):
        services.bank_file_import(raw=camt, name="n.xml", actor=ops, now=LATER)

    assert Transaction.objects.count() == before
    assert available(user) == eur("80.00")
    assert_ledger_clean()


def test_cancel_before_export_gives_the_money_back(make_payee):
    user = make_payee("25.00")
    payout = services.payout_request(user=user, amount=eur("25.00"), now=LATER)
    services.payout_cancel(payout_id=payout.pk, user=user, now=LATER)
    payout.refresh_from_db()
    assert payout.state == PayoutState.CANCELLED
    assert available(user) == eur("25.00")
    assert_ledger_clean()


def test_ops_reject_with_a_reason_the_person_sees(make_payee, ops):
    user = make_payee("25.00")
    payout = services.payout_request(user=user, amount=eur("25.00"), now=LATER)
    services.payout_reject(
        payout_id=payout.pk, actor=ops, reason="The name does not match your ID.", now=LATER
    )
    payout.refresh_from_db()
    assert payout.state == PayoutState.REJECTED
    assert payout.reason == "The name does not match your ID."
    assert available(user) == eur("25.00")
    assert_ledger_clean()


def test_the_builder_of_a_file_cannot_release_it(make_payee, ops):
    user = make_payee("25.00")
    payout = services.payout_request(user=user, amount=eur("25.00"), now=LATER)
    services.payout_approve(payout_id=payout.pk, actor=ops, now=LATER)
    batch = services.batch_build(actor=ops, now=LATER)
    with pytest.raises(services.BatchError, match="Four eyes"):
        services.batch_release(batch_id=batch.pk, actor=ops, now=LATER)
    payout.refresh_from_db()
    assert payout.state == PayoutState.APPROVED


def test_a_booking_reported_again_in_a_statement_moves_nothing_twice(make_payee, ops, ops2):
    """The camt.054 notification and the day's camt.053 statement carry the same bank reference."""
    user = make_payee("80.00")
    payout = services.payout_request(user=user, amount=eur("30.00"), now=LATER)
    services.payout_approve(payout_id=payout.pk, actor=ops, now=LATER)
    batch = _export(ops, ops2)
    answer = sandbox_bank.BankAnswer(give_back={payout.end_to_end_id: "AC06"})
    camt054 = sandbox_bank.camt054_answer(batch=batch, payouts=[payout], answer=answer, now=LATER)
    camt053 = (
        camt054.replace(b"camt.054.001.08", b"camt.053.001.08")
        .replace(b"BkToCstmrDbtCdtNtfctn", b"BkToCstmrStmt")
        .replace(b"Ntfctn>", b"Stmt>")
        .replace(b"<MsgId>SBX054", b"<MsgId>STMT")
    )
    services.bank_file_import(raw=camt054, name="notification.xml", actor=ops, now=LATER)
    before = Transaction.objects.count()

    result = services.bank_file_import(raw=camt053, name="statement.xml", actor=ops, now=LATER)

    assert result.bank_file.kind == "CAMT_053"
    assert (result.applied, result.skipped) == (0, 2)
    assert Transaction.objects.count() == before
    assert available(user) == eur("80.00")
    assert_ledger_clean()


def test_small_payouts_of_verified_people_without_risk_can_skip_the_queue(make_payee, settings):
    settings.PAYOUTS_AUTO_APPROVE_BELOW = Decimal("50.00")
    clean = make_payee("100.00", iban="FR1420041010050500013M02606")
    small = services.payout_request(user=clean, amount=eur("20.00"), now=LATER)
    large = services.payout_request(user=clean, amount=eur("60.00"), now=LATER)
    make_payee("30.00")
    shared = make_payee("30.00")  # same IBAN as the one before: a risk signal
    risky = services.payout_request(user=shared, amount=eur("20.00"), now=LATER)

    assert (small.state, large.state, risky.state) == ("APPROVED", "REQUESTED", "REQUESTED")
    assert small.events.last().reason.startswith("Approved automatically")
    assert small.approved_by is None


def test_a_debit_for_a_rejected_payout_alerts_ops_and_moves_nothing(
    make_payee, ops, ops2, settings, django_capture_on_commit_callbacks
):
    settings.PAYOUTS_OPS_EMAILS = ["ops-team@tikjoy.example"]
    user = make_payee("50.00")
    payout = services.payout_request(user=user, amount=eur("20.00"), now=LATER)
    services.payout_approve(payout_id=payout.pk, actor=ops, now=LATER)
    batch = _export(ops, ops2)
    reject = sandbox_bank.BankAnswer(reject={payout.end_to_end_id: "AC01"})
    services.bank_file_import(
        raw=sandbox_bank.pain002_answer(batch=batch, payouts=[payout], answer=reject, now=LATER),
        name="s.xml",
        actor=ops,
        now=LATER,
    )
    debit = sandbox_bank.camt054_answer(
        batch=batch, payouts=[payout], answer=sandbox_bank.BankAnswer(), now=LATER
    )

    with django_capture_on_commit_callbacks(execute=True):
        result = services.bank_file_import(raw=debit, name="n.xml", actor=ops, now=LATER)

    assert result.outcomes == {"left rejected": 1}
    alert = mail.outbox[-1]
    assert alert.to == ["ops-team@tikjoy.example"]
    assert f"{payout.end_to_end_id}: debited by the bank, but its state here is “Rejected”" in alert.body
    assert available(user) == eur("50.00")
    assert_ledger_clean()


def test_the_bank_file_alert_reaches_each_ops_recipient_in_their_language(
    make_payee, ops, ops2, settings, django_capture_on_commit_callbacks
):
    """#23: the alert was English only. A staff member's address gets it in the language they saved,
    a team address (no account) in English."""
    ops.language = "it"
    ops.save(update_fields=["language"])
    settings.PAYOUTS_OPS_EMAILS = ["ops-team@tikjoy.example", ops.email.upper()]
    user = make_payee("50.00")
    payout = services.payout_request(user=user, amount=eur("20.00"), now=LATER)
    services.payout_approve(payout_id=payout.pk, actor=ops, now=LATER)
    batch = _export(ops, ops2)
    reject = sandbox_bank.BankAnswer(reject={payout.end_to_end_id: "AC01"})
    services.bank_file_import(
        raw=sandbox_bank.pain002_answer(batch=batch, payouts=[payout], answer=reject, now=LATER),
        name="s.xml",
        actor=ops,
        now=LATER,
    )
    debit = sandbox_bank.camt054_answer(
        batch=batch, payouts=[payout], answer=sandbox_bank.BankAnswer(), now=LATER
    )
    mail.outbox.clear()

    with django_capture_on_commit_callbacks(execute=True):
        result = services.bank_file_import(raw=debit, name="n.xml", actor=ops, now=LATER)

    team, italian = mail.outbox
    assert team.to == ["ops-team@tikjoy.example"] and italian.to == [ops.email.upper()]
    assert team.subject == f"[TikJoy ops] bank file {result.bank_file.msg_id} needs a look"
    assert italian.subject == f"[TikJoy ops] il file della banca {result.bank_file.msg_id} va controllato"
    assert f"{payout.end_to_end_id}: debited by the bank, but its state here is “Rejected”" in team.body
    assert f"{payout.end_to_end_id}: addebitato dalla banca, ma qui il suo stato è “Respinto”" in italian.body


def test_the_bank_files_lines_keep_their_whole_status_on_the_ops_page(client, make_payee, ops, ops2):
    """Ops walk: a camt.054's lines read "BOOK_DBI" and "BOOK_RTR" (8 characters kept of 9)."""
    paid, back = make_payee("80.00"), make_payee("50.00")
    for user, amount in ((paid, "30.00"), (back, "20.00")):
        payout = services.payout_request(user=user, amount=eur(amount), now=LATER)
        services.payout_approve(payout_id=payout.pk, actor=ops, now=LATER)
    batch = _export(ops, ops2)
    returned = batch.payouts.get(owner_id=back.pk)

    _status, notification = _bank_answers(batch, give_back={returned.end_to_end_id: "AC04"})
    client.force_login(ops)
    page = client.get(f"/ops/payouts/bankfile/{notification.bank_file.pk}/change/").content.decode()

    assert sorted(
        BankLine.objects.filter(bank_file=notification.bank_file).values_list("status", flat=True)
    ) == [
        "BOOK_DBIT",
        "BOOK_DBIT",
        "BOOK_RTRN",
    ]
    assert "BOOK_DBIT" in page and "BOOK_RTRN" in page


def test_a_sepa_batchs_total_is_shown_with_its_currency(client, make_payee, ops, ops2):
    """Ops walk: the batch's total read "16.00" on its list and its page."""
    user = make_payee("80.00")
    payout = services.payout_request(user=user, amount=eur("16.00"), now=LATER)
    services.payout_approve(payout_id=payout.pk, actor=ops, now=LATER)
    batch = _export(ops, ops2)
    client.force_login(ops)

    listed = client.get("/ops/payouts/payoutbatch/").content.decode()
    page = client.get(f"/ops/payouts/payoutbatch/{batch.pk}/change/").content.decode()

    for shown in (listed, page):
        assert "€16.00" in shown
    assert page.count('<div class="readonly">€16.00</div>') == 1
    assert '<div class="readonly">16.00</div>' not in page


def test_a_payouts_ops_page_says_who_is_paid_not_the_owners_content_type(client, make_payee, ops):
    """Ops walk: the page read "Owner type: accounts.user" and "Owner id: 10"."""
    user = make_payee("80.00")
    payout = services.payout_request(user=user, amount=eur("16.00"), now=LATER)
    client.force_login(ops)

    page = client.get(f"/ops/payouts/payout/{payout.pk}/change/").content.decode()

    assert "accounts.user" not in page and "Owner id" not in page and "Owner type" not in page
    assert "<label>Payee:</label>" in page
