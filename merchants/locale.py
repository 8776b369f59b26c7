"""The language TikJoy writes to a merchant and to a person in (e-mails, documents).

Amounts and counts on console pages are written in the reader's language by the one formatter,
``wallets.formats`` (``{% load money %}``); the console once wrote them in the merchant's country's
conventions instead, so one page could say ``€2.40`` in a table and ``2,40 €`` beside it."""

from __future__ import annotations

import zoneinfo
from collections.abc import Iterator
from contextlib import contextmanager

from django.utils import timezone, translation

from core.i18n import is_time_zone, language_for, time_zone_for
from merchants.models import Merchant


def merchant_language(merchant: Merchant) -> str:
    """The language TikJoy writes to a merchant in: its e-mails, statements and invoices
    (a poster is printed in the language of the person who prints it, as any console page).

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


def member_language(user, merchant: Merchant) -> str:
    """The language TikJoy writes to a member of ``merchant``'s team in: the one rule of every
    e-mail (``core.i18n.language_for``) with the merchant as the brand: their saved choice, else
    their browser's language recorded at sign-in, else the merchant's, else English."""
    return language_for(user, brand=merchant)


@contextmanager
def member_locale(user, merchant: Merchant) -> Iterator[str]:
    """Within the block, gettext and dates speak the team member's language (``member_language``)
    and time zone (theirs, else the merchant's). Yields the language code.

    A team e-mail is one e-mail per member, each built inside this block (core.i18n: never one
    e-mail in one language to people who chose different ones)."""
    language = member_language(user, merchant)
    zone = user.time_zone if is_time_zone(getattr(user, "time_zone", "")) else time_zone_for(merchant)
    with translation.override(language), timezone.override(zoneinfo.ZoneInfo(zone)):
        yield language
