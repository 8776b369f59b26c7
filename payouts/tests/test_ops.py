"""/ops/ and the commands: the queue, four eyes on files, the sandbox bank, bank-file upload."""

from __future__ import annotations

import html
import re
from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.test import Client

from accounts.models import User
from payouts import sandbox_bank, services
from payouts.models import BankFile, BatchState, Payout, PayoutBatch, PayoutState
from payouts.tests.conftest import LATER, assert_ledger_clean, available, eur

pytestmark = pytest.mark.django_db


def _client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _action(client, url: str, action: str, ids, **extra):
    return client.post(
        url, {"action": action, "_selected_action": [str(i) for i in ids], **extra}, follow=True
    )


def _built_file(make_payee, ops):
    """A person's payout of 20.00, approved and put in a file built by ``ops`` (not released)."""
    payout = services.payout_request(user=make_payee("30.00"), amount=eur("20.00"), now=LATER)
    services.payout_approve(payout_id=payout.pk, actor=ops, now=LATER)
    return payout, services.batch_build(actor=ops, now=LATER)


def test_ops_queue_shows_kyc_hold_and_shared_iban(make_payee, ops):
    first = make_payee("30.00")
    second = make_payee("30.00")  # same IBAN as the first
    services.payout_request(user=first, amount=eur("20.00"), now=LATER)
    services.payout_request(user=second, amount=eur("20.00"), now=LATER)
    page = _client(ops).get("/ops/payouts/payout/").content.decode()
    assert "same IBAN as 1 other person" in page
    assert "Verified" in page


def test_approve_build_and_release_need_two_people(make_payee, ops, ops2):
    user = make_payee("30.00")
    payout = services.payout_request(user=user, amount=eur("20.00"), now=LATER)
    builder, releaser = _client(ops), _client(ops2)

    _action(builder, "/ops/payouts/payout/", "approve", [payout.pk])
    payout.refresh_from_db()
    assert payout.state == PayoutState.APPROVED

    response = _action(builder, "/ops/payouts/payout/", "build_batch", [payout.pk])
    batch = PayoutBatch.objects.get()
    assert "Another person must release it" in response.content.decode()

    response = _action(builder, "/ops/payouts/payoutbatch/", "release", [batch.pk])
    assert "Four eyes" in response.content.decode()
    batch.refresh_from_db()
    assert batch.state == BatchState.BUILT

    _action(releaser, "/ops/payouts/payoutbatch/", "release", [batch.pk])
    batch.refresh_from_db()
    assert (batch.state, batch.built_by, batch.released_by) == (BatchState.EXPORTED, ops, ops2)
    download = releaser.get(f"/ops/payouts/payoutbatch/{batch.pk}/xml/")
    assert download["Content-Disposition"].endswith('.pain.001.001.09.xml"')
    assert payout.end_to_end_id.encode() in download.content

    response = releaser.post(
        f"/ops/payouts/payoutbatch/{batch.pk}/sandbox-bank/",
        {"reject": "", "give_back": f"{payout.end_to_end_id} AC01"},
        follow=True,
    )
    page = response.content.decode()
    assert "returned: 1" in page
    # The ISO messages are named as the standard writes them, even where the admin capitalises a message.
    assert "Imported pain.002 payment status report" in page
    assert "Imported camt.054 debit/credit notification" in page
    assert "Pain.002" not in page and "Camt.054" not in page
    payout.refresh_from_db()
    assert payout.state == PayoutState.RETURNED
    assert available(user) == eur("30.00")
    assert_ledger_clean()


def test_reject_from_the_queue_asks_for_a_reason(make_payee, ops):
    user = make_payee("30.00")
    payout = services.payout_request(user=user, amount=eur("20.00"), now=LATER)
    client = _client(ops)
    page = _action(client, "/ops/payouts/payout/", "reject", [payout.pk])
    assert "The person sees it." in page.content.decode()
    _action(
        client, "/ops/payouts/payout/", "reject", [payout.pk], apply="1", reason="Looks like a mule account."
    )
    payout.refresh_from_db()
    assert (payout.state, payout.reason) == (PayoutState.REJECTED, "Looks like a mule account.")
    assert available(user) == eur("30.00")


def test_upload_a_bank_file_and_a_hostile_one(make_payee, ops, ops2):
    payout, batch = _built_file(make_payee, ops)
    services.batch_release(batch_id=batch.pk, actor=ops2, now=LATER)
    pain = sandbox_bank.pain002_answer(
        batch=batch,
        payouts=[payout],
        answer=sandbox_bank.BankAnswer(reject={payout.end_to_end_id: "RR04"}),
        now=LATER,
    )
    client = _client(ops)
    response = client.post(
        "/ops/payouts/bankfile/upload/", {"file": SimpleUploadedFile("status.xml", pain)}, follow=True
    )
    assert "rejected: 1" in response.content.decode()
    payout.refresh_from_db()
    assert (payout.state, payout.escalation) == (PayoutState.REJECTED, "COMPLIANCE")

    again = client.post("/ops/payouts/bankfile/upload/", {"file": SimpleUploadedFile("status.xml", pain)})
    assert "already imported" in again.content.decode()

    bomb = b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "aaaa">]><Document>&a;</Document>'
    response = client.post("/ops/payouts/bankfile/upload/", {"file": SimpleUploadedFile("bomb.xml", bomb)})
    assert response.status_code == 200
    assert "DOCTYPE" in response.content.decode()
    assert BankFile.objects.count() == 1
    assert_ledger_clean()


def test_the_import_summary_is_in_the_ops_persons_language_and_recorded_in_english(make_payee, ops, ops2):

    payout, batch = _built_file(make_payee, ops)
    services.batch_release(batch_id=batch.pk, actor=ops2, now=LATER)
    pain = sandbox_bank.pain002_answer(
        batch=batch,
        payouts=[payout],
        answer=sandbox_bank.BankAnswer(reject={payout.end_to_end_id: "AC04"}),
        now=LATER,
    )
    User.objects.filter(pk=ops.pk).update(language="de")
    client = _client(ops)

    page = client.post(
        "/ops/payouts/bankfile/upload/", {"file": SimpleUploadedFile("status.xml", pain)}, follow=True
    ).content.decode()
    listed = client.get("/ops/payouts/bankfile/").content.decode()

    # The message after the upload, the file's page (its summary and its line) and the list: German.
    assert "Datei pain.002 Zahlungsstatusbericht" in page
    assert "angewendet: 1 · bereits angewendet: 0 · abgelehnt: 1" in page
    assert re.search(r'class="field-outcome_in_words">\s*(<p>)?abgelehnt', page)
    assert "angewendet: 1 · bereits angewendet: 0 · abgelehnt: 1" in listed
    for english in ("1 applied", "already applied", "1 rejected"):
        assert english not in page and english not in listed
    # What is recorded stays English (one language in the books), with the counts as data.
    bank_file = BankFile.objects.get()
    assert bank_file.summary == "1 applied, 0 already applied, 1 rejected"
    assert bank_file.details == {"applied": 1, "skipped": 0, "outcomes": {"rejected": 1}, "not_matched": []}
    assert bank_file.lines.get().outcome == "rejected"


def test_lines_that_match_no_payout_are_named_in_the_readers_language():
    from django.utils import translation

    from payouts.import_summary import outcome_text, summary_text

    details = {
        "applied": 0,
        "skipped": 2,
        "outcomes": {"left paid": 1},
        "not_matched": [
            {"end_to_end_id": "TJPX", "kind": "no payout with this reference"},
            {
                "end_to_end_id": "TJPY",
                "kind": "amount differs",
                "amount": "25.00",
                "currency": "EUR",
                "payout_amount": "20.00",
                "payout_currency": "EUR",
            },
        ],
    }
    with translation.override("fr"):
        assert summary_text(details) == (
            "appliquées\u00a0: 0 · déjà appliquées\u00a0: 2 · laissé tel quel (Versé)\u00a0: 1 · sans correspondance\u00a0: 2 "
            "(TJPX\u00a0: aucun versement avec cette référence\u00a0; TJPY\u00a0: le montant 25,00\u00a0€ diffère de celui du "
            "versement (20,00\u00a0€))"
        )
        assert outcome_text("status PDNG: nothing to do") == "statut PDNG\u00a0: rien à faire"
        assert outcome_text("Account closed (AC04)") == "Account closed (AC04)"  # a bank's words: as recorded
    assert summary_text({}, recorded="3 applied, 0 already applied") == "3 applied, 0 already applied"


def test_commands_build_release_answer_and_import(make_payee, ops, ops2, tmp_path):
    user = make_payee("50.00")
    first = services.payout_request(user=user, amount=eur("20.00"), now=LATER)
    services.payout_approve(payout_id=first.pk, actor=ops, now=LATER)

    call_command("payouts_export", "build", "--by", ops.email)
    batch = PayoutBatch.objects.get()
    with pytest.raises(CommandError, match="Four eyes"):
        call_command("payouts_export", "release", batch.msg_id, "--by", ops.email)
    out = tmp_path / "file.xml"
    call_command("payouts_export", "release", batch.msg_id, "--by", ops2.email, "--out", str(out))
    assert first.end_to_end_id.encode() in out.read_bytes()

    call_command(
        "sandbox_bank", batch.msg_id, "--return", f"{first.end_to_end_id}:AC06", "--out-dir", str(tmp_path)
    )
    first.refresh_from_db()
    assert first.state == PayoutState.RETURNED
    camt = next(tmp_path.glob("*.camt.054.xml"))
    with pytest.raises(CommandError, match="1 file"):
        call_command("payouts_import", str(camt))
    assert Payout.objects.get().state == PayoutState.RETURNED
    assert available(user) == eur("50.00")
    assert_ledger_clean()


@pytest.mark.parametrize(
    ("language", "payee"),
    [
        ("fr", "particulier"),
        ("de", "Privatperson"),
        ("it", "privato"),
        ("es", "particular"),
        ("en", "person"),
    ],
)
def test_a_persons_payout_names_its_payee_kind_not_nobody(make_payee, ops, language, payee):
    # French once said "Bénéficiaire : personne", which reads as "nobody" (tester, #23).
    user = make_payee("30.00")
    payout = services.payout_request(user=user, amount=eur("20.00"), now=LATER)
    ops.language = language
    ops.save(update_fields=["language"])

    page = _client(ops).get("/ops/payouts/payout/").content.decode()

    cell = re.search(
        rf'<tr[^>]*>(?:(?!</tr>).)*?>{payout.pk}</a>(?:(?!</tr>).)*?<td class="field-payee">([^<]*)</td>',
        page,
        re.S,
    )
    assert cell is not None and cell.group(1) == payee


@pytest.mark.parametrize(
    ("raw", "german"),
    [
        (
            b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "aaaa">]><Document>&a;</Document>',
            "Bankdateien tun das nie",
        ),
        (b"<Document", "Die Datei ist kein wohlgeformtes XML: Fehler in Zeile 1, Spalte "),
        (b'<Document xmlns="urn:iso:std:iso:20022:tech:xsd:pain.001.001.09"/>', "Das ist keine pain.002-"),
    ],
)
def test_a_refused_bank_file_is_explained_in_the_ops_persons_language(ops, raw, german):
    User.objects.filter(pk=ops.pk).update(language="de")

    page = _client(ops).post("/ops/payouts/bankfile/upload/", {"file": SimpleUploadedFile("x.xml", raw)})

    assert page.status_code == 200
    assert german in page.content.decode()
    assert not BankFile.objects.exists()


def test_a_status_report_for_a_file_not_yet_released_is_refused_with_the_reason(make_payee, ops, ops2):
    """Walk: a pain.002 for a file still waiting for its release said "applied: 0" and nothing else."""
    payout, batch = _built_file(make_payee, ops)
    pain = sandbox_bank.pain002_answer(
        batch=batch, payouts=[payout], answer=sandbox_bank.BankAnswer(), now=LATER
    )
    User.objects.filter(pk=ops.pk).update(language="de")
    client = _client(ops)

    page = client.post("/ops/payouts/bankfile/upload/", {"file": SimpleUploadedFile("status.xml", pain)})

    assert page.status_code == 200
    text = page.content.decode()
    assert f"Nichts wurde importiert: Dieser Statusbericht beantwortet die Datei {batch.msg_id}" in text
    assert "noch nicht an die Bank freigegeben" in text
    assert "angewendet: 0" not in text
    payout.refresh_from_db()
    assert payout.state == PayoutState.APPROVED
    assert not BankFile.objects.exists()

    # Once a second person released the file, the same report applies.
    services.batch_release(batch_id=batch.pk, actor=ops2, now=LATER)
    page = client.post(
        "/ops/payouts/bankfile/upload/", {"file": SimpleUploadedFile("status.xml", pain)}, follow=True
    ).content.decode()
    assert "angewendet: 1 · bereits angewendet: 0 · angenommen: 1" in page
    payout.refresh_from_db()
    assert payout.state == PayoutState.ACCEPTED
    assert_ledger_clean()


def test_a_file_is_downloaded_only_once_a_second_person_released_it(make_payee, ops, ops2):
    """Review: the builder could download a built file and take it to the bank alone (four eyes)."""
    payout, batch = _built_file(make_payee, ops)
    builder = _client(ops)

    page = builder.get(f"/ops/payouts/payoutbatch/{batch.pk}/change/").content.decode()
    download = builder.get(f"/ops/payouts/payoutbatch/{batch.pk}/xml/", follow=True)

    assert "It can be downloaded once another person has released it." in page
    assert f"/ops/payouts/payoutbatch/{batch.pk}/xml/" not in page
    assert "Content-Disposition" not in download
    assert f"{batch.filename} was not released to the bank: it can't be downloaded." in html.unescape(
        download.content.decode()
    )
    assert payout.end_to_end_id.encode() not in download.content

    services.batch_release(batch_id=batch.pk, actor=ops2, now=LATER)
    page = builder.get(f"/ops/payouts/payoutbatch/{batch.pk}/change/").content.decode()
    download = builder.get(f"/ops/payouts/payoutbatch/{batch.pk}/xml/")
    assert f"Download {batch.filename}" in page
    assert payout.end_to_end_id.encode() in download.content


def test_a_status_report_for_a_discarded_file_is_refused_with_the_reason(make_payee, ops):
    payout, batch = _built_file(make_payee, ops)
    services.batch_discard(batch_id=batch.pk, actor=ops, now=LATER)
    pain = sandbox_bank.pain002_answer(
        batch=batch, payouts=[payout], answer=sandbox_bank.BankAnswer(), now=LATER
    )

    page = _client(ops).post(
        "/ops/payouts/bankfile/upload/", {"file": SimpleUploadedFile("status.xml", pain)}
    )

    assert (
        f"answers the file {batch.msg_id}, which was discarded before it was released"
        in page.content.decode()
    )
    payout.refresh_from_db()
    assert (payout.state, payout.batch) == (PayoutState.APPROVED, None)
    assert not BankFile.objects.exists()
    batch_page = _client(ops).get(f"/ops/payouts/payoutbatch/{batch.pk}/change/").content.decode()
    assert "Discarded before release: never to be sent to the bank." in batch_page
    assert "Content-Disposition" not in _client(ops).get(f"/ops/payouts/payoutbatch/{batch.pk}/xml/")


def test_ops_lists_show_the_newest_first_whatever_order_the_rows_were_written_in(make_payee, ops, ops2):
    """Walk: the payouts, files and bank files lists in /ops/ were in id order, not date order."""
    older = services.payout_request(user=make_payee("30.00"), amount=eur("20.00"), now=LATER)
    newer = services.payout_request(user=make_payee("30.00"), amount=eur("20.00"), now=LATER)
    batches = []
    for payout in (older, newer):
        services.payout_approve(payout_id=payout.pk, actor=ops, now=LATER)
        batches.append(services.batch_build(actor=ops, now=LATER))
        services.batch_release(batch_id=batches[-1].pk, actor=ops2, now=LATER)
    files = sandbox_bank.answer_and_import(
        batch=batches[0], answer=sandbox_bank.BankAnswer(), actor=ops2, now=LATER
    )
    # The first written are the newest (a row imported late, a clock set back).
    Payout.objects.filter(pk=older.pk).update(requested_at=LATER + timedelta(hours=1))
    PayoutBatch.objects.filter(pk=batches[0].pk).update(built_at=LATER + timedelta(hours=1))
    BankFile.objects.filter(pk=files[0].bank_file.pk).update(uploaded_at=LATER + timedelta(hours=1))
    client = _client(ops)

    def order(url: str, *texts: str) -> list[int]:
        page = client.get(url).content.decode()
        return [page.index(text) for text in texts]

    first, second = order(
        "/ops/payouts/payout/",
        f"/ops/payouts/payout/{older.pk}/change/",
        f"/ops/payouts/payout/{newer.pk}/change/",
    )
    assert first < second
    first, second = order("/ops/payouts/payoutbatch/", batches[0].msg_id, batches[1].msg_id)
    assert first < second
    first, second = order("/ops/payouts/bankfile/", files[0].bank_file.msg_id, files[1].bank_file.msg_id)
    assert first < second
