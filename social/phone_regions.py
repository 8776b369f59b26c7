"""Which country a phone number typed without its country code belongs to (WhatsApp sign-in and
connecting WhatsApp on /me/).

The person's country, never the brand's first: a Spanish visitor on a German brand page who types
her local "612 345 678" means +34 612 34 56 78, not +49 612345678. The default region is, in order:

1. the country of the signed-in person's own number, if they have one; else the country of the
   last number a code went to on this device (the ``PHONE_COUNTRY_COOKIE`` set when it was sent);
2. the region of their browser's languages (``Accept-Language: es-ES`` is Spain), or, for a bare
   language, the country where it is most spoken (``es`` is Spain, ``de`` Germany) unless the
   brand's country speaks it too (``de`` on an Austrian brand page is Austria). A bare ``en``
   tells no country: English is read everywhere, and CLDR's likely one (the US) was a wrong guess
   for most English readers of a European brand;
3. the brand's country (the brand page passes it as ``?region=``);
4. the platform's default country (``settings.PHONE_DEFAULT_REGION``), else none: the person
   picks it.

The person sees the chosen country in a selector and may change it; the page then shows the full
international number before the code goes out (``social.views.whatsapp_login``).
"""

from __future__ import annotations

import phonenumbers
from babel.core import get_global
from babel.languages import get_official_languages
from django import forms
from django.conf import settings
from django.http import HttpRequest
from django.utils.translation import gettext, trans_real

from accounts.models import User
from accounts.phones import phone_display, phone_is_mobile
from core.i18n import country_choices

PHONE_COUNTRY_COOKIE = "tikjoy_phone_country"
PHONE_COUNTRY_COOKIE_MAX_AGE = 365 * 24 * 3600
INTERNATIONAL_EXAMPLE = "+49 170 1234567"
# Bare languages that tell no country: spoken first or officially in so many that the likeliest
# (CLDR's ``en`` -> US) is a guess, and a wrong country reads a local number as another's.
LANGUAGES_OF_NO_COUNTRY = frozenset({"en"})


def whatsapp_phone_check(phone: str) -> None:
    """Refuse (a form error) a new E.164 number that is no mobile: a WhatsApp account's is one, and a
    code sent to a landline or a toll-free number never arrives. Shown with the number in full, so a
    local number read in another country than meant shows why.

    A number that already signs in to an account (verified, the account open) passes whatever its
    type: it has received a WhatsApp code before (a VoIP number, a landline on WhatsApp Business),
    and refusing it would lock its person out of their account and balance."""
    if phone_is_mobile(phone):
        return
    if not User.objects.filter(phone=phone, phone_verified=True, is_active=True).exists():
        raise forms.ValidationError(
            gettext(
                "%(phone)s is not a mobile number, so it cannot receive WhatsApp messages. "
                "Enter your mobile number."
            )
            % {"phone": phone_display(phone)},
            code="not_mobile",
        )


def phone_region(value: str | None) -> str | None:
    """A two-letter region libphonenumber knows, upper-cased, else None."""
    region = (value or "").strip().upper()
    return region if region in phonenumbers.SUPPORTED_REGIONS else None


def _browser_regions(request: HttpRequest, *, brand_region: str | None) -> list[str]:
    header = request.headers.get("Accept-Language", "")
    try:
        tags = [tag for tag, _q in trans_real.parse_accept_lang_header(header)]
    except ValueError:
        tags = []
    explicit = [phone_region(tag.replace("_", "-").split("-")[-1]) for tag in tags if "-" in tag]
    regions = [region for region in explicit if region]
    if regions:
        return regions
    for tag in tags[:1]:
        language = tag.split("-")[0].lower()
        if brand_region and language in get_official_languages(brand_region, de_facto=True):
            return [brand_region]
        if language in LANGUAGES_OF_NO_COUNTRY:
            return []
        likely = get_global("likely_subtags").get(language, "")
        region = phone_region(likely.split("_")[-1]) if likely else None
        if region:
            return [region]
    return []


def visitor_phone_region(request: HttpRequest, *, brand_region: str | None = None) -> str | None:
    """The country a local number typed on this request most likely belongs to (see the module)."""
    user = getattr(request, "user", None)
    own = getattr(user, "phone", None) if getattr(user, "is_authenticated", False) else None
    if own:
        region = phone_region(phonenumbers.region_code_for_number(phonenumbers.parse(own)))
        if region:
            return region
    saved = phone_region(request.COOKIES.get(PHONE_COUNTRY_COOKIE))
    if saved:
        return saved
    regions = _browser_regions(request, brand_region=brand_region)
    if regions:
        return regions[0]
    return phone_region(brand_region) or phone_region(settings.PHONE_DEFAULT_REGION)


def example_number(region: str | None) -> str:
    """A mobile number as the region's people write it locally (Spain: "612 34 56 78"), or the
    international example without a region."""
    if region is None:
        return INTERNATIONAL_EXAMPLE
    number = phonenumbers.example_number_for_type(region, phonenumbers.PhoneNumberType.MOBILE)
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.NATIONAL) if number else ""


def region_choices() -> list[tuple[str, str]]:
    """Every region libphonenumber knows as "Spain (+34)", by name in the active language (CLDR's
    names through Babel; the code itself where CLDR has no name), sorted by that name."""
    return country_choices(  # "Österreich" with the O's
        phonenumbers.SUPPORTED_REGIONS,
        label=lambda region, name: f"{name} (+{phonenumbers.country_code_for_region(region)})",
    )
