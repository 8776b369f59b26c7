"""The approved templates (in English and each language TikJoy speaks) and the rate card TikJoy
starts with (data: ops edit both at /ops/, and mark a translation not approved there).

The rates are Meta's per-message prices in 2025 for a few markets, rounded, plus "any other
country"; ops keep them in line with Meta's current rate card (docs/chats.md). Used by migrations
0002 and 0005 (with its historical models) and by ``seed_demo`` and tests after a database flush.
"""

from __future__ import annotations

from decimal import Decimal

# The language code of the English translation: the one every template has, and the one sent when
# the consumer's language has no approved translation.
ENGLISH = "en_US"

# name, category, {WhatsApp language code: (title members pick, approved body)}. The consumer is
# addressed informally in de/it/es, with "vous" in French; the titles are for the console.
NBSP = "\u00a0"
TEMPLATES = [
    (
        "tikjoy_brand_offer",
        "MARKETING",
        {
            ENGLISH: ("Offer", "{{1}} has something for you: {{2}}\n\nReply STOP to receive no more offers."),
            "de": (
                "Angebot",
                "{{1}} hat etwas für dich: {{2}}\n\nAntworte STOP, wenn du keine Angebote mehr erhalten möchtest.",
            ),
            "it": (
                "Offerta",
                "{{1}} ha qualcosa per te: {{2}}\n\nRispondi STOP per non ricevere più offerte.",
            ),
            "fr": (
                "Offre",
                f"{{{{1}}}} a quelque chose pour vous{NBSP}: {{{{2}}}}\n\n"
                "Répondez STOP pour ne plus recevoir d\u2019offres.",
            ),
            "es": ("Oferta", "{{1}} tiene algo para ti: {{2}}\n\nResponde STOP para no recibir más ofertas."),
        },
    ),
    (
        "tikjoy_brand_update",
        "UTILITY",
        {
            ENGLISH: ("Update about your order or visit", "An update from {{1}}: {{2}}"),
            "de": ("Neuigkeit zu einer Bestellung oder einem Besuch", "Neuigkeiten von {{1}}: {{2}}"),
            "it": ("Aggiornamento su un ordine o una visita", "Un aggiornamento da {{1}}: {{2}}"),
            "fr": (
                "Nouvelles d\u2019une commande ou d\u2019une visite",
                f"Des nouvelles de {{{{1}}}}{NBSP}: {{{{2}}}}",
            ),
            "es": ("Novedades sobre un pedido o una visita", "Novedades de {{1}}: {{2}}"),
        },
    ),
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


def catalogue_ensure(template_model, rate_model, *, languages: tuple[str, ...] | None = None) -> None:
    """Create the templates (each translation: one row per name and language; only ``languages``
    when given) and rates that are missing (never changes those ops edited)."""
    for name, category, translations in TEMPLATES:
        for language, (title, body) in translations.items():
            if languages is not None and language not in languages:
                continue
            template_model.objects.get_or_create(
                name=name, language=language, defaults={"category": category, "title": title, "body": body}
            )
    for category, country, currency, price in RATES:
        rate_model.objects.get_or_create(
            category=category,
            country=country,
            currency=currency,
            defaults={"meta_price": Decimal(price), "margin_percent": Decimal("20.00")},
        )
