"""The language and time zone a page, an e-mail or a notification is written in (docs/i18n.md).

Pages: ``accounts.middleware.PersonLocaleMiddleware`` activates, for each request, the
person's saved language, else the language cookie (the footer switcher), else the browser's
``Accept-Language``, else the site default; a view that knows a better fallback (the brand
page: the brand's country language) calls ``fallback_language_activate(request, code)``, which
only acts when nothing better was found. Times are shown in the person's time zone; the console
overrides it with the merchant's (``merchants.console_site``).

E-mails and notifications are written in the RECIPIENT's language and time zone, not in the
language of whoever's request (or task) triggered them. Build subject and body inside
``recipient_locale(...)``; ``core.tasks.mail_after_commit`` turns them into plain text at once,
so a lazy string can't be translated later in the worker's language::

    for user in owners:
        with recipient_locale(user):
            mail_after_commit(
                subject=gettext("Your balance is low"),
                message=render_to_string("merchants/email/low_balance.txt", context),
                recipient_list=[user.email],
            )

``language_for`` is the one rule: the person's saved choice, else the language their browser
negotiated when they last signed in (``User.browser_language``, recorded at sign-in), else the
brand's language for a message about one brand (``recipient_locale(user, brand=merchant)``), else
English.

One e-mail per recipient (or per group of recipients with the same ``language_for``): never one
e-mail in one language to people who chose different ones.

This module is below accounts and merchants: it reads ``language`` and ``time_zone`` from any
object that has them (a ``User``, a ``Merchant``) and never imports those apps.
"""

from __future__ import annotations

import unicodedata
import zoneinfo
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from functools import cache
from typing import Any

import pycountry
from babel.core import Locale, UnknownLocaleError, get_global
from babel.dates import get_timezone_location
from django.conf import settings
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.utils import timezone, translation
from django.utils.formats import date_format
from django.utils.translation import gettext_lazy as _

# How the request's language was found (``request.language_source``), strongest first.
SOURCE_ACCOUNT = "account"
SOURCE_COOKIE = "cookie"
SOURCE_BROWSER = "browser"
SOURCE_PAGE = "page"  # a view's fallback: the brand's country on its brand page
SOURCE_DEFAULT = "default"


def language_codes() -> list[str]:
    return [code for code, _name in settings.LANGUAGES]


def supported_language(code: str | None) -> str | None:
    """``code`` as one of the shipped languages (``de-AT`` is ``de``), or None."""
    if not code:
        return None
    try:
        return translation.get_supported_language_variant(code)
    except LookupError:
        return None


@cache
def _time_zone_names() -> frozenset[str]:
    return frozenset(zoneinfo.available_timezones())


# The regions of the canonical "Area/City" zones: the list offered leaves out the legacy aliases
# ("Poland", "US/Eastern", "Etc/GMT+3"), which name the same clocks and read as untranslated words.
_AREAS = ("Africa/", "America/", "Antarctica/", "Arctic/", "Asia/", "Atlantic/", "Australia/", "Europe/")
_AREAS += ("Indian/", "Pacific/")


def time_zone_names() -> list[str]:
    """The canonical IANA time zones and UTC, sorted (the choice on /me/ and in the console); any
    IANA name, aliases included, is still accepted (``is_time_zone``)."""
    return sorted(n for n in _time_zone_names() if n == "UTC" or n.startswith(_AREAS))


def time_zone_label(name: str, language: str | None = None) -> str:
    """A time zone as the reader's language names it, from CLDR's names in Babel: its city and the
    clock it keeps, "Rom (Mitteleuropäische Zeit)", "Roma (Ora dell'Europa centrale)"; a zone without
    a shared clock name by its city and country, "Abidjan, Côte d'Ivoire"; UTC as "UTC"; a zone
    Babel doesn't know (a newer IANA zone) by its city, as IANA writes it.

    CLDR keeps its names under its own ids, which are often IANA's older names (Asia/Calcutta for
    Asia/Kolkata, America/Cordoba for America/Argentina/Cordoba): they are looked up too, so Kolkata
    keeps its clock and Córdoba its accent."""
    if name == "UTC":
        return "UTC"
    city = name.rsplit("/", 1)[-1].replace("_", " ")
    locale = Locale.parse(
        translation.to_locale(language or translation.get_language() or settings.LANGUAGE_CODE)
    )
    ids = [name, *_cldr_ids().get(name, ())]
    exemplar = next(
        (str(locale.time_zones[i]["city"]) for i in ids if "city" in locale.time_zones.get(i, {})), ""
    )
    if not exemplar:
        try:
            exemplar = get_timezone_location(name, locale=locale, return_city=True)
        except LookupError:
            return city
    if exemplar and "/" not in exemplar:
        city = exemplar
    meta_zones = get_global("meta_zones")
    metazone = next((meta_zones[i] for i in ids if i in meta_zones), None)
    clock = locale.meta_zones.get(metazone, {}).get("long", {}).get("generic") if metazone else None
    if clock:  # "Beulah (Dakota du Nord) · heure du centre": never a bracket inside a bracket
        return f"{city} · {clock}" if "(" in city or "(" in clock else f"{city} ({clock})"
    territories = get_global("zone_territories")
    territory = next((territories[i] for i in ids if territories.get(i) not in (None, "001", "ZZ")), None)
    if territory is None and name.startswith("Antarctica/"):  # a research station: "Troll, Antarktis"
        territory = "AQ"
    country = locale.territories.get(territory) if territory else None
    return f"{city}, {country}" if country and country != city else city


@cache
def _cldr_ids() -> dict[str, tuple[str, ...]]:
    """IANA name -> the older ids CLDR may keep its names under (Babel's zone aliases reversed)."""
    found: dict[str, list[str]] = {}
    for alias, canonical in get_global("zone_aliases").items():
        found.setdefault(canonical, []).append(alias)
    return {name: tuple(aliases) for name, aliases in found.items()}


@cache
def _time_zone_choices(language: str) -> tuple[tuple[str, str], ...]:
    aliases = get_global("zone_aliases")
    names = [
        n
        for n in time_zone_names()
        if n == "UTC" or aliases.get(n, n) == n or aliases[n] not in _time_zone_names()
    ]
    labels = {name: time_zone_label(name, language) for name in names}
    seen: dict[str, int] = {}
    for label in labels.values():
        seen[label] = seen.get(label, 0) + 1
    choices = [
        (name, label if seen[label] == 1 else f"{label} · {name.replace('_', ' ')}")
        for name, label in labels.items()
    ]
    return tuple(sorted(choices, key=lambda choice: collation_key(choice[1])))


def collation_key(label: str) -> str:
    """A name's key for a list a person reads in their language: case, accents and punctuation ignored,
    so that "Österreich" comes after "Norwegen", "Dänemark" before "Deutschland" (German's dictionary
    order; Italian, French and Spanish alike) and Italian "L'Avana" (CLDR writes a typographic
    apostrophe) before "Lussemburgo", where Python's plain sort puts accented letters and that
    apostrophe after every letter."""
    return "".join(
        c
        for c in unicodedata.normalize("NFKD", label.casefold())
        if not unicodedata.combining(c) and not unicodedata.category(c).startswith("P")
    )


@cache
def _country_names(locale_name: str) -> dict[str, str]:
    try:
        return {code: str(name) for code, name in Locale.parse(locale_name).territories.items()}
    except (UnknownLocaleError, ValueError):
        return {}


def country_name(code: str, language: str | None = None, *, default: str = "") -> str:
    """A country's name in ``language`` (the active one by default): CLDR's, through Babel
    ("Deutschland" for DE in German, "Allemagne" in French); ``default``, else the code itself, where
    CLDR has none. The one lookup of a country's name (choices: ``country_choices``)."""
    names = _country_names(
        translation.to_locale(language or translation.get_language() or settings.LANGUAGE_CODE)
    )
    return names.get(code) or default or code


def country_label(code: str, language: str | None = None) -> str:
    """A country by its name and its code, for ops who also know the codes: "Deutschland (DE)"."""
    return f"{country_name(code, language)} ({code})"


def country_choices(
    codes: Iterable[str], language: str | None = None, *, label: Callable[[str, str], str] | None = None
) -> list[tuple[str, str]]:
    """``(code, text)`` for each country of ``codes``, sorted for a select in ``language`` (the active
    one by default) by its order (``collation_key``: "Dänemark" before "Deutschland", "Österreich"
    after "Norwegen"). The text is the country's name (``country_name``), or ``label(code, name)``."""
    choices = []
    for code in codes:
        name = country_name(code, language)
        choices.append((code, label(code, name) if label else name))
    return sorted(choices, key=lambda choice: collation_key(choice[1]))


@cache
def country_codes() -> tuple[str, ...]:
    """Every ISO 3166-1 alpha-2 code (pycountry's list of the standard), in code order."""
    return tuple(sorted(country.alpha_2 for country in pycountry.countries))


def time_zone_choices(language: str | None = None) -> list[tuple[str, str]]:
    """The time zones offered (``time_zone_names`` less the aliases of another one), each named in
    the reader's language and sorted by that name (computed once per language)."""
    return list(_time_zone_choices(language or translation.get_language() or settings.LANGUAGE_CODE))


def is_time_zone(name: str | None) -> bool:
    return bool(name) and name in _time_zone_names()


def language_for(recipient: Any, *, brand: Any = None) -> str:
    """The language to write to ``recipient`` (a ``User``, a ``Merchant``, or None) in: the one rule
    of every e-mail and notification (docs/i18n.md, "Which language an e-mail is in").

    1. their saved choice (``language``), if it is a shipped language;
    2. else the language their browser negotiated when they last signed in (``User.browser_language``);
    3. else, for a message about one brand (``brand``: a ``Merchant``), the brand's language;
    4. else the site default (``LANGUAGE_CODE``, English).
    """
    return (
        supported_language(getattr(recipient, "language", ""))
        or supported_language(getattr(recipient, "browser_language", ""))
        or supported_language(getattr(brand, "language", ""))
        or settings.LANGUAGE_CODE
    )


def negotiated_language(request: HttpRequest) -> str | None:
    """The language the request's browser asked for (the switcher's cookie or ``Accept-Language``,
    as ``PersonLocaleMiddleware`` found it), or None when the page is in a saved choice, a page's
    fallback or the default."""
    if getattr(request, "language_source", SOURCE_DEFAULT) in (SOURCE_COOKIE, SOURCE_BROWSER):
        return supported_language(getattr(request, "LANGUAGE_CODE", ""))
    return None


def person_or_active_language(person: Any) -> str:
    """The language of a message a person asked for just now (a sign-in code): their saved choice,
    else the language of the page they are on (the active one)."""
    return (
        supported_language(getattr(person, "language", ""))
        or supported_language(translation.get_language())
        or settings.LANGUAGE_CODE
    )


def time_zone_for(recipient: Any) -> str:
    """The time zone to show ``recipient`` times in: their saved one, else ``TIME_ZONE`` (UTC)."""
    name = getattr(recipient, "time_zone", "")
    return name if is_time_zone(name) else settings.TIME_ZONE


@contextmanager
def recipient_locale(recipient: Any, *, brand: Any = None) -> Iterator[str]:
    """Within the block, gettext and dates speak ``recipient``'s language (``language_for``; pass
    ``brand``, a ``Merchant``, when the message is about one brand) and time zone.

    Yields the language code (for a template's ``{% language %}`` or a WhatsApp template).
    """
    language = language_for(recipient, brand=brand)
    with translation.override(language), timezone.override(zoneinfo.ZoneInfo(time_zone_for(recipient))):
        yield language


class LaterText:
    """A text and its values, written in the language active each time it is shown (``str()``):
    for words built once and read by several people, each in theirs (an alert to every operator,
    ``core.tasks.mail_each_after_commit``). ``text`` is a lazy string (``gettext_lazy``, or
    ``ngettext_lazy`` with the name of its count); a value may be another ``LaterText``, a list of
    them (joined with spaces) or anything with a ``text()`` method (written then) or a ``str()``."""

    def __init__(self, text: Any, **values: Any):
        self.text, self.values = text, values

    def __str__(self) -> str:
        return self.text % {name: _written(value) for name, value in self.values.items()}


def _written(value: Any) -> Any:
    if isinstance(value, (list, tuple)):
        return " ".join(str(_written(v)) for v in value)
    if isinstance(value, LaterText):
        return str(value)
    if callable(getattr(value, "text", None)):
        return value.text()
    return value


def utc_text(moment: datetime) -> str:
    """A moment in UTC in the active language's short date-time format ("5 Feb 2026, 14:30",
    "05.02.2026 14:30"), for an ops sentence that says "UTC" after it; never ``strftime``'s English.
    What a consumer, an affiliate or a merchant reads is in their zone: ``moment_text``."""
    return date_format(moment.astimezone(UTC), "SHORT_DATETIME_FORMAT")


def moment_text(moment: datetime, format_name: str = "DATETIME_FORMAT") -> str:
    """A moment in the active time zone and language, followed by the zone's name in that language
    ("22. Dezember 2026 13:00 Berlin (Mitteleuropäische Zeit)", ``time_zone_label``): for an e-mail,
    written inside ``recipient_locale``, whose reader has no page to tell the zone by (the pages'
    ``{% moment %}`` names it only while unknown)."""
    zone = time_zone_label(timezone.get_current_timezone_name())
    return f"{date_format(timezone.localtime(moment), format_name)} {zone}"


def fallback_language_activate(request: HttpRequest, code: str | None) -> bool:
    """A view's own idea of the page's language, used only if the person, their cookie and their
    browser said nothing the site speaks (the brand page passes the brand's language).

    Returns whether it was applied.
    """
    language = supported_language(code)
    if language is None or getattr(request, "language_source", SOURCE_DEFAULT) != SOURCE_DEFAULT:
        return False
    translation.activate(language)
    request.LANGUAGE_CODE = language
    request.language_source = SOURCE_PAGE
    return True


def time_zone_validate(value: str) -> None:
    """Model/form validator: ``value`` is empty or an IANA time zone name."""
    if value and not is_time_zone(value):
        raise ValidationError(
            _("“%(value)s” is not a time zone we know; choose one from the list, e.g. Europe/Rome."),
            params={"value": value},
        )


# Languages whose sentence goes on in lower case after a colon ("Annullata: articolo reso") and
# that write a language's name in lower case ("en allemand"); German keeps its capitals (nouns),
# English keeps a label's capital ("Reversed: Item returned") and its languages' ("in German").
LOWER_AFTER_COLON = frozenset({"it", "es", "fr"})


def after_colon(text: str, language: str | None = None) -> str:
    """A label (a reason's name, "Item returned") written after a colon in ``language`` (the active
    one): in Italian, Spanish and French its first letter in lower case, unless the first word is a
    name or an acronym (another capital in it: "TikTok", "IBAN")."""
    language = supported_language(language or translation.get_language())
    text = str(text)
    first_word = text.split(" ", 1)[0]
    if language not in LOWER_AFTER_COLON or not first_word[1:].islower():
        return text
    return text[0].lower() + text[1:]


def label_in_sentence(text: str, language: str | None = None) -> str:
    """A label (a state's name, "Paused") written inside a sentence in ``language`` (the active one):
    its first letter in lower case ("a campaign that is paused"), except in German, whose nouns keep
    their capitals ("Status „Entwurf“"), and unless the first word is a name or an acronym."""
    language = supported_language(language or translation.get_language())
    text = str(text)
    first_word = text.split(" ", 1)[0]
    if language == "de" or not first_word[1:].islower():
        return text
    return text[0].lower() + text[1:]


def language_in_sentence(code: str) -> str:
    """A shipped or Django-known language (``code``: "de") named in the active language as written
    inside a sentence: "German", "Deutsch", "allemand", "tedesco", "alemán". Raises ``KeyError``
    for a code Django doesn't know."""
    name = str(translation.get_language_info(code)["name_translated"])
    return name.lower() if supported_language(translation.get_language()) in LOWER_AFTER_COLON else name


def language_cookie_set(response: HttpResponse, language: str) -> None:
    """Make this device read ``language`` even when nobody is signed in (Django's language cookie, with
    the settings' name, age, path and flags): after a person chose it, and after they signed out or
    deleted their account, so the next page doesn't switch to the browser's language."""
    response.set_cookie(
        settings.LANGUAGE_COOKIE_NAME,
        language,
        max_age=settings.LANGUAGE_COOKIE_AGE,
        path=settings.LANGUAGE_COOKIE_PATH,
        domain=settings.LANGUAGE_COOKIE_DOMAIN,
        secure=settings.LANGUAGE_COOKIE_SECURE,
        httponly=settings.LANGUAGE_COOKIE_HTTPONLY,
        samesite=settings.LANGUAGE_COOKIE_SAMESITE,
    )
