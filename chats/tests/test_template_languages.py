"""Templates in the consumer's language: one approved translation per (name, language), the one
sent chosen by ``language_for`` (the consumer's, else the brand's), English when missing."""

from __future__ import annotations

import re
from decimal import Decimal
from html import unescape

import pytest
from django.utils import timezone

from chats.catalogue import catalogue_ensure
from chats.models import ChatRate, ChatTemplate
from chats.services import chat_send, thread_open
from tikjoy.tests.factories import chat_consumer_make, owner_of, response_text

pytestmark = pytest.mark.django_db

OFFER = "tikjoy_brand_offer"


def _offer_to(person, merchant, text="Two for one"):
    thread = thread_open(merchant=merchant, user_id=person.pk, now=timezone.now())
    return chat_send(
        thread_id=thread.pk,
        merchant=merchant,
        actor=owner_of(merchant),
        text=text,
        template_id=ChatTemplate.objects.get(name=OFFER, language="en_US").pk,
        now=timezone.now(),
    )


def _person(merchant, *, language="", browser_language=""):
    person = chat_consumer_make(merchant, name="Lena", phone="+4915112345679")
    person.language, person.browser_language = language, browser_language
    person.save(update_fields=["language", "browser_language"])
    return person


def test_the_catalogue_ships_each_template_in_five_languages_and_keeps_what_ops_edited():
    ChatTemplate.objects.filter(name=OFFER, language="en_US").update(body="{{1}}: {{2}} (edited)")
    catalogue_ensure(ChatTemplate, ChatRate)
    rows = ChatTemplate.objects.filter(approved=True)
    assert sorted(rows.filter(name=OFFER).values_list("language", flat=True)) == [
        "de",
        "en_US",
        "es",
        "fr",
        "it",
    ]
    assert rows.count() == 10
    assert ChatTemplate.objects.get(name=OFFER, language="en_US").body == "{{1}}: {{2}} (edited)"
    assert all("{{1}}" in row.body and "{{2}}" in row.body for row in rows)
    assert all("STOP" in row.body for row in rows.filter(name=OFFER).exclude(language="en_US"))


@pytest.mark.parametrize(("language", "browser_language"), [("de", ""), ("", "de")], ids=["saved", "browser"])
def test_a_german_consumer_gets_the_german_template_at_the_same_price(
    whatsapp, joy, language, browser_language
):
    lena = _person(joy, language=language, browser_language=browser_language)

    message = _offer_to(lena, joy)

    assert whatsapp[-1]["template"]["name"] == OFFER
    assert whatsapp[-1]["template"]["language"] == {"code": "de"}
    assert message.template.language == "de"
    assert message.text.startswith("Joy Coffee hat etwas für dich: Two for one")
    assert message.price == Decimal("0.14")  # the rate is the category's, whatever the language


def test_a_consumer_reading_a_language_we_do_not_speak_gets_the_english_template(whatsapp, joy):
    lena = _person(joy, browser_language="pt-BR")  # the brand (joy) is in English

    message = _offer_to(lena, joy)

    assert whatsapp[-1]["template"]["language"] == {"code": "en_US"}
    assert message.text.startswith("Joy Coffee has something for you: Two for one")


def test_without_an_approved_italian_translation_an_italian_consumer_gets_english_and_the_inbox_says_so(
    client, whatsapp, joy
):
    lena = _person(joy, language="it")
    ChatTemplate.objects.filter(name=OFFER, language="it").update(approved=False)
    thread = thread_open(merchant=joy, user_id=lena.pk, now=timezone.now())
    client.force_login(owner_of(joy))
    offer = ChatTemplate.objects.get(name=OFFER, language="en_US")

    page = response_text(
        client.post(
            f"/console/chats/{thread.pk}/",
            {"text": "Two for one", "template": offer.pk, "console_merchant": joy.pk},
            follow=True,
        )
    )

    assert whatsapp[-1]["template"]["language"] == {"code": "en_US"}
    assert (
        "The consumer received it in English: this template has no approved translation in Italian."
        in unescape(page)
    )
    assert "<span data-template-language>English</span>" in page


def test_the_picker_is_titled_in_the_console_language_and_previews_the_consumer_s_language(client, joy):
    lena = _person(joy, language="de")
    thread = thread_open(merchant=joy, user_id=lena.pk, now=timezone.now())
    owner = owner_of(joy)
    owner.language = "fr"
    owner.save(update_fields=["language"])
    client.force_login(owner)

    page = unescape(response_text(client.get(f"/console/chats/{thread.pk}/")))

    picker = page.split('name="template"')[1].split("</select>")[0]
    titles = [
        re.sub(r"\s*\(.*\)$", "", label)
        for label in re.findall(r"<option value=\"\d+\"[^>]*>([^<]+)<", picker)
    ]
    assert sorted(titles) == ["Nouvelles d\u2019une commande ou d\u2019une visite", "Offre"]
    previews = page.split('data-testid="previews"')[1].split("</details>")[0]
    assert "Angebot · allemand" not in previews  # titled for the member, in French
    assert "Offre · allemand" in previews
    assert "Joy Coffee hat etwas für dich: …" in previews
