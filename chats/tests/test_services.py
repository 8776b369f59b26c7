"""Chats: WhatsApp's rules (the 24-hour window, templates, opt-out, consent) and the wallet charge."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from django.db import transaction
from django.utils import timezone, translation

from chats import services as chats_services
from chats.models import ChatMessage, ChatTemplate, MessageStatus, Thread
from chats.services import ChatRefused, ChatSendFailed, chat_send, thread_open
from chats.tests.conftest import assert_books_clean, meta_post
from merchants.models import ConsentField
from merchants.selectors import wallet_balance
from merchants.services import consent_give, consent_withdraw
from social.whatsapp import WhatsAppSendUnknown
from tikjoy.tests.factories import chat_consumer_make, chat_reply_payload, chat_status_payload, owner_of
from wallets.models import Transaction

pytestmark = pytest.mark.django_db


def template(name: str) -> ChatTemplate:
    return ChatTemplate.objects.get(name=name, language="en_US")


OFFER, UPDATE = "tikjoy_brand_offer", "tikjoy_brand_update"


def send(thread, text="Hello", *, template_name=None, now=None):
    return chat_send(
        thread_id=thread.pk,
        merchant=thread.merchant,
        actor=owner_of(thread.merchant),
        text=text,
        template_id=template(template_name).pk if template_name else None,
        now=now or timezone.now(),
    )


def test_a_conversation_starts_with_a_paid_template_and_a_reply_within_24_hours_is_free(
    client, whatsapp, joy, ana
):
    thread = thread_open(merchant=joy, user_id=ana.pk, now=timezone.now())
    with pytest.raises(ChatRefused, match="only an approved template"):
        send(thread, "Hi Ana")

    first = send(thread, "Your table is ready", template_name=UPDATE)
    assert (first.status, first.price, first.country) == (MessageStatus.SENT, Decimal("0.06"), "DE")
    assert wallet_balance(merchant=joy).amount == Decimal("9.94")
    assert whatsapp[-1]["template"]["name"] == UPDATE
    assert whatsapp[-1]["template"]["components"][0]["parameters"][1]["text"] == "Your table is ready"

    meta_post(
        client, chat_reply_payload(phone=ana.phone, wamid="wamid.IN1", text="Thanks!", at=timezone.now())
    )
    thread.refresh_from_db()
    assert thread.unread == 1
    reply = send(thread, "You're welcome")
    assert (reply.category, reply.price) == ("SERVICE", Decimal("0.00"))
    assert whatsapp[-1]["type"] == "text" and whatsapp[-1]["text"]["body"] == "You're welcome"
    # In the window a utility template is free too; a marketing one is always paid.
    assert send(thread, "Order 12 shipped", template_name=UPDATE).price == Decimal("0.00")
    assert send(thread, "2 for 1 today", template_name=OFFER).price == Decimal("0.14")
    assert wallet_balance(merchant=joy).amount == Decimal("9.80")
    assert_books_clean()


def test_the_window_closes_24_hours_after_the_consumers_last_message(client, whatsapp, joy, ana):
    now = timezone.now()
    meta_post(
        client,
        chat_reply_payload(phone=ana.phone, wamid="wamid.IN1", text="Hi", at=now - timedelta(hours=25)),
    )
    thread = Thread.objects.get(merchant=joy, user=ana)  # the only brand with Ana's number: routed there
    assert thread.last_inbound_at is not None
    with pytest.raises(ChatRefused, match="24 hours"):
        send(thread, "Sorry for the wait", now=now)
    assert send(thread, "Hi", now=now - timedelta(hours=2)).price == Decimal("0.00")


def test_a_stop_reply_ends_marketing_for_good_but_not_service(client, whatsapp, joy, ana):
    thread = thread_open(merchant=joy, user_id=ana.pk, now=timezone.now())
    send(thread, "New beans", template_name=OFFER)
    meta_post(
        client, chat_reply_payload(phone=ana.phone, wamid="wamid.STOP", text=" stop ", at=timezone.now())
    )

    with pytest.raises(ChatRefused, match="not to receive marketing"):
        send(thread, "Newer beans", template_name=OFFER)
    assert send(thread, "Understood, no more offers.").status == MessageStatus.SENT
    assert ChatMessage.objects.filter(thread=thread, template__name=OFFER).count() == 1


def test_the_toggle_on_me_opts_out_and_back_in(client, whatsapp, joy, ana):
    client.force_login(ana)
    page = client.get("/me/").content.decode()
    assert "No more offers on WhatsApp" in page
    client.post("/me/whatsapp/offers/")
    assert "Allow offers again" in client.get("/me/").content.decode()
    thread = thread_open(merchant=joy, user_id=ana.pk, now=timezone.now())
    with pytest.raises(ChatRefused, match="not to receive marketing"):
        send(thread, "Offer", template_name=OFFER)
    client.post("/me/whatsapp/offers/", {"marketing": "on"})
    assert send(thread, "Offer", template_name=OFFER).price == Decimal("0.14")


def test_a_failed_status_refunds_once_even_when_delivered_twice(client, whatsapp, joy, ana):
    thread = thread_open(merchant=joy, user_id=ana.pk, now=timezone.now())
    message = send(thread, "Offer", template_name=OFFER)
    assert wallet_balance(merchant=joy).amount == Decimal("9.86")
    failed = chat_status_payload(phone=ana.phone, wamid=message.wamid, status="failed", at=timezone.now())
    for _ in range(2):  # Meta retries: the same body twice
        assert meta_post(client, failed).status_code == 200
    failed_again = chat_status_payload(
        phone=ana.phone, wamid=message.wamid, status="failed", at=timezone.now() + timedelta(seconds=3)
    )
    meta_post(client, failed_again)  # and another body saying the same

    message.refresh_from_db()
    assert message.status == MessageStatus.FAILED and message.refunded_at is not None
    assert "131026" in message.error
    assert wallet_balance(merchant=joy).amount == Decimal("10.00")
    assert Transaction.objects.filter(kind="CHAT_REFUND").count() == 1
    assert_books_clean()


def test_statuses_only_move_forward_and_a_delivered_message_is_not_refunded(client, whatsapp, joy, ana):
    thread = thread_open(merchant=joy, user_id=ana.pk, now=timezone.now())
    message = send(thread, "Offer", template_name=OFFER)
    for status in ("delivered", "read", "delivered", "failed"):
        meta_post(
            client,
            chat_status_payload(phone=ana.phone, wamid=message.wamid, status=status, at=timezone.now()),
        )
    message.refresh_from_db()
    assert message.status == MessageStatus.READ
    assert wallet_balance(merchant=joy).amount == Decimal("9.86")


def test_a_message_whatsapp_refuses_is_recorded_failed_and_refunded(whatsapp, joy):
    ben = chat_consumer_make(joy, name="Ben", phone="+4915100000000")
    thread = thread_open(merchant=joy, user_id=ben.pk, now=timezone.now())
    with pytest.raises(ChatSendFailed, match="refunded"):
        send(thread, "Offer", template_name=OFFER)
    message = ChatMessage.objects.get(thread=thread)
    assert message.status == MessageStatus.FAILED
    assert wallet_balance(merchant=joy).amount == Decimal("10.00")
    assert_books_clean()


def test_without_funds_a_reply_is_free_but_no_paid_conversation_starts(client, whatsapp, make_merchant):
    broke = make_merchant("broke", brand_name="Broke Bakery")
    cleo = chat_consumer_make(broke, name="Cleo", phone="+4915122223333")
    thread = thread_open(merchant=broke, user_id=cleo.pk, now=timezone.now())
    with pytest.raises(ChatRefused, match="add funds to start a conversation"):
        send(thread, "Hello", template_name=UPDATE)
    assert not ChatMessage.objects.filter(thread=thread).exists()

    meta_post(
        client, chat_reply_payload(phone=cleo.phone, wamid="wamid.C1", text="Open today?", at=timezone.now())
    )
    assert send(thread, "Yes, until 6pm").price == Decimal("0.00")


def test_withdrawing_consent_closes_the_conversation(client, whatsapp, joy, ana):
    thread = thread_open(merchant=joy, user_id=ana.pk, now=timezone.now())
    send(thread, "Update", template_name=UPDATE)
    consent_withdraw(user=ana, merchant=joy, now=timezone.now())
    thread.refresh_from_db()
    assert thread.closed_at is not None
    with pytest.raises(ChatRefused, match="stopped sharing"):
        send(thread, "Still there?", template_name=UPDATE)
    # A later message from Ana is not routed to the closed conversation.
    meta_post(client, chat_reply_payload(phone=ana.phone, wamid="wamid.IN9", text="Hi", at=timezone.now()))
    assert not ChatMessage.objects.filter(thread=thread, direction="IN").exists()
    with pytest.raises(ChatRefused, match="does not share"):
        thread_open(merchant=joy, user_id=ana.pk, now=timezone.now())


def test_a_reply_goes_to_the_brand_it_quotes(client, whatsapp, joy, ana, make_merchant):
    other = make_merchant("tea", funds="5.00", brand_name="Tea Time")
    consent_give(user=ana, merchant=other, fields=[ConsentField.PHONE], now=timezone.now())
    joy_thread = thread_open(merchant=joy, user_id=ana.pk, now=timezone.now())
    tea_thread = thread_open(merchant=other, user_id=ana.pk, now=timezone.now())
    joy_message = send(joy_thread, "Joy update", template_name=UPDATE)
    send(tea_thread, "Tea update", template_name=UPDATE)

    meta_post(
        client,
        chat_reply_payload(
            phone=ana.phone, wamid="wamid.Q", text="For Joy", at=timezone.now(), context_id=joy_message.wamid
        ),
    )
    # Unquoted while both brands wrote to her today: either could be meant, so neither gets it (one
    # brand must never read what she meant for another).
    meta_post(client, chat_reply_payload(phone=ana.phone, wamid="wamid.R", text="Latest", at=timezone.now()))
    assert list(joy_thread.messages.filter(direction="IN").values_list("text", flat=True)) == ["For Joy"]
    assert list(tea_thread.messages.filter(direction="IN").values_list("text", flat=True)) == []


def test_an_unquoted_reply_goes_to_the_only_brand_that_wrote_today(client, whatsapp, joy, ana, make_merchant):
    other = make_merchant("tea", funds="5.00", brand_name="Tea Time")
    consent_give(user=ana, merchant=other, fields=[ConsentField.PHONE], now=timezone.now())
    thread_open(merchant=joy, user_id=ana.pk, now=timezone.now())
    tea_thread = thread_open(merchant=other, user_id=ana.pk, now=timezone.now())
    send(tea_thread, "Tea update", template_name=UPDATE)

    meta_post(client, chat_reply_payload(phone=ana.phone, wamid="wamid.S", text="Lovely", at=timezone.now()))

    assert list(tea_thread.messages.filter(direction="IN").values_list("text", flat=True)) == ["Lovely"]
    assert not ChatMessage.objects.filter(thread__merchant=joy, direction="IN").exists()


def test_a_failed_status_that_comes_before_the_send_is_recorded_still_refunds(
    whatsapp, joy, ana, monkeypatch
):
    """Meta's asynchronous 'failed' can reach another worker before chat_send stored Meta's id: our
    reference, echoed in the status, finds the message; the merchant isn't left charged."""
    thread = thread_open(merchant=joy, user_id=ana.pk, now=timezone.now())
    real_send = chats_services.whatsapp_template_send

    def send_then_meta_reports_failure(**kwargs):
        sent = real_send(**kwargs)
        with transaction.atomic():
            chats_services.whatsapp_webhook_apply(
                payload=chat_status_payload(
                    phone=ana.phone,
                    wamid=sent.message_id,
                    status="failed",
                    at=timezone.now(),
                    callback_data=kwargs["callback_data"],
                ),
                now=timezone.now(),
            )
        return sent

    monkeypatch.setattr(chats_services, "whatsapp_template_send", send_then_meta_reports_failure)
    message = send(thread, "2 for 1 today", template_name=OFFER)

    message.refresh_from_db()
    assert message.status == MessageStatus.FAILED
    assert message.wamid
    assert wallet_balance(merchant=joy).amount == Decimal("10.00")
    assert whatsapp[-1]["biz_opaque_callback_data"] == f"tikjoy-chat:{message.pk}"
    assert_books_clean()


def test_a_send_without_an_answer_waits_for_its_status_instead_of_refunding(
    client, whatsapp, joy, ana, monkeypatch, settings
):
    """A timeout after the request went out: Meta may have delivered (and billed) it."""
    thread = thread_open(merchant=joy, user_id=ana.pk, now=timezone.now())
    references = []

    def unanswered(**kwargs):
        references.append(kwargs["callback_data"])
        raise WhatsAppSendUnknown(code=None, message="ReadTimeout")

    monkeypatch.setattr(chats_services, "whatsapp_template_send", unanswered)
    with pytest.raises(ChatSendFailed, match="may still arrive"):
        send(thread, "2 for 1 today", template_name=OFFER)
    message = ChatMessage.objects.get(direction="OUT")
    assert message.status == MessageStatus.PENDING
    assert wallet_balance(merchant=joy).amount == Decimal("9.86")  # charged until we know

    meta_post(
        client,
        chat_status_payload(
            phone=ana.phone,
            wamid="wamid.LATE",
            status="delivered",
            at=timezone.now(),
            callback_data=references[0],
        ),
    )
    message.refresh_from_db()
    assert (message.status, message.wamid) == (MessageStatus.DELIVERED, "wamid.LATE")
    later = timezone.now() + timedelta(minutes=settings.CHATS_PENDING_EXPIRE_MINUTES + 1)
    assert chats_services.chats_pending_expire(now=later) == 0  # delivered: never refunded
    assert wallet_balance(merchant=joy).amount == Decimal("9.86")
    assert_books_clean()


def test_a_text_over_whatsapps_limits_is_refused_and_nothing_is_sent_or_charged(client, whatsapp, joy, ana):
    meta_post(client, chat_reply_payload(phone=ana.phone, wamid="wamid.IN1", text="Hi", at=timezone.now()))
    thread = Thread.objects.get(merchant=joy, user=ana)

    with pytest.raises(ChatRefused, match="A message has at most 4,096 characters"):
        send(thread, "x" * 4097)
    with pytest.raises(ChatRefused, match="With a template, a message has at most 1,000 characters"):
        send(thread, "x" * 1001, template_name=OFFER)
    with translation.override("fr"), pytest.raises(ChatRefused, match="au plus 4\u202f096 caractères"):
        send(thread, "x" * 4097)  # the language's grouping, as every other number on the page

    assert not ChatMessage.objects.filter(direction="OUT").exists()
    assert whatsapp == []
    assert wallet_balance(merchant=joy).amount == Decimal("10.00")
    assert send(thread, "x" * 4096).price == Decimal("0.00")
    assert whatsapp[-1]["text"]["body"] == "x" * 4096
