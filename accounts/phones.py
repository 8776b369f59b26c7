"""Phone numbers as people read them. Numbers are stored in E.164 (``+4915112340007``, what
WhatsApp and the code sign-in use); pages show them in the international format, grouped as the
number's own country groups them (``+49 151 12340007``, ``+39 347 123 4567``), with libphonenumber's
data (the ``phonenumbers`` package)."""

from __future__ import annotations

import phonenumbers


def phone_display(value: str | None) -> str:
    """``value`` (E.164, or a WhatsApp id: the same digits without the ``+``) grouped for reading.

    A number libphonenumber can't place is shown as E.164 still, with its ``+``, never as a bare
    string of digits; anything else (not a number) is returned as it is.
    """
    text = (value or "").strip()
    if not text:
        return ""
    digits = text[1:] if text.startswith("+") else text
    if not digits.isdigit():
        return text
    try:
        number = phonenumbers.parse(f"+{digits}", None)
    except phonenumbers.NumberParseException:
        return f"+{digits}"
    if not phonenumbers.is_possible_number(number):
        return f"+{digits}"
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.INTERNATIONAL)


# The kinds of number a WhatsApp account has: a mobile, or a number of a plan that doesn't tell
# mobiles from landlines (the US and Canada: FIXED_LINE_OR_MOBILE). Landlines, toll-free (+800),
# premium-rate, shared-cost, UAN, voicemail, pager, VoIP and personal numbers are not.
MOBILE_TYPES = frozenset(
    {phonenumbers.PhoneNumberType.MOBILE, phonenumbers.PhoneNumberType.FIXED_LINE_OR_MOBILE}
)


def phone_is_mobile(value: str) -> bool:
    """Whether the E.164 number ``value`` is a mobile one (``MOBILE_TYPES``), by libphonenumber's data."""
    try:
        number = phonenumbers.parse(value, None)
    except phonenumbers.NumberParseException:
        return False
    return phonenumbers.number_type(number) in MOBILE_TYPES
