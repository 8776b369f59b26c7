"""A consumer's conversations in their data export, and erased with their account."""

from __future__ import annotations

import pytest
from django.utils import timezone

from chats.models import ChatMessage
from chats.services import thread_open
from chats.tests.conftest import meta_post
from privacy.export import export_sections
from privacy.selectors import deletion_plan_get
from privacy.services import account_delete
from tikjoy.tests.factories import chat_reply_payload

pytestmark = pytest.mark.django_db


def test_conversations_are_exported_and_erased_with_the_account(client, whatsapp, joy, ana):
    thread = thread_open(merchant=joy, user_id=ana.pk, now=timezone.now())
    meta_post(
        client,
        chat_reply_payload(
            phone=ana.phone, wamid="wamid.P1", text="My address is 1 Main St", at=timezone.now()
        ),
    )

    rows = export_sections(user=ana)["whatsapp_messages"]
    assert [(r["brand"], r["text"]) for r in rows] == [("Joy Coffee", "My address is 1 Main St")]

    now = timezone.now()
    result = account_delete(user=ana, confirmed=deletion_plan_get(user=ana, now=now).fingerprint, now=now)
    assert result.erased["chat_messages"] == 1
    assert list(ChatMessage.objects.values_list("text", flat=True)) == [""]
    thread.refresh_from_db()
    assert thread.closed_at is not None
