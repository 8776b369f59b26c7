"""The approved templates and the rate card TikJoy starts with (data: ops edit both at /ops/).

The rates are Meta's per-message prices in 2025 for a few markets, rounded, plus "any other
country"; ops keep them in line with Meta's current rate card (docs/chats.md). Used by migration
0002 (with its historical models) and by ``seed_demo`` and tests after a database flush.
"""

from __future__ import annotations

from decimal import Decimal

TEMPLATES = [
    # name, category, title, body
    (
        "tikjoy_brand_offer",
        "MARKETING",
        "Offer",
        "{{1}} has something for you: {{2}}\n\nReply STOP to receive no more offers.",
    ),
    ("tikjoy_brand_update", "UTILITY", "Update about your order or visit", "An update from {{1}}: {{2}}"),
]

# category, country, currency, Meta's price per message
RATES = [
    ("MARKETING", "DE", "EUR", "0.1131"),
    ("MARKETING", "FR", "EUR", "0.0859"),
    ("MARKETING", "IT", "EUR", "0.0691"),
    ("MARKETING", "ES", "EUR", "0.0615"),
    ("MARKETING", "NL", "EUR", "0.1597"),
    ("MARKETING", "", "EUR", "0.0604"),
    ("UTILITY", "DE", "EUR", "0.0456"),
    ("UTILITY", "FR", "EUR", "0.0276"),
    ("UTILITY", "IT", "EUR", "0.0300"),
    ("UTILITY", "ES", "EUR", "0.0200"),
    ("UTILITY", "NL", "EUR", "0.0500"),
    ("UTILITY", "", "EUR", "0.0113"),
    ("MARKETING", "US", "USD", "0.0250"),
    ("MARKETING", "", "USD", "0.0650"),
    ("UTILITY", "US", "USD", "0.0040"),
    ("UTILITY", "", "USD", "0.0120"),
    ("MARKETING", "GB", "GBP", "0.0416"),
    ("MARKETING", "", "GBP", "0.0520"),
    ("UTILITY", "GB", "GBP", "0.0173"),
    ("UTILITY", "", "GBP", "0.0100"),
]


def catalogue_ensure(template_model, rate_model) -> None:
    """Create the templates and rates that are missing (never changes those ops edited)."""
    for name, category, title, body in TEMPLATES:
        template_model.objects.get_or_create(
            name=name, defaults={"category": category, "title": title, "body": body, "language": "en_US"}
        )
    for category, country, currency, price in RATES:
        rate_model.objects.get_or_create(
            category=category,
            country=country,
            currency=currency,
            defaults={"meta_price": Decimal(price), "margin_percent": Decimal("20.00")},
        )
