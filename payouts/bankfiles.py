"""Reading what the bank sends back: pain.002 status reports, camt.054 notifications, camt.053 statements.

The parser is hardened: a file with a DOCTYPE is refused before parsing, and
lxml runs with no DTD loading, no entity resolution, no network and no huge
trees, so an XML bomb or an external entity can't reach the file system or the
network. Elements are read by their ISO names under the message's namespace,
any version of the message (pain.002.001.03 to .12, camt.05x.001.02 to .08 and
later use the same names for what we read).

What comes out is a list of ``ParsedLine`` s, one per status or booking, each
with the bank reference that makes it unique:

- pain.002 ``TxInfAndSts``: ``TX`` lines with ``OrgnlEndToEndId``, the status
  (``ACCP``, ``ACSC``, ``RJCT`` ...), the reason code and the original amount;
  a whole-message (``GrpSts``) or whole-block (``PmtInfSts``) rejection without
  transaction lines is one ``GROUP``/``PMTINF`` line.
- camt ``Ntry``/``TxDtls``: a debit (``BOOK_DBIT``) for each of our payouts that
  left; a credit with ``RtrInf`` (``BOOK_RTRN``) for each one that came back.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from django.utils.translation import gettext
from lxml import etree

MAX_FILE_BYTES = 50 * 1024 * 1024
_DOCTYPE = re.compile(rb"<!DOCTYPE|<!ENTITY", re.IGNORECASE)
_NAMESPACE = re.compile(r"^urn:iso:std:iso:20022:tech:xsd:(pain\.002|camt\.054|camt\.053)\.001\.\d\d$")


class BankFileError(Exception):
    """The file is not a bank file we can read; the message says why, for the operator."""


@dataclass(frozen=True)
class ParsedLine:
    reference: str
    scope: str  # TX, GROUP, PMTINF
    end_to_end_id: str
    amount: Decimal | None
    currency: str
    status: str
    reason_code: str
    original_msg_id: str = ""  # the pain.001 the line answers (a pain.002's), or books (a camt's)
    original_pmt_inf_id: str = ""


@dataclass(frozen=True)
class ParsedFile:
    kind: str  # PAIN_002, CAMT_054, CAMT_053
    msg_id: str
    namespace: str
    lines: list[ParsedLine]
    original_msg_id: str = ""  # a pain.002's: the message id of the pain.001 it answers


def _parser() -> etree.XMLParser:
    return etree.XMLParser(
        resolve_entities=False,
        no_network=True,
        load_dtd=False,
        dtd_validation=False,
        huge_tree=False,
        remove_pis=True,
        remove_comments=True,
    )


def parse_bank_file(raw: bytes) -> ParsedFile:
    if not raw:
        raise BankFileError(gettext("The file is empty."))
    if len(raw) > MAX_FILE_BYTES:
        raise BankFileError(gettext("The file is larger than %(mb)s MB.") % {"mb": MAX_FILE_BYTES // 2**20})
    if _DOCTYPE.search(raw[:4096]) or _DOCTYPE.search(raw):
        raise BankFileError(
            gettext("The file declares a DOCTYPE or entities; bank files never do, so it was refused.")
        )
    try:
        root = etree.fromstring(raw, _parser())
    except etree.XMLSyntaxError as exc:
        # Where it fails, in the reader's words; lxml's own message is English only.
        line, column = exc.position
        raise BankFileError(
            gettext("The file is not well-formed XML: it fails at line %(line)s, column %(column)s.")
            % {"line": line, "column": column}
        ) from None
    namespace = etree.QName(root).namespace or ""
    match = _NAMESPACE.match(namespace)
    if etree.QName(root).localname != "Document" or not match:
        raise BankFileError(
            gettext(
                "This is not a pain.002, camt.054 or camt.053 file (ISO 20022 Document in its namespace)."
            )
        )
    reader = _Reader(namespace)
    message = match.group(1)
    if message == "pain.002":
        return reader.pain002(root)
    return reader.camt(root, kind="CAMT_054" if message == "camt.054" else "CAMT_053")


class _Reader:
    def __init__(self, namespace: str):
        self.ns = {"d": namespace}
        self.namespace = namespace

    def text(self, element, path: str) -> str:
        found = element.find(path, self.ns)
        return (found.text or "").strip() if found is not None else ""

    def amount(self, element, path: str) -> tuple[Decimal | None, str]:
        found = element.find(path, self.ns)
        if found is None or not (found.text or "").strip():
            return None, ""
        try:
            return Decimal(found.text.strip()), found.get("Ccy", "")
        except InvalidOperation:
            raise BankFileError(gettext("%(text)r is not an amount.") % {"text": found.text}) from None

    def reason(self, element) -> str:
        return self.text(element, "d:StsRsnInf/d:Rsn/d:Cd") or self.text(element, "d:StsRsnInf/d:Rsn/d:Prtry")

    def pain002(self, root) -> ParsedFile:
        report = root.find("d:CstmrPmtStsRpt", self.ns)
        if report is None:
            raise BankFileError(gettext("The pain.002 file has no CstmrPmtStsRpt."))
        msg_id = self.text(report, "d:GrpHdr/d:MsgId")
        if not msg_id:
            raise BankFileError(gettext("The file has no GrpHdr/MsgId."))
        group = report.find("d:OrgnlGrpInfAndSts", self.ns)
        original_msg_id = self.text(group, "d:OrgnlMsgId") if group is not None else ""
        lines: list[ParsedLine] = []
        blocks = report.findall("d:OrgnlPmtInfAndSts", self.ns)
        for block in blocks:
            pmt_inf_id = self.text(block, "d:OrgnlPmtInfId")
            transactions = block.findall("d:TxInfAndSts", self.ns)
            for tx in transactions:
                e2e = self.text(tx, "d:OrgnlEndToEndId")
                status = self.text(tx, "d:TxSts")
                if not e2e or not status:
                    continue
                amount, currency = self.amount(tx, "d:OrgnlTxRef/d:Amt/d:InstdAmt")
                lines.append(
                    ParsedLine(
                        reference=f"pain.002/{original_msg_id}/{e2e}/{status}",
                        scope="TX",
                        end_to_end_id=e2e,
                        amount=amount,
                        currency=currency,
                        status=status,
                        reason_code=self.reason(tx),
                        original_msg_id=original_msg_id,
                        original_pmt_inf_id=pmt_inf_id,
                    )
                )
            block_status = self.text(block, "d:PmtInfSts")
            if not transactions and block_status == "RJCT":
                lines.append(
                    ParsedLine(
                        reference=f"pain.002/{original_msg_id}/{pmt_inf_id}/RJCT",
                        scope="PMTINF",
                        end_to_end_id="",
                        amount=None,
                        currency="",
                        status="RJCT",
                        reason_code=self.reason(block),
                        original_msg_id=original_msg_id,
                        original_pmt_inf_id=pmt_inf_id,
                    )
                )
        group_status = self.text(group, "d:GrpSts") if group is not None else ""
        if group_status == "RJCT" and not lines:
            lines.append(
                ParsedLine(
                    reference=f"pain.002/{original_msg_id}/RJCT",
                    scope="GROUP",
                    end_to_end_id="",
                    amount=None,
                    currency="",
                    status="RJCT",
                    reason_code=self.reason(group),
                    original_msg_id=original_msg_id,
                )
            )
        return ParsedFile(
            kind="PAIN_002",
            msg_id=msg_id,
            namespace=self.namespace,
            lines=lines,
            original_msg_id=original_msg_id,
        )

    def camt(self, root, *, kind: str) -> ParsedFile:
        message = root[0] if len(root) else None
        if message is None:
            raise BankFileError(gettext("The camt file is empty."))
        msg_id = self.text(message, "d:GrpHdr/d:MsgId")
        if not msg_id:
            raise BankFileError(gettext("The file has no GrpHdr/MsgId."))
        lines: list[ParsedLine] = []
        for report in list(message.findall("d:Ntfctn", self.ns)) + list(message.findall("d:Stmt", self.ns)):
            for entry in report.findall("d:Ntry", self.ns):
                if (self.text(entry, "d:Sts/d:Cd") or self.text(entry, "d:Sts")) != "BOOK":
                    continue  # pending or informational entries move no money
                if self.text(entry, "d:RvslInd") == "true":
                    continue
                entry_side = self.text(entry, "d:CdtDbtInd")
                entry_ref = self.text(entry, "d:AcctSvcrRef") or self.text(entry, "d:NtryRef")
                for tx in entry.findall("d:NtryDtls/d:TxDtls", self.ns):
                    e2e = self.text(tx, "d:Refs/d:EndToEndId")
                    if not e2e or e2e == "NOTPROVIDED":
                        continue
                    side = self.text(tx, "d:CdtDbtInd") or entry_side
                    amount, currency = self.amount(tx, "d:Amt")
                    if amount is None:
                        amount, currency = self.amount(tx, "d:AmtDtls/d:InstdAmt/d:Amt")
                    returned = tx.find("d:RtrInf", self.ns) is not None
                    if side == "DBIT" and not returned:
                        status = "BOOK_DBIT"
                    elif side == "CRDT" and returned:
                        status = "BOOK_RTRN"
                    else:
                        continue
                    tx_ref = self.text(tx, "d:Refs/d:AcctSvcrRef") or self.text(tx, "d:Refs/d:TxId")
                    reference = f"camt/{tx_ref or entry_ref}/{e2e}/{status}"
                    lines.append(
                        ParsedLine(
                            reference=reference,
                            scope="TX",
                            end_to_end_id=e2e,
                            amount=amount,
                            currency=currency,
                            status=status,
                            reason_code=self.text(tx, "d:RtrInf/d:Rsn/d:Cd")
                            or self.text(tx, "d:RtrInf/d:Rsn/d:Prtry"),
                            # The pain.001 the transfer came in (its MsgId, as the bank echoes it), when
                            # given: a file never released can't have been booked (``bank_file_import``).
                            original_msg_id=self.text(tx, "d:Refs/d:MsgId")
                            or self.text(entry, "d:NtryDtls/d:Btch/d:MsgId"),
                        )
                    )
        return ParsedFile(kind=kind, msg_id=msg_id, namespace=self.namespace, lines=lines)
