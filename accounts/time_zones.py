"""The time zones a person most likely lives in, for the choice on /me/ (the full list follows them).

From what we already know: the browser's zone (``accounts.middleware.request_time_zone``), the
countries of that zone and of the person's phone number, and each country's zones (CLDR's table,
shipped with Babel). Only canonical names the choice offers (``core.i18n.time_zone_names``).
"""

from __future__ import annotations

import phonenumbers
from babel.core import get_global

from core.i18n import time_zone_names


def _phone_country(phone: str | None) -> str:
    if not phone:
        return ""
    try:
        return phonenumbers.region_code_for_number(phonenumbers.parse(phone)) or ""
    except phonenumbers.NumberParseException:
        return ""


def likely_time_zones(*, browser_zone: str = "", phone: str | None = None) -> list[str]:
    """The browser's zone first, then its country's other zones, then the phone's country's; no repeats."""
    offered = set(time_zone_names())
    countries = get_global("territory_zones")
    zone_country = get_global("zone_territories").get(browser_zone, "")
    found: list[str] = []
    for name in [
        browser_zone,
        *countries.get(zone_country, ()),
        *countries.get(_phone_country(phone), ()),
    ]:
        if name in offered and name not in found:
            found.append(name)
    return found
