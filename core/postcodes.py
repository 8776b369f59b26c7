"""Postcodes as a post office writes them: one rule for every address typed (a merchant's billing
address, a payee's identity, an account holder's address on a SEPA transfer).

Every SEPA country's postcode, and nearly every other country's, is 2 to 10 Latin letters and
digits with single spaces or hyphens between them ("10119", "SW1A 1AA", "1000-001", "LV-1050").
Anything else (an emoji, a script tag, a sentence) is no postcode: it is refused where it is typed,
not sent to a bank or printed on an invoice."""

from __future__ import annotations

import re
import unicodedata

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

_POSTCODE = re.compile(r"[A-Z0-9]+(?:[ -][A-Z0-9]+)*")
MIN_LENGTH, MAX_LENGTH = 2, 10

POSTCODE_ERROR = _(
    "Enter the postcode as the post writes it: 2 to 10 letters, digits, spaces or hyphens, for example "
    "10119 or SW1A 1AA."
)


def postcode_normal(value: str) -> str:
    """``value`` as it is kept: its spaces collapsed to one, its letters upper-case ("sw1a  1aa" ->
    "SW1A 1AA"), full-width digits and letters typed on an East Asian keyboard as their Latin forms (NFKC)."""
    return " ".join(unicodedata.normalize("NFKC", value or "").split()).upper()


def postcode_is_valid(value: str) -> bool:
    """Whether ``value``, once written as it is kept (``postcode_normal``), is a postcode."""
    normal = postcode_normal(value)
    return MIN_LENGTH <= len(normal) <= MAX_LENGTH and _POSTCODE.fullmatch(normal) is not None


def validate_postcode(value: str) -> None:
    """A form's or a model's validator: an empty value is left to ``required``."""
    if value and not postcode_is_valid(value):
        raise ValidationError(POSTCODE_ERROR, code="postcode")


class PostcodeField(forms.CharField):
    """A postcode box: kept as ``postcode_normal`` writes it, refused in words when it is none."""

    def __init__(self, **kwargs):
        kwargs.setdefault("max_length", 16)  # room for spaces typed around it
        super().__init__(validators=[validate_postcode], **kwargs)
        self.widget.attrs.setdefault("autocomplete", "postal-code")

    def to_python(self, value):
        return postcode_normal(super().to_python(value))
