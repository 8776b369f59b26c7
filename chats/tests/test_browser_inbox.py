"""The Inbox in a real browser, over the sandbox WhatsApp: a merchant answers a consumer, the
consumer's phone (the sandbox inbox) replies and reports delivery, and the charge is in the wallet."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.conf import settings
from django.db import transaction
from django.test import Client
from django.utils import timezone
from playwright.sync_api import expect

from chats.models import ChatMessage, MessageStatus
from chats.services import whatsapp_webhook_apply
from chats.tests.conftest import assert_books_clean
from tikjoy.tests.factories import chat_consumer_make, chat_reply_payload, owner_of

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _sign_in(page, user, base_url):
    client = Client()
    client.force_login(user)
    cookie = client.cookies[settings.SESSION_COOKIE_NAME].value
    page.context.add_cookies([{"name": settings.SESSION_COOKIE_NAME, "value": cookie, "url": base_url}])


def test_a_merchant_answers_a_consumer_in_the_inbox_and_sees_the_charge(page, sandbox, make_merchant):
    joy = make_merchant("joy", funds="10.00", brand_name="Joy Coffee")
    hana = chat_consumer_make(joy, name="Hana", phone="+4915112340007")
    hana.browser_language = "de"  # her browser asked for German: the template goes in German
    hana.save(update_fields=["browser_language"])
    wrote = timezone.now() - timedelta(hours=30)  # yesterday: the free window has closed
    with transaction.atomic():
        whatsapp_webhook_apply(
            payload=chat_reply_payload(
                phone=hana.phone, wamid="wamid.H1", text="Do you have oat milk?", at=wrote
            ),
            now=wrote,
        )
    _sign_in(page, owner_of(joy), sandbox.url)

    page.goto("/console/chats/")
    row = page.locator("tr", has_text="Hana")
    expect(row.locator("[data-unread]")).to_have_text("1")
    row.get_by_role("link", name="Hana").click()
    expect(page.get_by_text("Do you have oat milk?")).to_be_visible()
    expect(page.get_by_test_id("window")).to_contain_text("only an approved template")
    # A free reply is refused outside the window, with the reason.
    page.get_by_label("Message").fill("Yes, we do!")
    page.get_by_role("button", name="Send").click()
    expect(page.get_by_role("alert")).to_contain_text("only an approved template")
    page.get_by_label("Message").fill("Yes, we do! Oat milk at no extra cost.")
    page.get_by_label("Template").select_option(label="Update about your order or visit (utility template)")
    page.get_by_role("button", name="Send").click()
    expect(page.get_by_text("was taken from your wallet")).to_contain_text(
        "The consumer received it in German."
    )
    sent = ChatMessage.objects.get(direction="OUT")
    assert (sent.status, str(sent.price)) == (MessageStatus.SENT, "0.06")

    # The consumer's phone: the message arrived; it is delivered and Hana answers.
    page.goto("/sandbox/whatsapp/inbox/")
    conversation = page.locator(f'[data-number="{hana.phone}"]')
    expect(conversation).to_contain_text("Oat milk at no extra cost")
    expect(conversation.locator("[data-template-language]")).to_have_text("[de]")
    conversation.get_by_role("button", name="Mark delivered").click()
    expect(page.get_by_text("TikJoy was told the message is delivered")).to_be_visible()
    page.locator(f'[data-number="{hana.phone}"]').get_by_label("Reply as +49 1511 2340007").fill(
        "Great, see you!"
    )
    page.locator(f'[data-number="{hana.phone}"]').get_by_role("button", name="Send to TikJoy").click()
    expect(page.get_by_text("Sent to TikJoy as +49 1511 2340007")).to_be_visible()  # grouped

    page.goto(f"/console/chats/{sent.thread_id}/")
    expect(page.get_by_text("Great, see you!")).to_be_visible()
    expect(page.locator("[data-status]").first).to_have_text("Delivered")
    expect(page.get_by_test_id("window")).to_contain_text("replies are free")
    page.get_by_label("Message").fill("See you soon, Hana!")
    page.get_by_role("button", name="Send").click()
    expect(page.get_by_text("It was free")).to_be_visible()

    page.goto("/console/wallet/")
    line = page.locator("tr", has_text="WhatsApp message to a consumer")
    expect(line).to_have_count(1)
    expect(line.locator("[data-amount]")).to_contain_text("€0.06")
    assert_books_clean()
