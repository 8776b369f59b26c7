"""Real threads on PostgreSQL: 100 paid messages at once against funds for 40."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from decimal import Decimal

import pytest
from django.db import connection
from django.utils import timezone

from chats.models import ChatMessage, ChatTemplate, MessageStatus
from chats.services import ChatRefused, chat_send, thread_open
from chats.tests.conftest import assert_books_clean
from merchants.selectors import wallet_balance
from tikjoy.tests.factories import chat_consumer_make, owner_of
from wallets.models import Transaction

pytestmark = pytest.mark.django_db(transaction=True)


def test_100_concurrent_paid_messages_against_funds_for_40(whatsapp, make_merchant):
    joy = make_merchant("joy", funds="5.60", brand_name="Joy Coffee")  # 40 x 0.14 (marketing to Germany)
    people = [chat_consumer_make(joy, name=f"P{i}", phone=f"+49151{i:07d}1") for i in range(10)]
    threads = [thread_open(merchant=joy, user_id=p.pk, now=timezone.now()) for p in people]
    offer, owner = ChatTemplate.objects.get(name="tikjoy_brand_offer", language="en_US"), owner_of(joy)
    start = threading.Barrier(25, timeout=60)

    def one(i: int) -> str:
        try:
            if i < 25:
                start.wait()
            chat_send(
                thread_id=threads[i % 10].pk,
                merchant=joy,
                actor=owner,
                text=f"Offer {i}",
                template_id=offer.pk,
                now=timezone.now(),
            )
            return "sent"
        except ChatRefused as exc:
            return str(exc)
        finally:
            connection.close()

    with ThreadPoolExecutor(max_workers=25) as pool:
        outcomes = list(pool.map(one, range(100)))

    assert outcomes.count("sent") == 40
    refusals = [o for o in outcomes if o != "sent"]
    assert len(refusals) == 60
    assert all("add funds to start a conversation" in o for o in refusals)
    assert ChatMessage.objects.filter(status=MessageStatus.SENT).count() == 40
    assert ChatMessage.objects.count() == 40  # a refused message leaves nothing behind
    assert len(whatsapp) == 40
    assert Transaction.objects.filter(kind="CHAT_MESSAGE").count() == 40
    assert wallet_balance(merchant=joy).amount == Decimal("0.00")
    assert_books_clean()
