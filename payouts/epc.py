"""Text the way the EPC's SEPA rulebooks allow it in a payment file.

The SEPA character set is basic Latin: ``a-z A-Z 0-9 / - ? : ( ) . , ' +`` and
the space. Everything else is transliterated (``Jürgen Ñúñez`` -> ``Jurgen
Nunez``, ``Ελένη`` -> ``Eleni``), ``&`` becomes ``+`` (the EPC's own
recommendation), anything still outside the set becomes a space, runs of
spaces collapse, and the result is cut to the field's length (70 for names,
140 for the remittance line). Identifiers (MsgId, PmtInfId, EndToEndId) are
made from this set only, never start or end with ``/`` and never hold ``//``.
"""

from __future__ import annotations

import re
import unicodedata

from anyascii import anyascii

NAME_MAX = 70
REMITTANCE_MAX = 140
ID_MAX = 35

_ALLOWED = re.compile(r"[^A-Za-z0-9/\-?:().,'+ ]")
_SPACES = re.compile(r"\s+")
_DROPPED_CATEGORIES = frozenset({"Cf", "Cc", "Co", "Cs", "Cn", "So", "Sk", "Mn", "Me"})
EPC_TEXT = re.compile(r"^[A-Za-z0-9/\-?:().,'+ ]*$")
EPC_ID = re.compile(r"^(?!/)(?!.*//)[A-Za-z0-9/\-?:().,'+]{1,35}(?<!/)$")


def epc_text(value: str, *, max_length: int) -> str:
    """``value`` in the EPC character set, at most ``max_length`` characters (may be empty)."""
    if value and value.isascii() and EPC_TEXT.match(value):  # already clean: only spaces and length
        return _SPACES.sub(" ", value).strip()[:max_length].rstrip()
    text = unicodedata.normalize("NFKC", value or "")
    # Bidirectional marks, zero-width joiners, emoji and other symbols carry no letter: drop them.
    text = "".join(ch for ch in text if unicodedata.category(ch) not in _DROPPED_CATEGORIES)
    text = text.replace("&", "+")
    text = anyascii(text).replace("&", "+")
    text = _ALLOWED.sub(" ", text)
    text = _SPACES.sub(" ", text).strip()
    return text[:max_length].rstrip()


def epc_name(value: str) -> str:
    return epc_text(value, max_length=NAME_MAX)


def epc_remittance(value: str) -> str:
    return epc_text(value, max_length=REMITTANCE_MAX)


def is_epc_id(value: str) -> bool:
    return bool(EPC_ID.match(value or ""))
