"""How the console writes a merchant's amounts and counts: in the merchant's country's conventions
(a French merchant reads ``1 234,56 €``, a British one ``£1,234.56``), with Babel's CLDR data."""

from __future__ import annotations

from decimal import Decimal
from functools import lru_cache

from babel import Locale, UnknownLocaleError
from babel.languages import get_official_languages
from babel.numbers import format_currency, format_decimal
from moneyed import Money

from core.i18n import language_for
from merchants.models import Merchant


@lru_cache(maxsize=256)
def locale_for_country(country: str) -> str:
    """The main official language of ``country`` with the country (``fr_FR``, ``de_AT``); ``en``."""
    for language in get_official_languages(country or "", de_facto=True) or ("en",):
        try:
            return str(Locale(language, country))
        except (UnknownLocaleError, ValueError):
            continue
    return "en"


def merchant_locale(merchant: Merchant) -> str:
    return locale_for_country(merchant.country)


def money_in_locale(money: Money | None, locale: str) -> str:
    """``1 234,56 €`` / ``€1,234.56``: the amount with its currency, as the locale writes it."""
    if money is None:
        return ""
    return format_currency(money.amount, str(money.currency), locale=_babel_locale(locale))


def number_in_locale(value: int | Decimal, locale: str) -> str:
    return format_decimal(value, locale=_babel_locale(locale))


@lru_cache(maxsize=256)
def _babel_locale(locale: str) -> Locale:
    """Babel's ``Locale`` of a name, parsed once (a page writes hundreds of amounts)."""
    return Locale.parse(locale)


def merchant_language(merchant: Merchant) -> str:
    """The language TikJoy writes to a merchant in: its e-mails, statements, invoices and posters.

    Its saved language (``Merchant.language``, set from the country at sign-up) when TikJoy ships it,
    else English: ``core.i18n.language_for``. E-mails and PDFs render under
    ``translation.override(merchant_language(merchant))``.
    """
    return language_for(merchant)


def person_language(user) -> str:
    """The language TikJoy writes to a person in (payouts, chats): their saved choice
    (``User.language``) when TikJoy ships it, else English: ``core.i18n.language_for``."""
    return language_for(user)
