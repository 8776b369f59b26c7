"""The Inbox in the console: threads with unread counts, reading clears them, sending through the form."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.utils import timezone

from chats.models import ChatMessage, ChatTemplate, MessageStatus
from chats.tests.conftest import meta_post
from merchants.roles import Role
from merchants.selectors import wallet_balance
from tikjoy.tests.factories import chat_consumer_make, chat_reply_payload, owner_of, response_text

pytestmark = pytest.mark.django_db


def test_the_inbox_counts_unread_replies_until_the_conversation_is_read(
    client, whatsapp, joy, ana, add_member
):
    for n in range(2):
        meta_post(
            client,
            chat_reply_payload(phone=ana.phone, wamid=f"wamid.A{n}", text=f"Hi {n}", at=timezone.now()),
        )
    manager = add_member(joy, "manager@joy.example", Role.MANAGER)
    client.force_login(manager)

    inbox = response_text(client.get("/console/chats/"))
    assert "2 unread" in inbox and "Ana" in inbox and "+4915112345678" not in inbox
    dashboard = response_text(client.get("/console/"))
    assert 'data-figure="unread">2<' in dashboard
    thread = ana.chat_threads.get()
    page = response_text(client.get(f"/console/chats/{thread.pk}/"))
    assert "Hi 0" in page and "Hi 1" in page and "replies are free" in page
    assert "unread" not in response_text(client.get("/console/chats/")).split("<table")[0]


def test_a_member_sends_from_the_console_and_is_told_the_price(client, whatsapp, joy, ana):
    client.force_login(owner_of(joy))
    response = client.post(
        "/console/chats/start/", {"person": ana.pk, "console_merchant": joy.pk}, follow=True
    )
    thread = ana.chat_threads.get()
    assert response.redirect_chain[-1][0] == f"/console/chats/{thread.pk}/"

    refused = response_text(
        client.post(f"/console/chats/{thread.pk}/", {"text": "Hi", "console_merchant": joy.pk})
    )
    assert "only an approved template" in refused
    offer = ChatTemplate.objects.get(name="tikjoy_brand_offer", language="en_US")
    sent = client.post(
        f"/console/chats/{thread.pk}/",
        {"text": "Two for one", "template": offer.pk, "console_merchant": joy.pk},
        follow=True,
    )
    assert "taken from your wallet" in response_text(sent)
    assert ChatMessage.objects.get().price == Decimal("0.14")
    assert wallet_balance(merchant=joy).amount == Decimal("9.86")
    wallet = response_text(client.get("/console/wallet/"))
    assert "WhatsApp message to a consumer" in wallet


def test_only_consumers_who_share_their_number_can_be_written_to(client, whatsapp, joy, make_consumer):
    nameless = make_consumer("No Phone")
    client.force_login(owner_of(joy))
    inbox = response_text(client.get("/console/chats/"))
    assert "No Phone" not in inbox
    response = client.post(
        "/console/chats/start/", {"person": nameless.pk, "console_merchant": joy.pk}, follow=True
    )
    assert "does not share a WhatsApp number with you" in response_text(response)
    chat_consumer_make(joy, name="Has Phone", phone="+4915199999999")
    assert "Write to Has Phone" in response_text(client.get("/console/chats/"))


def test_the_same_form_submitted_twice_sends_and_charges_once(client, whatsapp, joy, ana):
    client.force_login(owner_of(joy))
    client.post("/console/chats/start/", {"person": ana.pk, "console_merchant": joy.pk})
    thread = ana.chat_threads.get()
    page = response_text(client.get(f"/console/chats/{thread.pk}/"))
    key = page.split('name="send_key" value="')[1].split('"')[0]
    offer = ChatTemplate.objects.get(name="tikjoy_brand_offer", language="en_US")
    form = {"text": "Two for one", "template": offer.pk, "console_merchant": joy.pk, "send_key": key}

    for _ in range(2):  # a double click, or the browser's "resend" after a reload
        client.post(f"/console/chats/{thread.pk}/", form, follow=True)

    assert ChatMessage.objects.count() == 1
    assert len(whatsapp) == 1
    assert wallet_balance(merchant=joy).amount == Decimal("9.86")
    # A new form (a new key) is a new message.
    page = response_text(client.get(f"/console/chats/{thread.pk}/"))
    assert page.split('name="send_key" value="')[1].split('"')[0] != key


def test_a_read_message_s_status_is_in_the_member_s_language(client, whatsapp, joy, ana):
    client.force_login(owner_of(joy))
    client.post("/console/chats/start/", {"person": ana.pk, "console_merchant": joy.pk})
    thread = ana.chat_threads.get()
    offer = ChatTemplate.objects.get(name="tikjoy_brand_offer", language="en_US")
    client.post(
        f"/console/chats/{thread.pk}/",
        {"text": "Two for one", "template": offer.pk, "console_merchant": joy.pk},
    )
    ChatMessage.objects.update(status=MessageStatus.READ)

    german = response_text(client.get(f"/console/chats/{thread.pk}/", HTTP_ACCEPT_LANGUAGE="de"))
    assert "<span data-status>Gelesen</span>" in german
    french = response_text(client.get(f"/console/chats/{thread.pk}/", HTTP_ACCEPT_LANGUAGE="fr"))
    assert "<span data-status>Lu</span>" in french
    english = response_text(client.get(f"/console/chats/{thread.pk}/"))
    assert "<span data-status>Read</span>" in english


def test_a_reply_longer_than_whatsapp_allows_is_refused_in_the_members_language_and_costs_nothing(
    client, whatsapp, joy, ana
):
    meta_post(client, chat_reply_payload(phone=ana.phone, wamid="wamid.IN1", text="Hi", at=timezone.now()))
    thread = ana.chat_threads.get()
    client.force_login(owner_of(joy))
    page = response_text(client.get(f"/console/chats/{thread.pk}/", HTTP_ACCEPT_LANGUAGE="fr"))
    assert 'maxlength="4096"' in page

    refused = response_text(
        client.post(
            f"/console/chats/{thread.pk}/",
            {"text": "x" * 4097, "console_merchant": joy.pk},
            HTTP_ACCEPT_LANGUAGE="fr",
        )
    )

    assert "Un message compte au plus 4\u202f096 caractères." in refused
    assert "C\u2019était gratuit" not in refused
    assert not ChatMessage.objects.filter(direction="OUT").exists()
    assert whatsapp == []
    assert wallet_balance(merchant=joy).amount == Decimal("10.00")

    sent = client.post(
        f"/console/chats/{thread.pk}/",
        {"text": "x" * 4096, "console_merchant": joy.pk},
        HTTP_ACCEPT_LANGUAGE="fr",
        follow=True,
    )
    assert "Envoyé." in response_text(sent)
    assert whatsapp[-1]["text"]["body"] == "x" * 4096


def test_the_template_picker_names_each_category_as_the_member_s_language_writes_it(client, joy, ana):
    """German capitalizes its nouns: "Angebot (Marketing-Vorlage)", never "(marketing-vorlage)" (tester, #23)."""
    meta_post(client, chat_reply_payload(phone=ana.phone, wamid="wamid.IN1", text="Hi", at=timezone.now()))
    thread = ana.chat_threads.get()
    client.force_login(owner_of(joy))

    german = response_text(client.get(f"/console/chats/{thread.pk}/", HTTP_ACCEPT_LANGUAGE="de"))
    english = response_text(client.get(f"/console/chats/{thread.pk}/"))

    assert ">Angebot (Marketing-Vorlage)</option>" in german
    assert ">Neuigkeit zu einer Bestellung oder einem Besuch (Service-Vorlage)</option>" in german
    assert "-vorlage)" not in german
    assert ">Offer (marketing template)</option>" in english
