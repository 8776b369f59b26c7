"""How the console writes a merchant's amounts and counts: in the merchant's country's conventions
(a French merchant reads ``1 234,56 €``, a British one ``£1,234.56``), with Babel's CLDR data."""

from __future__ import annotations

from decimal import Decimal
from functools import lru_cache

from babel import Locale, UnknownLocaleError
from babel.languages import get_official_languages
from babel.numbers import format_currency, format_decimal
from django.conf import settings
from moneyed import Money

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
    return format_currency(money.amount, str(money.currency), locale=locale)


def number_in_locale(value: int | Decimal, locale: str) -> str:
    return format_decimal(value, locale=locale)


def merchant_language(merchant: Merchant) -> str:
    """The language TikJoy writes to a merchant in: its e-mails, statements and invoices.

    The merchant's saved language (``Merchant.language``) when it has one TikJoy ships, else the
    site's default (English). The one place this choice is made: e-mails and PDFs render under
    ``translation.override(merchant_language(merchant))``.
    """
    language = getattr(merchant, "language", "") or ""
    return language if language in dict(settings.LANGUAGES) else settings.LANGUAGE_CODE


def person_language(user) -> str:
    """The language TikJoy writes to a person in (e-mails from merchants' apps, payouts, chats): their
    saved choice (``User.language``) when it is one TikJoy ships, else the site's default. Repointed
    to the accounts app's own helper once it has one; until then the one place this is decided."""
    language = getattr(user, "language", "") or ""
    return language if language in dict(settings.LANGUAGES) else settings.LANGUAGE_CODE
