"""The language TikJoy writes to a merchant and to a person in (e-mails, documents).

Amounts and counts on console pages are written in the reader's language by the one formatter,
``wallets.formats`` (``{% load money %}``); the console once wrote them in the merchant's country's
conventions instead, so one page could say ``€2.40`` in a table and ``2,40 €`` beside it."""

from __future__ import annotations

from core.i18n import language_for
from merchants.models import Merchant


def merchant_language(merchant: Merchant) -> str:
    """The language TikJoy writes to a merchant in: its e-mails, statements, invoices and posters.

    Its saved language (``Merchant.language``, set from the country at sign-up) when TikJoy ships it,
    else English: ``core.i18n.language_for``. E-mails and PDFs render under
    ``translation.override(merchant_language(merchant))``.
    """
    return language_for(merchant)


def person_language(user) -> str:
    """The language TikJoy writes to a person in (payouts, chats): their saved choice
    (``User.language``), else the language their browser asked for when they last signed in
    (``User.browser_language``), else English (shipped languages only): ``core.i18n.language_for``."""
    return language_for(user)
