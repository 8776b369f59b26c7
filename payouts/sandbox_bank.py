"""A sandbox bank: answers a released pain.001 file the way a bank does, in the real ISO formats.

For a batch it writes

- a pain.002.001.10 status report: ``ACCP`` for each transfer, ``RJCT`` with the
  chosen reason code for the ones to reject;
- a camt.054.001.08 debit/credit notification: one batch-booked debit entry for
  every transfer that was not rejected (a ``TxDtls`` each, with its
  EndToEndId), and one credit entry with ``RtrInf`` for each transfer the
  payee's bank returns, with the chosen reason code.

Both go through the same import as the bank's own files (``bank_file_import``).
It is used by ``manage.py sandbox_bank`` and the ops action on batches, so
``make run`` shows the whole cycle without a bank.
"""

from __future__ import annotations

import secrets
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal

from lxml import etree

from accounts.models import User
from payouts import services
from payouts.models import Payout, PayoutBatch
from payouts.sepa import debtor_from_settings

PAIN002 = "urn:iso:std:iso:20022:tech:xsd:pain.002.001.10"
CAMT054 = "urn:iso:std:iso:20022:tech:xsd:camt.054.001.08"


@dataclass
class BankAnswer:
    """What the sandbox bank should say: EndToEndId -> ISO reason code."""

    reject: dict[str, str] = field(default_factory=dict)
    give_back: dict[str, str] = field(default_factory=dict)


def _sub(parent, ns: str, tag: str, text: str | None = None, **attrs):
    element = etree.SubElement(parent, f"{{{ns}}}{tag}", attrs)
    if text is not None:
        element.text = text
    return element


def _bank_id(prefix: str) -> str:
    return f"{prefix}{secrets.token_hex(8).upper()}"


def pain002_answer(
    *, batch: PayoutBatch, payouts: Iterable[Payout], answer: BankAnswer, now: datetime
) -> bytes:
    ns = PAIN002
    payouts = list(payouts)
    root = etree.Element(f"{{{ns}}}Document", nsmap={None: ns})
    report = _sub(root, ns, "CstmrPmtStsRpt")
    header = _sub(report, ns, "GrpHdr")
    _sub(header, ns, "MsgId", _bank_id("SBX002"))
    _sub(header, ns, "CreDtTm", now.replace(microsecond=0).isoformat())
    group = _sub(report, ns, "OrgnlGrpInfAndSts")
    _sub(group, ns, "OrgnlMsgId", batch.msg_id)
    _sub(group, ns, "OrgnlMsgNmId", "pain.001.001.09")
    _sub(group, ns, "OrgnlNbOfTxs", str(batch.count))
    _sub(group, ns, "OrgnlCtrlSum", f"{batch.control_sum:.2f}")
    rejected = [p for p in payouts if p.end_to_end_id in answer.reject]
    _sub(group, ns, "GrpSts", "PART" if rejected else "ACCP")
    block = _sub(report, ns, "OrgnlPmtInfAndSts")
    _sub(block, ns, "OrgnlPmtInfId", batch.pmt_inf_id)
    _sub(block, ns, "PmtInfSts", "PART" if rejected else "ACCP")
    for payout in payouts:
        tx = _sub(block, ns, "TxInfAndSts")
        _sub(tx, ns, "StsId", _bank_id("STS"))
        _sub(tx, ns, "OrgnlEndToEndId", payout.end_to_end_id)
        code = answer.reject.get(payout.end_to_end_id)
        _sub(tx, ns, "TxSts", "RJCT" if code else "ACCP")
        if code:
            _sub(_sub(_sub(tx, ns, "StsRsnInf"), ns, "Rsn"), ns, "Cd", code)
        reference = _sub(tx, ns, "OrgnlTxRef")
        _sub(_sub(reference, ns, "Amt"), ns, "InstdAmt", f"{payout.amount:.2f}", Ccy=payout.currency)
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8")


def _entry(parent, *, amount: Decimal, side: str, family: str, sub_family: str, now: datetime):
    ns = CAMT054
    entry = _sub(parent, ns, "Ntry")
    _sub(entry, ns, "NtryRef", _bank_id("N"))
    _sub(entry, ns, "Amt", f"{amount:.2f}", Ccy="EUR")
    _sub(entry, ns, "CdtDbtInd", side)
    _sub(_sub(entry, ns, "Sts"), ns, "Cd", "BOOK")
    _sub(_sub(entry, ns, "BookgDt"), ns, "Dt", now.date().isoformat())
    _sub(_sub(entry, ns, "ValDt"), ns, "Dt", now.date().isoformat())
    _sub(entry, ns, "AcctSvcrRef", _bank_id("REF"))
    domain = _sub(_sub(entry, ns, "BkTxCd"), ns, "Domn")
    _sub(domain, ns, "Cd", "PMNT")
    family_element = _sub(domain, ns, "Fmly")
    _sub(family_element, ns, "Cd", family)
    _sub(family_element, ns, "SubFmlyCd", sub_family)
    return entry


def _transaction(details, *, payout: Payout, batch: PayoutBatch, side: str, return_code: str = ""):
    ns = CAMT054
    tx = _sub(details, ns, "TxDtls")
    refs = _sub(tx, ns, "Refs")
    _sub(refs, ns, "MsgId", batch.msg_id)
    _sub(refs, ns, "AcctSvcrRef", _bank_id("TX"))
    _sub(refs, ns, "PmtInfId", batch.pmt_inf_id)
    _sub(refs, ns, "EndToEndId", payout.end_to_end_id)
    _sub(tx, ns, "Amt", f"{payout.amount:.2f}", Ccy=payout.currency)
    _sub(tx, ns, "CdtDbtInd", side)
    if return_code:
        _sub(_sub(_sub(tx, ns, "RtrInf"), ns, "Rsn"), ns, "Cd", return_code)
    return tx


def camt054_answer(
    *, batch: PayoutBatch, payouts: Iterable[Payout], answer: BankAnswer, now: datetime
) -> bytes:
    """The debits of every transfer not rejected, and the returns chosen, in one notification."""
    paid = [p for p in payouts if p.end_to_end_id not in answer.reject]
    returned = [(p, answer.give_back[p.end_to_end_id]) for p in paid if p.end_to_end_id in answer.give_back]
    return _camt054(batch=batch, debits=paid, returns=returned, now=now)


def camt054_returns(*, batch: PayoutBatch, returns: list[tuple[Payout, str]], now: datetime) -> bytes:
    """A later notification with returns only (the payee's bank sends them back days after the debit)."""
    return _camt054(batch=batch, debits=[], returns=returns, now=now)


def _camt054(
    *, batch: PayoutBatch, debits: list[Payout], returns: list[tuple[Payout, str]], now: datetime
) -> bytes:
    ns = CAMT054
    root = etree.Element(f"{{{ns}}}Document", nsmap={None: ns})
    message = _sub(root, ns, "BkToCstmrDbtCdtNtfctn")
    header = _sub(message, ns, "GrpHdr")
    _sub(header, ns, "MsgId", _bank_id("SBX054"))
    _sub(header, ns, "CreDtTm", now.replace(microsecond=0).isoformat())
    notification = _sub(message, ns, "Ntfctn")
    _sub(notification, ns, "Id", _bank_id("NTF"))
    _sub(notification, ns, "CreDtTm", now.replace(microsecond=0).isoformat())
    _sub(_sub(_sub(notification, ns, "Acct"), ns, "Id"), ns, "IBAN", debtor_from_settings().iban)
    if debits:
        total = sum((p.amount for p in debits), Decimal(0))
        entry = _entry(notification, amount=total, side="DBIT", family="ICDT", sub_family="ESCT", now=now)
        details = _sub(entry, ns, "NtryDtls")
        batch_info = _sub(details, ns, "Btch")
        _sub(batch_info, ns, "MsgId", batch.msg_id)
        _sub(batch_info, ns, "PmtInfId", batch.pmt_inf_id)
        _sub(batch_info, ns, "NbOfTxs", str(len(debits)))
        _sub(batch_info, ns, "TtlAmt", f"{total:.2f}", Ccy="EUR")
        _sub(batch_info, ns, "CdtDbtInd", "DBIT")
        for payout in debits:
            _transaction(details, payout=payout, batch=batch, side="DBIT")
    for payout, code in returns:
        entry = _entry(
            notification, amount=payout.amount, side="CRDT", family="ICDT", sub_family="RRTN", now=now
        )
        _transaction(_sub(entry, ns, "NtryDtls"), payout=payout, batch=batch, side="CRDT", return_code=code)
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8")


def answer_and_import(
    *, batch: PayoutBatch, answer: BankAnswer, actor: User | None, now: datetime
) -> list[services.ImportResult]:
    """Answer ``batch`` with a pain.002 and a camt.054, and import both through the bank-file import."""
    payouts = list(batch.payouts.order_by("pk"))
    unknown = (set(answer.reject) | set(answer.give_back)) - {p.end_to_end_id for p in payouts}
    if unknown:
        raise services.PayoutError(f"Not in this file: {', '.join(sorted(unknown))}")
    pain = pain002_answer(batch=batch, payouts=payouts, answer=answer, now=now)
    camt = camt054_answer(batch=batch, payouts=payouts, answer=answer, now=now)
    return [
        services.bank_file_import(
            raw=pain, name=f"sandbox-{batch.msg_id}.pain.002.xml", actor=actor, now=now
        ),
        services.bank_file_import(
            raw=camt, name=f"sandbox-{batch.msg_id}.camt.054.xml", actor=actor, now=now
        ),
    ]
