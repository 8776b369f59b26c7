"""The files: pain.001.001.09 valid against the ISO XSD with hostile names; the sandbox bank's answers valid too."""

from __future__ import annotations

import re

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from lxml import etree

from payouts import sandbox_bank, sepa, services
from payouts.bankfiles import BankFileError, parse_bank_file
from payouts.epc import EPC_TEXT, epc_name, epc_remittance, is_epc_id
from payouts.tests.conftest import LATER, eur

pytestmark = pytest.mark.django_db

HOSTILE_NAMES = [
    'Robert"); DROP TABLE payouts;--',
    "Tom & Jerry <script>alert(1)</script>",
    "Ünïcödé Ñame ß Øre Łukasz Ćwik",
    "Emoji 😀🎉 Person 👩‍👩‍👧",
    "\u202eevil RTL\u202c mark \u200f\u200e",
    "Ελένη Παπαδοπούλου",
    "Иван Петров",
    "X" * 200,
    "   ",
    "'quoted' \"double\" `back`",
]
NS = {"p": sepa.PAIN001}


def _released_batch(make_payee, ops, ops2, holders):
    payouts = []
    for holder in holders:
        user = make_payee("20.00", holder=holder)
        payout = services.payout_request(user=user, amount=eur("12.34"), now=LATER)
        services.payout_approve(payout_id=payout.pk, actor=ops, now=LATER)
        payouts.append(payout)
    batch = services.batch_build(actor=ops, now=LATER)
    return services.batch_release(batch_id=batch.pk, actor=ops2, now=LATER), payouts


def test_hostile_names_give_a_valid_file_in_the_epc_character_set(make_payee, ops, ops2):
    holders = [name if name.strip() else "Blank Holder" for name in HOSTILE_NAMES]
    batch, payouts = _released_batch(make_payee, ops, ops2, holders)
    xml = bytes(batch.xml)

    sepa.validate(xml, "pain.001.001.09")  # the ISO XSD, again, from the stored bytes
    root = etree.fromstring(xml)
    texts = [el.text for el in root.iter() if el.text and el.text.strip() and len(el) == 0]
    assert texts and all(EPC_TEXT.match(text) for text in texts), [t for t in texts if not EPC_TEXT.match(t)]
    names = root.xpath("//p:Cdtr/p:Nm/text()", namespaces=NS)
    assert "Tom + Jerry script alert(1) /script" in names
    assert "Unicode Name ss Ore Lukasz Cwik" in names
    assert "Eleni Papadopoyloy" in names
    assert max(len(n) for n in names) == 70
    assert root.xpath("string(//p:GrpHdr/p:NbOfTxs)", namespaces=NS) == str(len(holders))
    assert root.xpath("string(//p:PmtInf/p:BtchBookg)", namespaces=NS) == "true"
    assert root.xpath("string(//p:Dbtr/p:PstlAdr/p:TwnNm)", namespaces=NS) == "Berlin"
    ids = [*root.xpath("//p:EndToEndId/text()", namespaces=NS), batch.msg_id, batch.pmt_inf_id]
    assert all(is_epc_id(i) for i in ids) and len(set(ids)) == len(ids)
    # the name on the person's page is the one in the file
    assert sorted(p.creditor_name for p in payouts) == sorted(names)


def test_an_invalid_file_is_never_stored(make_payee, ops, settings):
    settings.PAYOUTS_DEBTOR = {**settings.PAYOUTS_DEBTOR, "country": "Germany"}  # not an ISO country code
    user = make_payee("20.00")
    payout = services.payout_request(user=user, amount=eur("12.00"), now=LATER)
    services.payout_approve(payout_id=payout.pk, actor=ops, now=LATER)
    with pytest.raises(sepa.SepaFileError, match="Ctry"):
        services.batch_build(actor=ops, now=LATER)
    payout.refresh_from_db()
    assert payout.batch_id is None


def test_the_sandbox_banks_camt054_is_valid_against_the_iso_xsd(make_payee, ops, ops2):
    batch, payouts = _released_batch(make_payee, ops, ops2, ["Ana", "Ben", "Cleo"])
    answer = sandbox_bank.BankAnswer(
        reject={payouts[0].end_to_end_id: "AC01"}, give_back={payouts[1].end_to_end_id: "AC04"}
    )
    camt = sandbox_bank.camt054_answer(batch=batch, payouts=payouts, answer=answer, now=LATER)
    sepa.validate(camt, "camt.054.001.08")
    parsed = parse_bank_file(camt)
    assert sorted((line.end_to_end_id, line.status) for line in parsed.lines) == sorted(
        [
            (payouts[1].end_to_end_id, "BOOK_DBIT"),
            (payouts[2].end_to_end_id, "BOOK_DBIT"),
            (payouts[1].end_to_end_id, "BOOK_RTRN"),
        ]
    )


def test_the_sandbox_banks_pain002_has_the_iso_structure(make_payee, ops, ops2):
    """No package we found ships the pain.002.001.10 XSD; the elements we write and read are the same in .12,
    whose ISO XSD we have, so the structure is checked against it under that namespace."""
    batch, payouts = _released_batch(make_payee, ops, ops2, ["Ana", "Ben"])
    answer = sandbox_bank.BankAnswer(reject={payouts[0].end_to_end_id: "RR03"})
    pain = sandbox_bank.pain002_answer(batch=batch, payouts=payouts, answer=answer, now=LATER)
    as_v12 = pain.replace(b"pain.002.001.10", b"pain.002.001.12")
    sepa.validate(as_v12, "pain.002.001.12")
    parsed = parse_bank_file(pain)
    assert {(line.end_to_end_id, line.status, line.reason_code) for line in parsed.lines} == {
        (payouts[0].end_to_end_id, "RJCT", "RR03"),
        (payouts[1].end_to_end_id, "ACCP", ""),
    }


@pytest.mark.parametrize(
    "raw",
    [
        b"",
        b"not xml",
        b'<?xml version="1.0"?><!DOCTYPE d SYSTEM "file:///etc/passwd"><Document/>',
        b'<!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;">]><Document>&lol2;</Document>',
        b'<Document xmlns="urn:iso:std:iso:20022:tech:xsd:pain.001.001.09"/>',
        b'<Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.054.001.08"><x:y xmlns:x="urn:other"/></Document>',
    ],
)
def test_hostile_or_foreign_bank_files_are_refused(raw):
    with pytest.raises(BankFileError):
        parse_bank_file(raw)


def test_a_whole_file_rejection_rejects_each_payout(make_payee, ops, ops2):
    batch, payouts = _released_batch(make_payee, ops, ops2, ["Ana", "Ben"])
    ns = "urn:iso:std:iso:20022:tech:xsd:pain.002.001.10"
    pain = (
        f'<?xml version="1.0" encoding="UTF-8"?><Document xmlns="{ns}"><CstmrPmtStsRpt>'
        f"<GrpHdr><MsgId>BANK-RJ-1</MsgId><CreDtTm>2026-11-25T10:00:00</CreDtTm></GrpHdr>"
        f"<OrgnlGrpInfAndSts><OrgnlMsgId>{batch.msg_id}</OrgnlMsgId><OrgnlMsgNmId>pain.001.001.09</OrgnlMsgNmId>"
        f"<GrpSts>RJCT</GrpSts><StsRsnInf><Rsn><Cd>FF01</Cd></Rsn></StsRsnInf></OrgnlGrpInfAndSts>"
        f"</CstmrPmtStsRpt></Document>"
    ).encode()
    result = services.bank_file_import(raw=pain, name="rj.xml", actor=ops, now=LATER)
    assert result.outcomes == {"rejected": 2}
    for payout in payouts:
        payout.refresh_from_db()
        assert (payout.state, payout.reason_code, payout.escalation) == ("REJECTED", "FF01", "OPS")
        assert not payout.bank_account.is_blocked  # our own error: the person's details are fine


@settings(max_examples=200, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.text(max_size=300))
def test_any_text_becomes_epc_text_within_its_length(value):
    name, remittance = epc_name(value), epc_remittance(value)
    assert EPC_TEXT.match(name) and len(name) <= 70
    assert EPC_TEXT.match(remittance) and len(remittance) <= 140
    assert name == name.strip() and "  " not in name


def test_identifiers_are_epc_safe():
    assert is_epc_id(services.new_end_to_end_id())
    assert len(services.new_end_to_end_id()) <= 35
    assert not is_epc_id("/starts")
    assert not is_epc_id("a//b")
    assert not is_epc_id("x" * 36)
    assert re.fullmatch(r"TJP[0-9A-F]{24}", services.new_end_to_end_id())
