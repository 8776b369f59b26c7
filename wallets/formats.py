"""Amounts and numbers as the reader's language writes them (docs/i18n.md), with Babel's CLDR data:
``€1,234.56`` in English, ``1.234,56 €`` in German and Italian, ``1 234,56 €`` in French.

The language is the active one (the page's, or the recipient's inside
``core.i18n.recipient_locale``); pass ``language=`` to force another.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal

from babel.lists import format_list
from babel.numbers import format_currency, format_decimal, format_percent, get_currency_name
from django.conf import settings
from django.utils import translation
from django.utils.translation import ngettext, pgettext
from moneyed import Money

from wallets.money import COIN


def babel_locale(language: str | None = None) -> str:
    return translation.to_locale(language or translation.get_language() or settings.LANGUAGE_CODE)


def money_text(
    value: Money | Decimal | int | None, currency: str | None = None, *, language: str | None = None
) -> str:
    """``value`` (a ``Money``, or an amount and its ``currency``) with its currency sign or name,
    never rounded (a rate may have more decimals than the currency)."""
    if value is None or value == "":
        return ""
    if isinstance(value, Money):
        amount, currency = value.amount, str(value.currency)
    else:
        amount = Decimal(str(value))
    if not currency:
        return number_text(amount, language=language)
    locale = babel_locale(language)
    if currency == COIN:  # Promote coins have no sign: "1,200 coins"
        count = int(amount)  # the plural follows the size: "-100 coins", never "-100 coin"
        return ngettext("%(count)s coin", "%(count)s coins", abs(count)) % {
            "count": format_decimal(count, locale=locale)
        }
    # The currency's own decimals (CLDR) at least, and every digit the amount has beyond them: a
    # rate such as 0.008 EUR per like reads "€0.008", never rounded to "€0.01" (ledger amounts are
    # at the currency's precision, so they are written with exactly its decimals).
    return format_currency(amount, currency, locale=locale, decimal_quantization=False)


@dataclass(frozen=True)
class MoneyLater:
    """An amount written when a ``core.i18n.LaterText`` is shown (its ``text()``), in the reader's
    language: an alert built once and read by operators of several languages."""

    amount: Decimal
    currency: str

    def text(self) -> str:
        return money_text(self.amount, self.currency)


def number_text(value: Decimal | int | float | None, *, language: str | None = None) -> str:
    """A count or a decimal number with the language's grouping and decimal sign."""
    if value is None or value == "":
        return ""
    return format_decimal(value, locale=babel_locale(language))


def label_text(label: object, value: object) -> str:
    """``label: value`` as the reader's language writes it: French puts a no-break space before the
    colon ("Motif : ..."), so the colon never starts a line."""
    colon = pgettext("after a label", ":")
    return f"{label}{colon} {value}"


def list_text(items: Iterable[object]) -> str:
    """Clauses one after another, ``a; b``, as the reader's language writes the semicolon: French puts
    a no-break space before it ("au total ; 10,00 € par jour"), so it never starts a line."""
    semicolon = pgettext("between clauses of a list", ";")
    return f"{semicolon} ".join(str(item) for item in items)


def currency_name(currency: str, *, language: str | None = None) -> str:
    """A currency's name as a sum of it is called in the reader's language: "euros", "Euro", "dollari USA"."""
    return get_currency_name(currency, count=2, locale=babel_locale(language))


def names_text(items: Iterable[object], *, language: str | None = None) -> str:
    """Names joined as the reader's language joins them: "euros and pounds", "euro e sterline"."""
    return format_list([str(item) for item in items], locale=babel_locale(language))


def percent_text(points: Decimal | int | float, *, language: str | None = None) -> str:
    """A percentage given in points (``27``, ``Decimal("71.43")``) as the reader's language writes it:
    "27%" in English and Italian, "27 %" in German and Spanish, "27 %" in French (a no-break space, as CLDR writes it)."""
    return format_percent(
        Decimal(str(points)) / 100, locale=babel_locale(language), decimal_quantization=False
    )
