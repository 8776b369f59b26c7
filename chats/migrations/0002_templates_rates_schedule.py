"""The approved templates, the rate card (data: ops edit both at /ops/), and the schedule that fails
and refunds messages the Cloud API never answered for.

The rates are Meta's per-message prices in 2025 for a few markets, rounded, plus "any other
country": ops keep them in line with Meta's current rate card (docs/chats.md).
"""

from datetime import UTC, datetime
from decimal import Decimal

from django.db import migrations

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

SCHEDULE = "chats: fail and refund messages WhatsApp never confirmed"


def create(apps, schema_editor):
    ChatTemplate = apps.get_model("chats", "ChatTemplate")
    ChatRate = apps.get_model("chats", "ChatRate")
    for name, category, title, body in TEMPLATES:
        ChatTemplate.objects.get_or_create(
            name=name, defaults={"category": category, "title": title, "body": body, "language": "en_US"}
        )
    for category, country, currency, price in RATES:
        ChatRate.objects.get_or_create(
            category=category,
            country=country,
            currency=currency,
            defaults={"meta_price": Decimal(price), "margin_percent": Decimal("20.00")},
        )
    apps.get_model("django_q", "Schedule").objects.update_or_create(
        name=SCHEDULE,
        defaults={
            "func": "chats.tasks.chats_pending_expire_now",
            "schedule_type": "I",
            "minutes": 15,
            "repeats": -1,
            "next_run": datetime.now(tz=UTC),
        },
    )


def remove(apps, schema_editor):
    apps.get_model("django_q", "Schedule").objects.filter(name=SCHEDULE).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("chats", "0001_initial"),
        ("django_q", "0019_alter_task_options_alter_ormq_key_alter_ormq_lock_and_more"),
    ]

    operations = [migrations.RunPython(create, remove)]
