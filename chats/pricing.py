"""What a message costs: Meta's per-message pricing by category and recipient country, plus margin.

Meta charges for templates: marketing always, utility only outside the customer-service window;
a free-form reply inside the window (SERVICE) is free. The rates are data (``ChatRate``).
"""

from __future__ import annotations

from decimal import Decimal

import phonenumbers

from chats.models import Category, ChatRate

FREE = Decimal("0.00")


def recipient_country(phone: str) -> str:
    """The ISO 3166 country of an E.164 number ("" when phonenumbers can't tell)."""
    try:
        return phonenumbers.region_code_for_number(phonenumbers.parse(phone, None)) or ""
    except phonenumbers.NumberParseException:
        return ""


def is_charged(*, category: str, window_open: bool) -> bool:
    if category == Category.MARKETING:
        return True
    if category == Category.UTILITY:
        return not window_open
    return False


def rate_for(*, category: str, country: str, currency: str) -> ChatRate | None:
    """The rate for the country, else the card's rate for every other country; None without either."""
    rates = {
        rate.country: rate
        for rate in ChatRate.objects.filter(category=category, currency=currency, country__in=[country, ""])
    }
    return rates.get(country) or rates.get("")
