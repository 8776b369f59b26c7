"""The countries a SEPA credit transfer reaches, kept by the project itself.

schwifty's own SEPA flag is wrong for a few countries, so reachability comes
from this table. ``eea`` marks the EEA members (EU + Iceland, Liechtenstein,
Norway); the others are in the SEPA scheme without being in the EEA, which
matters for the rules on the payer's address (a transfer to a non-EEA SEPA
country must carry the payer's full address) and for compliance.

Source: EPC list of countries and territories in the SEPA schemes' geographical
scope (EPC409-09), with Albania, Moldova, Montenegro and North Macedonia (2024/25)
and Serbia (2025). French overseas territories, Guernsey, Jersey and the Isle of
Man use the IBAN country code of France or the United Kingdom.
"""

from __future__ import annotations

from dataclasses import dataclass

from core.i18n import country_choices, country_name


@dataclass(frozen=True)
class SepaCountry:
    code: str
    name: str
    eea: bool


_EEA = {
    "AT": "Austria",
    "BE": "Belgium",
    "BG": "Bulgaria",
    "HR": "Croatia",
    "CY": "Cyprus",
    "CZ": "Czechia",
    "DK": "Denmark",
    "EE": "Estonia",
    "FI": "Finland",
    "FR": "France",
    "DE": "Germany",
    "GR": "Greece",
    "HU": "Hungary",
    "IE": "Ireland",
    "IT": "Italy",
    "LV": "Latvia",
    "LT": "Lithuania",
    "LU": "Luxembourg",
    "MT": "Malta",
    "NL": "Netherlands",
    "PL": "Poland",
    "PT": "Portugal",
    "RO": "Romania",
    "SK": "Slovakia",
    "SI": "Slovenia",
    "ES": "Spain",
    "SE": "Sweden",
    "IS": "Iceland",
    "LI": "Liechtenstein",
    "NO": "Norway",
}
_NON_EEA = {
    "AD": "Andorra",
    "AL": "Albania",
    "CH": "Switzerland",
    "GB": "United Kingdom",
    "GI": "Gibraltar",
    "MC": "Monaco",
    "MD": "Moldova",
    "ME": "Montenegro",
    "MK": "North Macedonia",
    "RS": "Serbia",
    "SM": "San Marino",
    "VA": "Vatican City",
}

SEPA_COUNTRIES: dict[str, SepaCountry] = {
    **{code: SepaCountry(code, name, True) for code, name in _EEA.items()},
    **{code: SepaCountry(code, name, False) for code, name in _NON_EEA.items()},
}


def sepa_country(code: str) -> SepaCountry | None:
    """The SEPA country for an ISO 3166 alpha-2 code (an IBAN's first two letters), or None."""
    return SEPA_COUNTRIES.get((code or "").upper())


def address_country_choices() -> list[tuple[str, str]]:
    """Countries a holder's address may be in (the SEPA countries, by name in the active language:
    CLDR's names through Babel, the English name where it has none), in that language's order
    (``core.i18n.country_choices``: "Dänemark" before "Deutschland", "Österreich" after "Norwegen")."""
    return country_choices(
        SEPA_COUNTRIES, label=lambda code, name: country_name(code, default=SEPA_COUNTRIES[code].name)
    )
