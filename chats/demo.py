"""Demo data for chats (``manage.py seed_demo``): Hana wrote to Joy Coffee on WhatsApp.

Hana (a consumer with a verified WhatsApp number, +49 151 12340007) shares her name and number
with the demo merchant; her two messages arrive as Meta delivers them (the same webhook payload,
applied by the same service), so the console's Inbox shows a conversation with two unread
messages, answerable free for 24 hours. Replies go through the sandbox WhatsApp, whose inbox
(/sandbox/whatsapp/inbox/) answers as Hana. Idempotent.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from django.db import transaction

from chats.catalogue import catalogue_ensure
from chats.models import ChatRate, ChatTemplate
from chats.services import whatsapp_webhook_apply
from merchants.models import ConsentField, Merchant
from merchants.services import consent_give
from social.services import consumer_get_or_create_by_phone

HANA_PHONE = "+4915112340007"
MESSAGES = (
    ("wamid.demo-hana-1", 125, "Hi Joy Coffee! Do you have oat milk at the Kreuzberg shop?"),
    ("wamid.demo-hana-2", 120, "And is the cashback also for takeaway?"),
)


def _incoming(*, wamid: str, text: str, at: datetime) -> dict:
    wa_id = HANA_PHONE.lstrip("+")
    value = {
        "messaging_product": "whatsapp",
        "metadata": {"display_phone_number": "15550000000", "phone_number_id": "demo"},
        "contacts": [{"profile": {"name": "Hana"}, "wa_id": wa_id}],
        "messages": [
            {
                "from": wa_id,
                "id": wamid,
                "timestamp": str(int(at.timestamp())),
                "type": "text",
                "text": {"body": text},
            }
        ],
    }
    return {"object": "whatsapp_business_account", "entry": [{"id": "demo", "changes": [{"value": value}]}]}


def demo_chats_seed(*, merchant: Merchant, now: datetime) -> list[str]:
    catalogue_ensure(ChatTemplate, ChatRate)
    hana, created = consumer_get_or_create_by_phone(phone=HANA_PHONE)
    if created or not hana.phone_verified:
        hana.display_name, hana.phone_verified = "Hana Consumer", True  # as a WhatsApp sign-in leaves her
        hana.save(update_fields=["display_name", "phone_verified"])
    consent_give(
        user=hana,
        merchant=merchant,
        fields=[ConsentField.DISPLAY_NAME, ConsentField.PHONE],
        now=now,
        page="demo",
    )
    for wamid, minutes_ago, text in MESSAGES:
        with transaction.atomic():
            whatsapp_webhook_apply(
                payload=_incoming(wamid=wamid, text=text, at=now - timedelta(minutes=minutes_ago)), now=now
            )
    return [
        f"chats: Hana ({HANA_PHONE}) wrote to {merchant.brand_name}: /console/chats/ (reply as her at /sandbox/whatsapp/inbox/)"
    ]
