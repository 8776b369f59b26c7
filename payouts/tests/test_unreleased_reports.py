"""The bank's reports (pain.002, camt.054) for a SEPA file that never went to the bank: a file built but
not released (waiting for its second person) or discarded. The bank cannot have answered or booked it:
nothing of the report is applied or recorded (no bank file, no bank line), the operator is told which
file and in which state, the command exits non-zero, and the same report imports once the file is
released (walk finding: "bank lines recorded for reports of unreleased files")."""

from __future__ import annotations

import html

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.test import Client

from payouts import sandbox_bank, services
from payouts.models import BankFile, BankLine, PayoutState
from payouts.tests.conftest import LATER, assert_ledger_clean, eur

pytestmark = pytest.mark.django_db


def _built_file(make_payee, ops):
    """A person's payout of 20.00, approved and put in a file built by ``ops`` (not released)."""
    payout = services.payout_request(user=make_payee("30.00"), amount=eur("20.00"), now=LATER)
    services.payout_approve(payout_id=payout.pk, actor=ops, now=LATER)
    return payout, services.batch_build(actor=ops, now=LATER)


def _camt(batch, payout) -> bytes:
    return sandbox_bank.camt054_answer(
        batch=batch, payouts=[payout], answer=sandbox_bank.BankAnswer(), now=LATER
    )


def _pain(batch, payout) -> bytes:
    return sandbox_bank.pain002_answer(
        batch=batch, payouts=[payout], answer=sandbox_bank.BankAnswer(), now=LATER
    )


def _nothing_recorded(payout, batch) -> None:
    payout.refresh_from_db()
    assert payout.state == PayoutState.APPROVED
    assert not BankFile.objects.exists()
    assert not BankLine.objects.exists()


def _upload(ops, raw: bytes, **headers) -> str:
    client = Client()
    client.force_login(ops)
    page = client.post(
        "/ops/payouts/bankfile/upload/", {"file": SimpleUploadedFile("report.xml", raw)}, **headers
    )
    return html.unescape(page.content.decode())


def test_a_camt054_booking_a_file_not_yet_released_is_refused_naming_the_file_and_recording_nothing(
    make_payee, ops, ops2, tmp_path
):
    """It was recorded: a bank file and a line "debited by the bank, but its state here is Approved",
    so the statement, once the file was released, was "already imported" and never applied."""
    payout, batch = _built_file(make_payee, ops)
    camt = tmp_path / "statement.camt.054.xml"
    camt.write_bytes(_camt(batch, payout))

    with pytest.raises(CommandError, match="1 file"):
        call_command("payouts_import", str(camt))

    _nothing_recorded(payout, batch)
    page = _upload(ops, camt.read_bytes())
    assert (
        f"Nothing was imported: this bank statement books transfers of the file {batch.msg_id}, which has "
        "not been released to the bank yet (it is waiting for a second person to release it)"
    ) in page
    _nothing_recorded(payout, batch)

    services.batch_release(batch_id=batch.pk, actor=ops2, now=LATER)
    call_command("payouts_import", str(camt))  # the same statement, now that the file went out
    payout.refresh_from_db()
    assert payout.state == PayoutState.PAID
    assert BankLine.objects.get().payout == payout
    assert_ledger_clean()


def test_the_command_says_which_file_a_refused_report_answers(make_payee, ops, tmp_path, capsys):
    payout, batch = _built_file(make_payee, ops)
    pain = tmp_path / "status.pain.002.xml"
    pain.write_bytes(_pain(batch, payout))

    with pytest.raises(CommandError, match="1 file"):
        call_command("payouts_import", str(pain))

    err = capsys.readouterr().err
    assert f"this status report answers the file {batch.msg_id}, which has not been released" in err
    _nothing_recorded(payout, batch)


def test_a_camt054_booking_a_discarded_file_is_refused(make_payee, ops):
    payout, batch = _built_file(make_payee, ops)
    camt = _camt(batch, payout)
    services.batch_discard(batch_id=batch.pk, actor=ops, now=LATER)

    page = _upload(ops, camt)

    assert (
        f"Nothing was imported: this bank statement books transfers of the file {batch.msg_id}, which was "
        "discarded before it was released"
    ) in page
    _nothing_recorded(payout, batch)


def test_the_refusal_is_in_the_operators_language(make_payee, ops):
    ops.language = "de"
    ops.save(update_fields=["language"])
    payout, batch = _built_file(make_payee, ops)

    page = _upload(ops, _camt(batch, payout))

    assert f"Nichts wurde importiert: Dieser Kontoauszug bucht Überweisungen der Datei {batch.msg_id}" in page
    _nothing_recorded(payout, batch)


def test_a_camt054_for_a_released_file_still_imports(make_payee, ops, ops2):
    payout, batch = _built_file(make_payee, ops)
    services.batch_release(batch_id=batch.pk, actor=ops2, now=LATER)

    result = services.bank_file_import(raw=_camt(batch, payout), name="camt.xml", actor=ops2, now=LATER)

    assert result.applied == 1
    payout.refresh_from_db()
    assert payout.state == PayoutState.PAID
