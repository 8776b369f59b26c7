"""A conversation for ``merchants/tests/test_tenant_isolation.py``: a consenting consumer wrote in."""

from __future__ import annotations

from django.utils import timezone

from chats.models import Thread
from chats.services import thread_open, whatsapp_webhook_apply
from tikjoy.tests.factories import chat_consumer_make, chat_reply_payload

PHONES = {"Alpha": "+33612340001", "Bravo": "+33612340002"}


def populate_chats(*, merchant, label: str) -> Thread:
    now = timezone.now()
    person = chat_consumer_make(merchant, name=f"{label} Secret Chatter", phone=PHONES[label], at=now)
    thread = thread_open(merchant=merchant, user_id=person.pk, now=now)
    whatsapp_webhook_apply(
        payload=chat_reply_payload(
            phone=person.phone, wamid=f"wamid.iso{label}", text=f"{label} Secret question", at=now
        ),
        now=now,
    )
    return thread
