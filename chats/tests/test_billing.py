"""Chats on the monthly statement and the service-fee invoice: lines of their own, and the e-invoice
still passes the EN 16931 schematron (finalising validates it)."""

from __future__ import annotations

from decimal import Decimal

import pytest
from facturx import get_xml_from_pdf
from lxml import etree

from billing.months import Month
from billing.selectors import statement_figures
from billing.services import invoice_draft_for_month, invoice_finalise
from billing.tests.conftest import margin_confirmed, merchant_new, pdf_text, top_up, utc
from chats.models import ChatTemplate
from chats.services import ChatSendFailed, chat_send, thread_open
from chats.tests.conftest import assert_books_clean
from tikjoy.tests.factories import chat_consumer_make, owner_of

pytestmark = pytest.mark.django_db
NS = {"ram": "urn:un:unece:uncefact:data:standard:ReusableAggregateBusinessInformationEntity:100"}


def test_chats_are_their_own_line_on_the_statement_and_the_invoice(whatsapp):
    october, sent_at = Month(2026, 10), utc(2026, 10, 12, 10)
    shop = merchant_new("shop")  # France: domestic VAT
    top_up(shop, "50.00", at=utc(2026, 10, 1, 9), ref="SHOP-1")
    margin_confirmed(shop, "1.20", at=utc(2026, 10, 10), key="m1")
    offer = ChatTemplate.objects.get(name="tikjoy_brand_offer", language="en_US")
    for n, phone in enumerate(["+33612345671", "+33612345672", "+33612345673", "+33612340000"]):
        person = chat_consumer_make(shop, name=f"Person {n}", phone=phone, at=sent_at)
        thread = thread_open(merchant=shop, user_id=person.pk, now=sent_at)
        kwargs = {"merchant": shop, "actor": owner_of(shop), "text": "Two for one", "template_id": offer.pk}
        if phone.endswith("0000"):  # WhatsApp refuses it: charged, then refunded
            with pytest.raises(ChatSendFailed):
                chat_send(thread_id=thread.pk, now=sent_at, **kwargs)
        else:
            chat_send(thread_id=thread.pk, now=sent_at, **kwargs)

    figures = statement_figures(merchant=shop, currency="EUR", month=october)
    sections = {s["title"]: s for s in figures.sections}
    chats = sections["WhatsApp messages to consumers (chats)"]
    assert [(line["label"], line["count"], line["amount"]) for line in chats["lines"]] == [
        ("WhatsApp messages", 4, "-0.44")  # 4 x 0.11 (marketing to France)
    ]
    refunded = sections["WhatsApp messages not delivered, refunded"]["lines"]
    assert [(line["count"], line["amount"]) for line in refunded] == [(1, "0.11")]
    assert figures.reconciles

    draft = invoice_draft_for_month(merchant=shop, currency="EUR", month=october, now=utc(2026, 11, 1, 3))
    invoice = invoice_finalise(invoice_id=draft.pk, actor=None, now=utc(2026, 11, 1, 3))
    assert invoice.gross_amount == Decimal("1.53")  # 1.20 margin + 0.33 messages
    assert [(d.split(" (")[0], net) for d, net in invoice.lines] == [
        ("TikJoy service fee: platform margin on rewards confirmed in October 2026", Decimal("1.00")),
        ("WhatsApp messages to consumers in October 2026", Decimal("0.28")),
    ]
    assert "3 paid messages" in invoice.lines[1][0]
    xml = get_xml_from_pdf(bytes(invoice.pdf), check_xsd=False)[1]
    root = etree.fromstring(xml)
    names = [
        e.text
        for e in root.iterfind(
            ".//ram:IncludedSupplyChainTradeLineItem//ram:SpecifiedTradeProduct/ram:Name", NS
        )
    ]
    assert len(names) == 2 and names[1].startswith("WhatsApp messages")
    assert [
        e.text
        for e in root.iterfind(
            ".//ram:SpecifiedTradeSettlementHeaderMonetarySummation/ram:LineTotalAmount", NS
        )
    ] == ["1.28"]
    assert "WhatsApp messages to consumers in October 2026" in pdf_text(invoice.pdf)
    assert_books_clean()
