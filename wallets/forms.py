"""Money and counts typed by a person, the way their language writes them (docs/i18n.md).

``AmountField`` reads "10,50" in German, Italian, French and Spanish and "10.50" in English, and
either sign wherever it can only be a decimal sign (one sign followed by one or two digits: no
language groups thousands that way). Thousands grouped as the language writes them ("1.234,56" in
German, "1 234,56" in French, "1,234.56" in English) are read too. A field that takes a negative
amount (``AmountField(signed=True)``: an adjustment) reads one leading minus ("-1.000,00", or the
minus sign U+2212) by the same rule. Anything else (``1e9``, ``-5`` where no negative is taken,
``10,5,0``, ``1.000`` in English) is refused with an example in the reader's language, never read
as a number it was not meant to be. A well-formed amount above ``AMOUNT_LARGEST`` (however many
digits) is refused as too large, with the limit, never as malformed. It shows its value as the
language writes it ("16,00" in German), in a text box with the decimal keypad on phones.

``CountField`` is a whole number (coins, views) whose bounds read in the error message as every
other number on the site does (``number_text``, Babel): "10,000,000" in English, "10.000.000" in
German and Spanish, where Django's ``number_format`` wrote "10 000 000" in Spanish.
"""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation

from babel.numbers import format_decimal, get_decimal_symbol, get_group_symbol
from django import forms
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from wallets.formats import babel_locale, number_text

_SPACES = "\u0020\u00a0\u202f"
_MINUS = "-\u2212"  # the hyphen-minus a keyboard types, the minus sign a page shows
# The largest amount a person types anywhere (a form's own limit is lower): what is above it is
# refused as too large, and no larger number reaches the arithmetic or the database.
AMOUNT_LARGEST = Decimal("999999999999.99")


def amount_text(value: Decimal, *, language: str | None = None) -> str:
    """``value`` with two decimals and the language's signs, as a person would type it ("1.234,50")."""
    return format_decimal(value, format="#,##0.00", locale=babel_locale(language))


def amount_parse(text: str, *, language: str | None = None, signed: bool = False) -> Decimal | None:
    """The amount a person typed, or None when it is not one (see the module's docstring);
    ``signed``: one leading minus is read as a negative amount."""
    return decimal_parse(text, places=2, language=language, signed=signed)


def decimal_parse(
    text: str, *, places: int, language: str | None = None, signed: bool = False
) -> Decimal | None:
    """A number with at most ``places`` decimals as a person typed it, or None (the module's rules).

    One sign followed by one to ``places`` digits is the decimal sign in every language, except three
    digits where ``places`` allows them: "1,050" groups thousands in English and "0,005" is a decimal
    in German, so then the sign is read as the reader's language writes it."""
    text = text.strip()
    if signed and text and text[0] in _MINUS:
        amount = decimal_parse(text[1:], places=places, language=language)
        return None if amount is None else -amount
    text = text.removesuffix("€").removeprefix("€").strip()
    locale = babel_locale(language)
    decimal_sign, group_sign = get_decimal_symbol(locale), get_group_symbol(locale)
    plain = re.fullmatch(rf"(?P<whole>\d+)(?:(?P<sign>[.,])(?P<cents>\d{{1,{places}}}))?", text)
    if plain and (len(plain["cents"] or "") != 3 or plain["sign"] == decimal_sign):
        return Decimal(f"{plain['whole']}.{plain['cents'] or '0'}")
    group = f"[{re.escape(_SPACES)}]" if group_sign in _SPACES else re.escape(group_sign)
    grouped = re.fullmatch(
        rf"(?P<whole>[1-9]\d{{0,2}}(?:{group}\d{{3}})+)(?:{re.escape(decimal_sign)}(?P<cents>\d{{1,{places}}}))?",
        text,
    )
    if grouped is None:
        return None
    digits = re.sub(r"\D", "", grouped["whole"])
    try:
        return Decimal(f"{digits}.{grouped['cents'] or '0'}")
    except InvalidOperation:  # pragma: no cover - the pattern admits digits only
        return None


class AmountInput(forms.TextInput):
    """A text box (never ``type=number``, which refuses the comma in some browsers) with the decimal keypad."""

    def __init__(self, attrs=None):
        super().__init__({"inputmode": "decimal", "autocomplete": "off", **(attrs or {})})

    def format_value(self, value):
        if isinstance(value, Decimal | int):
            return amount_text(Decimal(value))
        return super().format_value(value)


class AmountField(forms.Field):
    """An amount in a currency's units and cents, typed the way the reader's language writes it;
    ``signed``: a negative amount is taken too (an adjustment)."""

    widget = AmountInput
    default_error_messages = {
        "invalid": _("Enter an amount such as %(example)s (at most two digits after the decimal sign)."),
        "too_large": _("That is more than the largest amount accepted here (%(limit)s)."),
        "negative": _("The amount must be above zero."),
    }

    def __init__(self, *, signed: bool = False, **kwargs):
        self.signed = signed
        super().__init__(**kwargs)

    def to_python(self, value):
        if value in self.empty_values:
            return None
        if isinstance(value, Decimal):
            return value
        amount = amount_parse(str(value), signed=self.signed)
        if amount is None and not self.signed and amount_parse(str(value), signed=True) is not None:
            # "-1": an amount, below zero, where only a positive one can be (a payout).
            raise forms.ValidationError(self.error_messages["negative"], code="negative")
        if amount is None:
            raise forms.ValidationError(
                self.error_messages["invalid"],
                code="invalid",
                params={"example": amount_text(Decimal("25.50"))},
            )
        if abs(amount) > AMOUNT_LARGEST:
            raise forms.ValidationError(
                self.error_messages["too_large"],
                code="too_large",
                params={"limit": amount_text(AMOUNT_LARGEST)},
            )
        return amount


class DecimalInput(forms.TextInput):
    """A text box for a decimal number (never ``type=number``: Chromium drops a comma typed into one,
    and "10,50" reaches the server as "1050") with the decimal keypad, its value shown as the
    reader's language writes it."""

    def __init__(self, attrs=None, *, places: int = 2):
        self.places = places
        super().__init__({"inputmode": "decimal", "autocomplete": "off", **(attrs or {})})

    def format_value(self, value):
        if isinstance(value, Decimal | int):
            least = min(self.places, 2)
            if self.places >= 4 and Decimal(value).normalize().as_tuple().exponent == -3:
                least = 4  # 1.125 shown "1.1250": three decimals would read as a thousands group (below)
            shown = f"#,##0.{'0' * least}{'#' * max(self.places - least, 0)}"
            return format_decimal(Decimal(value), format=shown, locale=babel_locale(None))
        return super().format_value(value)


# One to three digits, one sign, three digits: a thousands group in one language, three decimals in
# another (TypedDecimalField asks which where four decimals are allowed, and DecimalInput never shows
# a stored value that way: 1.125 is shown "1.1250").
_MOST_PLACES = 12  # what any number typed can have: more decimals than a field keeps are still a number
_AMBIGUOUS = re.compile(rf"(?P<minus>[{_MINUS}])?(?P<whole>[1-9]\d{{0,2}})[.,](?P<cents>\d{{3}})")


class TypedDecimalField(forms.DecimalField):
    """Django's ``DecimalField`` (its digits, places and bounds) read from what a person typed by
    ``decimal_parse``: "10,50" is 10.50 in every language, never 1050; what can't be read is refused
    with an example."""

    widget = DecimalInput
    default_error_messages = {
        "invalid": _("Enter a number such as %(example)s."),
        "ambiguous": _(
            "“%(typed)s” can be read two ways here. Type %(whole)s for the whole number, or %(decimal)s "
            "for the decimal."
        ),
    }

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.widget.places = self.decimal_places if self.decimal_places is not None else 2

    def widget_attrs(self, widget):
        return {}  # no min/max/step: not a number box (the validators check the bounds)

    def to_python(self, value):
        if value in self.empty_values:
            return None
        if isinstance(value, Decimal | int):
            return super().to_python(value)
        places = self.decimal_places if self.decimal_places is not None else 12
        ambiguous = _AMBIGUOUS.fullmatch(str(value).strip()) if places >= 4 else None
        if ambiguous:
            # "1.250" or "1,250" where three decimals are allowed: 1250 in one language, 1.25 in another,
            # and a rate read a thousand times too high is money; asked, never guessed.
            decimal_sign = get_decimal_symbol(babel_locale(None))
            whole, cents = ambiguous["whole"], ambiguous["cents"]
            raise ValidationError(
                self.error_messages["ambiguous"],
                code="ambiguous",
                params={
                    "typed": str(value).strip(),
                    "whole": f"{ambiguous['minus'] or ''}{whole}{cents}",
                    "decimal": f"{ambiguous['minus'] or ''}{whole}{decimal_sign}{cents.ljust(places, '0')}",
                },
            )
        number = decimal_parse(str(value), places=places, signed=True)
        if number is None:
            example = amount_text(Decimal("10.50"))
            if decimal_parse(str(value), places=_MOST_PLACES, signed=True) is not None:
                # a number, with more decimals than the field keeps ("0.005" for cents): say that, not "a number"
                raise ValidationError(
                    ngettext(
                        "Enter at most %(max)s digit after the decimal sign, e.g. %(example)s.",
                        "Enter at most %(max)s digits after the decimal sign, e.g. %(example)s.",
                        places,
                    ),
                    code="max_decimal_places",
                    params={"max": places, "example": example},
                )
            raise ValidationError(self.error_messages["invalid"], code="invalid", params={"example": example})
        return super().to_python(number)


class _GroupedLimit:
    """A min/max validator whose message shows its limit as the visitor reads numbers
    ("at most 10,000,000" / "10.000.000"), not Python's ``10000000``."""

    def __call__(self, value):
        try:
            super().__call__(value)
        except ValidationError as error:
            limit = self.limit_value() if callable(self.limit_value) else self.limit_value
            raise ValidationError(
                error.message,
                code=error.code,
                params={**error.params, "limit_value": number_text(limit)},
            ) from None


class GroupedMinValueValidator(_GroupedLimit, MinValueValidator):
    pass


class GroupedMaxValueValidator(_GroupedLimit, MaxValueValidator):
    pass


class CountField(forms.IntegerField):
    """A whole number a person types (coins, views): its bounds read in their locale in the
    error message. The ``min``/``max`` attributes of the input stay plain numbers for the browser.

    A dot or a comma in it is refused, not read: Django would take "1.000" for 1 (it drops a
    trailing ".000"), where a German reader typed a thousand with its grouping dot, and a number
    input hands the server what was typed."""

    default_error_messages = {
        "separated": _("Enter a whole number without dots or commas, such as 1000."),
    }

    def to_python(self, value):
        if isinstance(value, str) and ("." in value or "," in value):
            raise ValidationError(self.error_messages["separated"], code="separated")
        return super().to_python(value)

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        swap = {MinValueValidator: GroupedMinValueValidator, MaxValueValidator: GroupedMaxValueValidator}
        self.validators = [swap[type(v)](v.limit_value) if type(v) in swap else v for v in self.validators]
