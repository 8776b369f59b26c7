"""A consumer's id as one merchant knows it (the API, its webhooks): ``con_`` and 16 hex digits.

Every merchant knows the same person by another id, so two brands can't match their people by it
(docs/consent.md, "What the merchant sees"), and the id says nothing of TikJoy's own numbering (how
many people, in what order they came). It is the person's id put through a keyed permutation of
64-bit numbers (a Feistel network whose round function is an HMAC of the merchant, the round and
the half), so it is read back without a table: ``consumer_user_id`` gives the person for the
merchant that knows the id, and nobody (None) for any other merchant's id or a made-up one. A stored
id would do the same with a row per person and merchant, written on every join.

Keyed with ``settings.CONSUMER_ID_KEY`` (by default derived from ``SECRET_KEY``): changing it renames
every consumer for every merchant, and the ids their systems kept stop working (docs/configuration.md).
"""

from __future__ import annotations

import hashlib
import hmac
import re

from django.conf import settings

PREFIX = "con_"
_ROUNDS = 6
_HALF = 32
_MASK = (1 << _HALF) - 1
_MAX_ID = (1 << 63) - 1
_REF = re.compile(r"con_([0-9a-f]{16})")
REF_PATTERN = r"^con_[0-9a-f]{16}$"


def _keyed(merchant_id: int):
    """The round function's MAC for one merchant, its key and the merchant already fed in."""
    return hmac.new(settings.CONSUMER_ID_KEY.encode(), b"consumer-id:%d:" % merchant_id, hashlib.sha256)


def _f(keyed, round_: int, half: int) -> int:
    mac = keyed.copy()
    mac.update(b"%d:%d" % (round_, half))
    return int.from_bytes(mac.digest()[:4], "big")


def consumer_ref(*, merchant_id: int, user_id: int) -> str:
    """The id under which the merchant ``merchant_id`` knows the person ``user_id``."""
    keyed = _keyed(merchant_id)
    left, right = user_id >> _HALF, user_id & _MASK
    for round_ in range(_ROUNDS):
        left, right = right, left ^ _f(keyed, round_, right)
    return f"{PREFIX}{left << _HALF | right:016x}"


def consumer_user_id(*, merchant_id: int, ref: str) -> int | None:
    """The person the merchant ``merchant_id`` knows as ``ref``; None when it is no id of this
    merchant's (malformed, another merchant's, made up). The caller still checks that the person
    exists and joined the brand."""
    match = _REF.fullmatch(ref) if isinstance(ref, str) else None
    if match is None:
        return None
    value = int(match[1], 16)
    keyed = _keyed(merchant_id)
    left, right = value >> _HALF, value & _MASK
    for round_ in reversed(range(_ROUNDS)):
        left, right = right ^ _f(keyed, round_, left), left
    user_id = left << _HALF | right
    return user_id if 0 < user_id <= _MAX_ID else None
