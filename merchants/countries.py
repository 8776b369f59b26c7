"""Countries a merchant can be registered in, and how their VAT numbers are checked."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from stdnum.exceptions import InvalidChecksum, InvalidComponent, InvalidFormat, InvalidLength
from stdnum.exceptions import ValidationError as StdnumValidationError

from core.i18n import collation_key

COUNTRIES = (
    ("AT", _("Austria")),
    ("BE", _("Belgium")),
    ("BG", _("Bulgaria")),
    ("CH", _("Switzerland")),
    ("CY", _("Cyprus")),
    ("CZ", _("Czechia")),
    ("DE", _("Germany")),
    ("DK", _("Denmark")),
    ("EE", _("Estonia")),
    ("ES", _("Spain")),
    ("FI", _("Finland")),
    ("FR", _("France")),
    ("GB", _("United Kingdom")),
    ("GR", _("Greece")),
    ("HR", _("Croatia")),
    ("HU", _("Hungary")),
    ("IE", _("Ireland")),
    ("IT", _("Italy")),
    ("LT", _("Lithuania")),
    ("LU", _("Luxembourg")),
    ("LV", _("Latvia")),
    ("MT", _("Malta")),
    ("NL", _("Netherlands")),
    ("NO", _("Norway")),
    ("PL", _("Poland")),
    ("PT", _("Portugal")),
    ("RO", _("Romania")),
    ("SE", _("Sweden")),
    ("SI", _("Slovenia")),
    ("SK", _("Slovakia")),
    ("US", _("United States")),
)


def country_choices() -> list[tuple[str, str]]:
    """``COUNTRIES`` for a select a person picks from, by the name they read, in their language's order
    (``core.i18n.collation_key``: German "Österreich" after "Norwegen", not under "AT"). Computed at each
    call, so the language switch re-sorts: every country select (``Merchant.country``, the sign-up form)
    takes this callable as its choices."""
    return sorted(
        ((code, str(name)) for code, name in COUNTRIES), key=lambda choice: collation_key(choice[1])
    )


EU_VAT_PREFIX = {
    "AT": "AT", "BE": "BE", "BG": "BG", "CY": "CY", "CZ": "CZ", "DE": "DE", "DK": "DK", "EE": "EE",
    "ES": "ES", "FI": "FI", "FR": "FR", "GR": "EL", "HR": "HR", "HU": "HU", "IE": "IE", "IT": "IT",
    "LT": "LT", "LU": "LU", "LV": "LV", "MT": "MT", "NL": "NL", "PL": "PL", "PT": "PT", "RO": "RO",
    "SE": "SE", "SI": "SI", "SK": "SK",
}  # fmt: skip


def vat_number_normalize(*, country: str, vat_number: str) -> str:
    """Return the VAT number in its compact form, or raise ``ValidationError``.

    EU numbers carry their country prefix (Greece's is ``EL``); the prefix is
    added when missing. Countries python-stdnum has no VAT module for (the US)
    accept any value, compacted.
    """
    raw = "".join(vat_number.split()).upper()
    if not raw:
        return ""
    try:
        if country in EU_VAT_PREFIX:
            from stdnum.eu import vat

            prefix = EU_VAT_PREFIX[country]
            number = raw if raw[:2] in (prefix, country) else prefix + raw
            if country == "GR" and number.startswith("GR"):
                number = "EL" + number[2:]
            if not number.startswith(prefix):
                raise ValidationError(
                    gettext("A VAT number from this country starts with %(prefix)s.") % {"prefix": prefix}
                )
            return vat.validate(number)
        if country == "GB":
            from stdnum.gb import vat as gb_vat

            return "GB" + gb_vat.validate(raw.removeprefix("GB"))
        if country == "CH":
            from stdnum.ch import vat as ch_vat

            return ch_vat.validate(raw)
        if country == "NO":
            from stdnum.no import mva

            return mva.validate(raw)
    except StdnumValidationError as exc:
        raise ValidationError(vat_number_error_text(exc)) from exc
    return raw[:20]


# What is wrong with a VAT number, in the reader's language, per kind of python-stdnum error (its
# own ``message`` is English only).
VAT_NUMBER_ERRORS = (
    (
        InvalidChecksum,
        _(
            "This is not a valid VAT number for this country: its check digit does not match. "
            "Please look for a typing mistake."
        ),
    ),
    (
        InvalidLength,
        _("This is not a valid VAT number for this country: it has too many or too few characters."),
    ),
    (
        InvalidFormat,
        _(
            "This is not a valid VAT number for this country: it has letters or digits where there should be none."
        ),
    ),
    (
        InvalidComponent,
        _(
            "This is not a valid VAT number for this country: a part of it (such as a region or office code) does not exist."
        ),
    ),
)


def vat_number_error_text(exc: StdnumValidationError) -> str:
    for kind, text in VAT_NUMBER_ERRORS:
        if isinstance(exc, kind):
            return str(text)
    return gettext("This is not a valid VAT number for this country.")


# The language a brand registered in a country writes and is written to in, by default (one of
# settings.LANGUAGES; English where TikJoy doesn't speak the country's language yet), and its
# time zone (the capital's). Both can be changed on the merchant (docs/i18n.md).
COUNTRY_LANGUAGE = {
    "AT": "de", "BE": "fr", "CH": "de", "DE": "de", "ES": "es", "FR": "fr", "IT": "it", "LU": "fr",
}  # fmt: skip

COUNTRY_TIME_ZONE = {
    "AT": "Europe/Vienna", "BE": "Europe/Brussels", "BG": "Europe/Sofia", "CH": "Europe/Zurich",
    "CY": "Asia/Nicosia", "CZ": "Europe/Prague", "DE": "Europe/Berlin", "DK": "Europe/Copenhagen",
    "EE": "Europe/Tallinn", "ES": "Europe/Madrid", "FI": "Europe/Helsinki", "FR": "Europe/Paris",
    "GB": "Europe/London", "GR": "Europe/Athens", "HR": "Europe/Zagreb", "HU": "Europe/Budapest",
    "IE": "Europe/Dublin", "IT": "Europe/Rome", "LT": "Europe/Vilnius", "LU": "Europe/Luxembourg",
    "LV": "Europe/Riga", "MT": "Europe/Malta", "NL": "Europe/Amsterdam", "NO": "Europe/Oslo",
    "PL": "Europe/Warsaw", "PT": "Europe/Lisbon", "RO": "Europe/Bucharest", "SE": "Europe/Stockholm",
    "SI": "Europe/Ljubljana", "SK": "Europe/Bratislava", "US": "America/New_York",
}  # fmt: skip


def country_language(country: str) -> str:
    return COUNTRY_LANGUAGE.get(country, "en")


def country_time_zone(country: str) -> str:
    return COUNTRY_TIME_ZONE.get(country, "UTC")
