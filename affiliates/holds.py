"""Why a commission is held for a person to look at: a stable code, its figures, and the words.

A held commission records a ``HoldCode`` (``Commission.hold_code``) and the figures behind it
(``Commission.hold_params``, JSON), as ``rewards.reasons`` does for an action: the console writes the
reason in the reader's language from them (``hold_text``). ``Commission.hold_reason`` keeps the
English sentence (ops, the data export); a commission held before the codes has only that, and it is
shown as it was written.

The ways two affiliate accounts can be one person known to an app affiliates can't import (the IBAN is
in payouts) are ``DuplicateCheck``s registered by the composition layer (``tikjoy.duplicates``): each
has a ``code`` (recorded) and ``what`` (the words, translatable).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from django.db import models
from django.utils import translation
from django.utils.functional import Promise
from django.utils.translation import gettext, gettext_lazy, ngettext


class HoldCode(models.TextChoices):
    SELF_REFERRAL_EMAIL = "SELF_REFERRAL_EMAIL", gettext_lazy("Self-referral (e-mail)")
    SELF_REFERRAL_NETWORK = "SELF_REFERRAL_NETWORK", gettext_lazy("Self-referral (network address)")
    DISPOSABLE_EMAIL = "DISPOSABLE_EMAIL", gettext_lazy("Disposable e-mail domain")
    DUPLICATE_DEVICE = "DUPLICATE_DEVICE", gettext_lazy("Duplicate account (device)")
    DUPLICATE_ACCOUNT = "DUPLICATE_ACCOUNT", gettext_lazy("Duplicate account")
    VELOCITY = "VELOCITY", gettext_lazy("Too many conversions from one visitor")
    TAG_UNCONFIRMED = "TAG_UNCONFIRMED", gettext_lazy("Reported by the tag, not confirmed yet")


@dataclass(frozen=True)
class DuplicateCheck:
    """One way two affiliate accounts can be one person: ``shared(user_id=, among=)`` returns those of
    ``among`` (user ids) who share it with the person ``user_id``; ``code`` is recorded on the held
    commission, ``what`` names the shared thing ("bank account (IBAN)"), a lazy translation."""

    code: str
    what: str | Promise
    shared: Callable[..., list[int]]


_DUPLICATE_CHECKS: list[DuplicateCheck] = []


def duplicate_check_register(check: DuplicateCheck) -> None:
    if check not in _DUPLICATE_CHECKS:
        _DUPLICATE_CHECKS.append(check)


def duplicate_checks() -> list[DuplicateCheck]:
    return list(_DUPLICATE_CHECKS)


@dataclass(frozen=True)
class Hold:
    """A reason to hold a commission: its code and figures (JSON-safe)."""

    code: str
    params: dict = field(default_factory=dict)

    def text(self) -> str:
        """The reason in the active language."""
        return hold_text(self.code, self.params)

    def english(self) -> str:
        """The reason in English, as ``Commission.hold_reason`` keeps it."""
        with translation.override("en"):
            return self.text()


def _what(check_code: str) -> str:
    for check in _DUPLICATE_CHECKS:
        if check.code == check_code:
            return str(check.what)
    return check_code


def hold_text(code: str, params: dict) -> str:
    """The sentence for a hold's code and figures, in the active language ("" for no code)."""
    if code == HoldCode.SELF_REFERRAL_EMAIL:
        return gettext("Self-referral: the customer's e-mail is the affiliate's.")
    if code == HoldCode.SELF_REFERRAL_NETWORK:
        return gettext("Self-referral: the customer clicked from the affiliate's own network address.")
    if code == HoldCode.DISPOSABLE_EMAIL:
        return gettext("Disposable e-mail domain (%(domain)s).") % {"domain": params.get("domain", "")}
    if code == HoldCode.DUPLICATE_DEVICE:
        return gettext("Duplicate account: another affiliate of this program applied from the same device.")
    if code == HoldCode.DUPLICATE_ACCOUNT:
        return gettext("Duplicate account: the same %(what)s as another affiliate of this program.") % {
            "what": _what(params.get("check", ""))
        }
    if code == HoldCode.VELOCITY:
        count = int(params.get("count", 0))
        return ngettext(
            "Velocity: %(count)s conversion from one visitor in 24 hours.",
            "Velocity: %(count)s conversions from one visitor in 24 hours.",
            count,
        ) % {"count": count}
    if code == HoldCode.TAG_UNCONFIRMED:
        return gettext("Reported by the thank-you-page tag: waiting for the merchant to confirm the order.")
    return ""
