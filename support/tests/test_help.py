from __future__ import annotations

import html
import re
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import translation

from support.help import AUDIENCES, search
from tikjoy.tests.factories import response_text

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("name", ["support:help", "support:help_merchants", "support:help_affiliates"])
def test_each_help_page_lists_its_questions_and_a_way_to_contact_us(client, name):
    response = client.get(reverse(name))
    assert response.status_code == 200
    assert "Contact support" in response_text(response)
    assert response.content.count(b"data-help-entry") >= 5


def test_search_filters_questions_on_the_server(client):
    response = client.get(reverse("support:help"), {"q": "IBAN"})
    text = response_text(response)
    assert "How do I get my money to my bank?" in text
    assert 'What does "Under review" mean?' not in text
    assert "1 answer for" in text


def test_search_finds_nothing_and_says_so(client):
    response = client.get(reverse("support:help_affiliates"), {"q": "zzzz unknown"})
    assert "No answer matches these words" in response_text(response)


def test_search_ignores_case_and_accents_and_puts_the_answer_holding_every_word_first():
    found = [e.slug for e in search(AUDIENCES["affiliates"], "LÖCKS 15")]

    assert found[0] == "when-paid"  # "locks" and "15"; the report only says "locked"
    assert "reports" in found


def test_a_word_no_answer_holds_does_not_hide_the_answers_holding_the_others(client):
    page = response_text(client.get(reverse("support:help"), {"q": "my IBAN zzzz"}))

    assert "How do I get my money to my bank?" in page
    assert "data-help-none hidden" in page  # "No answer matches these words" is not shown


@pytest.mark.parametrize(
    ("language", "audience", "question", "answer"),
    [
        ("it", "consumers", "quando ricevo i soldi", "payout"),
        ("it", "affiliates", "quando ricevo i soldi", "when-paid"),
        ("es", "consumers", "por qué no recibí", "pending"),
        ("es", "consumers", "por qué no recibí mi dinero", "payout"),
        ("es", "affiliates", "¿cuándo cobro mi dinero?", "when-paid"),
        ("de", "consumers", "Wann bekomme ich mein Geld?", "payout"),
        ("de", "affiliates", "wann bekomme ich mein Geld", "when-paid"),
        ("fr", "consumers", "pourquoi ma récompense a été annulée", "reversed"),
        ("fr", "affiliates", "quand est-ce que je reçois mon argent ?", "when-paid"),
        ("en", "consumers", "why was my reward reversed", "reversed"),
        ("en", "affiliates", "when will I get my money", "when-paid"),
    ],
)
def test_a_question_in_natural_words_finds_its_answer_among_the_first(language, audience, question, answer):
    with translation.override(language):
        found = [e.slug for e in search(AUDIENCES[audience], question)]

    assert answer in found[:2], found


@pytest.mark.parametrize(
    ("language", "question"),
    [
        ("en", "why is it"),
        ("it", "perché non è"),
        ("de", "warum ist es nicht"),
        ("fr", "pourquoi ce n\u2019est pas"),
    ],
)
def test_a_question_of_stop_words_only_shows_every_answer_in_its_order(language, question):
    with translation.override(language):
        found = search(AUDIENCES["consumers"], question)

    assert found == list(AUDIENCES["consumers"].entries)


def test_the_page_shows_the_answer_holding_the_most_words_first(client):
    page = response_text(
        client.get(
            reverse("support:help"), {"q": "perché hanno annullato il mio premio"}, HTTP_ACCEPT_LANGUAGE="it"
        )
    )

    questions = re.findall(r'<h2 class="help-entry__question">(.*?)</h2>', page)
    assert html.unescape(questions[0]) == "Perché il mio premio è stato annullato?"
    assert len(questions) > 1


@pytest.mark.parametrize("q", ["zzqx<b>", "zzqx b", "zzqx 1"])
def test_a_lone_letter_beside_nonsense_finds_nothing_rather_than_everything(client, q):
    page = response_text(client.get(reverse("support:help"), {"q": q}, HTTP_ACCEPT_LANGUAGE="de"))

    assert "Keine Antwort passt" in page


def test_hostile_queries_are_harmless(client):
    for q in ["<script>alert(1)</script>", "x" * 10_000, "' OR 1=1 --", "a b c d e f g h i j k l m"]:
        response = client.get(reverse("support:help_merchants"), {"q": q})
        assert response.status_code == 200
        assert b"<script>alert(1)</script>" not in response.content


def test_the_footer_of_every_page_links_to_help_and_support(client):
    response = client.get("/")
    assert 'href="/help/"' in response.content.decode()
    assert "/support/new/?from=/" in response.content.decode()


def test_help_is_translated_and_searched_in_the_visitors_language():
    with translation.override("de"):
        found = search(AUDIENCES["consumers"], "IBAN")
        assert found and "IBAN" in str(found[0].answer)
        assert str(found[0].question) != "How do I get my money to my bank?"


@pytest.mark.parametrize(
    ("language", "words"),
    [
        ("fr", ["paiement", "virement", "IBAN", "retirer", "versement"]),
        ("de", ["Zahlung", "auszahlen", "Überweisung", "IBAN", "Geld"]),
        ("it", ["pagamento", "prelievo", "bonifico", "IBAN"]),
        ("es", ["pago", "cobrar", "transferencia", "IBAN"]),
        ("en", ["payment", "withdraw", "IBAN", "transfer"]),
    ],
)
def test_the_payout_answer_is_found_by_the_words_people_use_in_their_language(language, words):
    with translation.override(language):
        for word in words:
            assert "payout" in [e.slug for e in search(AUDIENCES["consumers"], word)], (language, word)


def test_the_help_page_finds_paiement_in_french_and_gives_the_filter_its_words(client):
    page = response_text(client.get(reverse("support:help"), {"q": "paiement"}, HTTP_ACCEPT_LANGUAGE="fr"))

    assert 'id="payout"' in page
    assert "data-help-none hidden" in page  # the "no answer" line is there for the filter, hidden
    assert 'data-help-words="paiement payer' in page  # the browser's filter reads them too


@pytest.mark.parametrize(
    ("language", "price"),
    [
        ("en", "100 coins = €0.99"),
        ("de", "100 Coins = 0,99 €"),
        ("it", "100 monete = 0,99 €"),
        ("fr", "100 coins = 0,99 €"),
        ("es", "100 monedas = 0,99 €"),
    ],
)
def test_the_coins_price_in_the_help_says_its_currency_as_the_language_writes_money(client, language, price):
    page = (
        response_text(client.get(reverse("support:help"), HTTP_ACCEPT_LANGUAGE=language))
        .replace("\xa0", " ")
        .replace("\u202f", " ")
    )

    assert f"({price})" in page
    rest = page.replace(f"({price})", "")
    assert "0.99)" not in rest and "0,99)" not in rest


@pytest.mark.parametrize(
    ("language", "minimum"),
    [("en", "€10.00"), ("de", "10,00 €"), ("it", "10,00 €"), ("fr", "10,00 €"), ("es", "10,00 €")],
)
@pytest.mark.parametrize(
    ("name", "slug"), [("support:help", "payout"), ("support:help_affiliates", "when-paid")]
)
def test_the_payout_minimum_in_the_help_is_written_as_the_language_writes_money(
    client, language, minimum, name, slug
):
    page = (
        response_text(client.get(reverse(name), HTTP_ACCEPT_LANGUAGE=language))
        .replace("\xa0", " ")
        .replace("\u202f", " ")
    )

    assert f'id="{slug}"' in page
    assert minimum in page
    assert "EUR" not in page  # neither "10.00 EUR" nor "10,00 EUR"


def test_the_payout_minimum_in_the_help_is_the_one_payouts_refuse_below(client, settings):
    settings.PAYOUTS_MIN_AMOUNT = Decimal("25.00")

    page = response_text(client.get(reverse("support:help"), HTTP_ACCEPT_LANGUAGE="de")).replace("\xa0", " ")

    assert "ab 25,00 € deines verfügbaren Guthabens" in page
    assert "10,00" not in page


def test_who_is_a_creator_and_the_librarys_size_in_the_help_are_the_products_rules(client, settings):
    settings.TIKTOK_CREATOR_MIN_FOLLOWERS = 10_000

    consumers = response_text(client.get(reverse("support:help"), HTTP_ACCEPT_LANGUAGE="de"))
    merchants = (
        response_text(client.get(reverse("support:help_merchants"), HTTP_ACCEPT_LANGUAGE="fr"))
        .replace("\xa0", " ")
        .replace("\u202f", " ")
    )

    assert "mehr als 10.000 TikTok-Follower" in consumers
    assert "à 15 vidéos" in merchants and "plus de 10 000 abonnés TikTok" in merchants
    assert "5.000" not in consumers and "5 000" not in merchants


@pytest.mark.parametrize(
    ("language", "formal", "informal"),
    [
        ("de", "Wenn Sie angemeldet sind", "du"),
        ("it", "Se ha effettuato l\u2019accesso", "Se hai"),
        ("es", "Si ha iniciado sesión", "Si has"),
        ("fr", "Si vous êtes connecté", "tu"),
    ],
)
@pytest.mark.parametrize("name", ["support:help_merchants", "support:help_affiliates"])
def test_brands_and_affiliates_help_speaks_formally_of_what_they_can_point_us_to(
    client, make_user, language, formal, informal, name
):
    client.force_login(make_user("owner@example.com"))
    page = html.unescape(
        response_text(client.get(reverse(name), {"q": "zzzz"}, HTTP_ACCEPT_LANGUAGE=language))
    )
    box = page[
        page.index('id="contact-heading"') : page.index("</section>", page.index('id="contact-heading"'))
    ]
    none_found = re.search(r"<p class=\"empty-state\" data-help-none>(.*?)</p>", page).group(1)

    assert formal in box
    assert f" {informal} " not in f" {box} " and f" {informal} " not in f" {none_found} "
    assert "Prämie" not in box and "premio" not in box and "ricompensa" not in box and "recompensa" not in box


@pytest.mark.parametrize(
    ("language", "text"),
    [
        ("de", "Versuchen Sie es mit anderen Wörtern oder fragen Sie uns."),
        ("it", "Provi con altre parole o ci scriva."),
        ("es", "Pruebe con otras o pregúntenos."),
    ],
)
def test_the_brands_empty_search_is_formal_and_the_consumers_informal(client, language, text):
    brands = html.unescape(
        response_text(
            client.get(reverse("support:help_merchants"), {"q": "zzzz"}, HTTP_ACCEPT_LANGUAGE=language)
        )
    )
    people = html.unescape(
        response_text(client.get(reverse("support:help"), {"q": "zzzz"}, HTTP_ACCEPT_LANGUAGE=language))
    )

    assert text in brands and text not in people


def test_the_consumers_help_keeps_its_informal_words_about_rewards_and_payouts(client):
    page = html.unescape(response_text(client.get(reverse("support:help"), HTTP_ACCEPT_LANGUAGE="de")))

    assert "Wenn du angemeldet bist" in page and "Prämie oder Auszahlung" in page


@pytest.mark.parametrize(
    ("language", "formal", "informal"),
    [
        (
            "de",
            "Bewerben Sie sich bei einem Programm",
            {"du", "dich", "dein", "deine", "deinen", "deinem", "deiner"},
        ),
        ("it", "Si candidi a un programma", {"tuo", "tua", "tuoi", "ti", "porti", "vedi", "candidati"}),
        ("es", "Postúlese a un programa", {"tu", "tus", "te", "traes", "postúlate"}),
    ],
)
def test_the_affiliates_answers_speak_formally_like_the_rest_of_their_pages(
    client, language, formal, informal
):
    page = html.unescape(
        response_text(client.get(reverse("support:help_affiliates"), HTTP_ACCEPT_LANGUAGE=language))
    )
    answers = page[
        page.index('<ol class="help-entries">') : page.index("</ol>", page.index('<ol class="help-entries">'))
    ]
    words = set(re.findall(r"\w+", re.sub(r"<[^>]+>", " ", answers).casefold()))

    assert formal in answers
    assert not words & informal, words & informal


@pytest.mark.parametrize(
    ("language", "audience", "question", "answer"),
    [
        ("en", "consumers", "delete my account", "data"),
        ("fr", "consumers", "supprimer mon compte", "data"),
        ("es", "merchants", "por qué mi campaña no paga", "diagnostics-campaign"),
        ("de", "merchants", "warum bekommt ein Kunde keine Prämie", "diagnostics-consumer"),
        ("it", "consumers", "cambiare lingua", "language-time-zone"),
        ("it", "merchants", "cambiare lingua", "language-time-zone"),
        ("fr", "consumers", "changer le fuseau horaire", "language-time-zone"),
    ],
)
def test_the_answer_asked_for_comes_first(language, audience, question, answer):
    with translation.override(language):
        found = [e.slug for e in search(AUDIENCES[audience], question)]

    assert found[0] == answer, found


def test_the_page_puts_the_question_holding_the_words_before_an_answer_holding_longer_ones(client):
    page = response_text(client.get(reverse("support:help"), {"q": "delete my account"}))

    questions = [html.unescape(q) for q in re.findall(r'<h2 class="help-entry__question">(.*?)</h2>', page)]
    assert questions[0] == "What does a brand learn about me, and can I stop it?", questions
    assert "Why was my reward reversed?" in questions[1:]


def test_the_brands_diagnostics_answers_say_where_the_diagnostics_are(client):
    page = html.unescape(
        response_text(
            client.get(reverse("support:help_merchants"), {"q": "Diagnose"}, HTTP_ACCEPT_LANGUAGE="de")
        )
    )

    assert "Warum hat eine Kundin oder ein Kunde keine Prämie bekommen?" in page
    assert "Warum zahlt meine Kampagne nicht?" in page
    assert "Öffnen Sie Diagnose im Menü der Konsole" in page
    assert 'href="/console/diagnostics/"' in page


@pytest.mark.parametrize(
    ("name", "slogan"),
    [
        ("support:help_merchants", "Lassen Sie sich"),
        ("support:help_affiliates", "Lassen Sie sich"),
        ("support:help", "Lass dich"),
    ],
)
def test_the_help_pages_footer_speaks_as_the_page_does(client, name, slogan):
    page = html.unescape(client.get(reverse(name), HTTP_ACCEPT_LANGUAGE="de").content.decode())

    footer = page[page.index("<footer") :]
    assert slogan in footer


@pytest.mark.parametrize(
    ("language", "words"),
    [
        (
            "de",
            "mit USt., wo die Rechnung sie berechnet (ein Unternehmen in einem anderen EU-Land führt sie selbst ab)",
        ),
        (
            "fr",
            "avec la TVA lorsqu\u2019elle est facturée (une entreprise d\u2019un autre pays de l\u2019UE l\u2019autoliquide)",
        ),
    ],
)
def test_the_fees_answer_does_not_say_vat_was_paid_where_the_buyer_accounts_for_it(client, language, words):
    """A brand under reverse charge pays no VAT to TikJoy: the answer must not say it was included."""
    page = response_text(client.get(reverse("support:help_merchants"), HTTP_ACCEPT_LANGUAGE=language))

    assert words in page
    assert "inklusive USt." not in page and "TVA comprise" not in page


@pytest.mark.parametrize(
    ("language", "typed", "question"),
    [
        ("es", "cupón", "Una marca me ha regalado un cupón: ¿cómo lo uso?"),
        ("es", "cupon", "Una marca me ha regalado un cupón: ¿cómo lo uso?"),
        ("de", "Gutschein einlösen", "Eine Marke hat mir einen Gutschein geschenkt: Wie löse ich ihn ein?"),
        ("en", "coupon", "A brand gave me a coupon: how do I use it?"),
    ],
)
def test_a_consumer_who_received_a_coupon_finds_how_to_use_it(client, language, typed, question):
    page = response_text(client.get(reverse("support:help"), {"q": typed}, HTTP_ACCEPT_LANGUAGE=language))

    assert question in page
    first = page.index(question)
    assert all(first <= page.index(q) for q in ("JoyBack",) if q in page[first:])  # found, not buried


def test_the_merchant_help_says_an_owner_can_change_the_brands_language(client):
    page = response_text(client.get(reverse("support:help_merchants"), HTTP_ACCEPT_LANGUAGE="de"))

    assert "ein Inhaber ändert sie unter Marke und Abrechnung. Jede Kampagne" in page
    assert "beim Anlegen der Marke festgelegt" not in page
