"""The affiliate's pages and the console's program page in the visitor's language (docs/i18n.md)."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.core import mail

from affiliates import services
from affiliates.tests.conftest import NOW, convert, day
from tikjoy.tests.factories import affiliate_click_make, affiliate_make, owner_of

pytestmark = pytest.mark.django_db

PLACEHOLDER = re.compile(r"%\(\w+\)[sd]|\{\{|\{%")


def _page(client, url: str, language: str) -> str:
    response = client.get(url, HTTP_ACCEPT_LANGUAGE=language)
    assert response.status_code == 200
    assert response["Content-Language"] == language
    page = response.content.decode()
    assert not PLACEHOLDER.search(page), PLACEHOLDER.search(page)
    return page


def test_the_list_of_programs_speaks_italian(client, program):
    page = _page(client, "/affiliates/", "it")

    assert "Programmi di affiliazione" in page
    assert "40,00\xa0€ per conversione" in page  # the amount in the Italian way too
    assert "Affiliate programs" not in page


def test_the_program_page_counts_the_attribution_window_in_spanish(client, program):
    page = _page(client, f"/affiliates/{program.pk}/", "es")

    assert f"atribuida al último clic en un plazo de {program.window_days} días" in page
    assert "Regístrese para postularse" in page


def test_the_affiliate_portal_speaks_italian_with_states_and_reasons(client, program, affiliate):
    convert(program, affiliate_click_make(affiliate))
    client.force_login(affiliate.user)

    page = _page(client, f"/affiliates/{program.pk}/", "it")

    assert "Il Suo stato:" in page and "Approvato" in page
    assert "Le Sue commissioni" in page and "I Suoi link" in page
    assert "In attesa" in page  # the commission's state, translated from the model's choices
    assert "Your commissions" not in page


def test_a_reversed_commission_reads_its_reason_in_lower_case_after_the_colon(
    client, program, affiliate, ops
):
    commission = convert(program, affiliate_click_make(affiliate)).commission
    services.commission_reverse(commission_id=commission.pk, code="ITEM_RETURNED", actor=ops, now=day(3))
    client.force_login(affiliate.user)

    italian = _page(client, f"/affiliates/{program.pk}/", "it")
    french = _page(client, f"/affiliates/{program.pk}/", "fr")
    german = _page(client, f"/affiliates/{program.pk}/", "de")

    assert "Annullata: articolo reso" in italian and "Articolo reso" not in italian
    assert "Annulée\xa0: article retourné" in french
    assert "Storniert: Artikel zurückgegeben" in german  # German keeps its nouns' capitals


def test_a_conversion_not_counted_gives_its_reason_in_lower_case_after_the_colon(client, program, affiliate):
    late = affiliate_click_make(affiliate, at=NOW - timedelta(days=program.window_days + 5))
    convert(program, late, "JOY-1007")  # the click is older than the attribution window
    client.force_login(affiliate.user)

    french = _page(client, f"/affiliates/{program.pk}/", "fr")

    assert "commande JOY-1007\xa0: le clic était hors de la fenêtre" in french


def test_the_performance_report_speaks_spanish(client, program, affiliate):
    client.force_login(affiliate.user)

    page = _page(client, f"/affiliates/{program.pk}/report/?group=month", "es")

    assert "Agrupar por:" in page and "<strong>Mes</strong>" in page
    assert "Tasa de conversión" in page and "Todavía no hay nada que mostrar." in page


def test_the_console_program_page_addresses_the_merchant_formally_in_italian(client, program):
    client.force_login(owner_of(program.merchant))

    page = _page(client, "/console/affiliates/", "it")

    assert "Il Suo programma" in page
    assert "Gli affiliati Le portano clienti" in page
    assert "Your program" not in page


def test_a_refused_link_is_explained_to_the_affiliate_in_german(client, program, affiliate):
    client.force_login(affiliate.user)

    response = client.post(
        f"/affiliates/{program.pk}/links/",
        {"destination": "https://elsewhere.example/page"},
        HTTP_ACCEPT_LANGUAGE="de",
        follow=True,
    )

    page = response.content.decode()
    assert "Links dürfen nur auf die Websites des Programms zeigen" in page
    assert "Links may point only" not in page


def test_the_decision_mail_is_in_the_affiliates_language_not_the_merchants(
    client, program, django_capture_on_commit_callbacks
):
    applicant = affiliate_make(program, approved=False, email="lia@creator.example")
    applicant.user.language = "it"
    applicant.user.save(update_fields=["language"])
    client.force_login(owner_of(program.merchant))

    with django_capture_on_commit_callbacks(execute=True):
        client.post(
            f"/console/affiliates/{applicant.pk}/decide/",
            {"status": "REJECTED", "reason": "Nessun pubblico"},
            HTTP_ACCEPT_LANGUAGE="en",
        )

    sent = next(m for m in mail.outbox if m.to == ["lia@creator.example"])
    assert sent.subject == f"{program.name}: la Sua candidatura"
    assert f"Il Suo stato nel programma «{program.name}» ora è: Rifiutato." in sent.body
    assert "Motivo: Nessun pubblico" in sent.body


def test_tikjoys_own_program_is_named_in_the_readers_language_a_merchants_as_written(client, program):
    from affiliates.models import PLATFORM_PROGRAM_NAME
    from tikjoy.tests.factories import affiliate_program_make

    platform = affiliate_program_make(None, name=PLATFORM_PROGRAM_NAME)

    page = _page(client, "/affiliates/", "de")

    assert "TikJoy-Partnerprogramm" in page and PLATFORM_PROGRAM_NAME not in page
    assert program.name in page  # the merchant's own name for its program, as the merchant wrote it
    assert "Programma di affiliazione TikJoy" in _page(client, f"/affiliates/{platform.pk}/", "it")


def _main(page: str) -> str:
    """The page's own content, without the site's header and menu (the consumer's, informal)."""
    return page.split("<main", 1)[1].split("</main>", 1)[0]


@pytest.mark.parametrize(
    ("language", "formal", "informal"),
    [
        (
            "it",
            ["Il Suo stato:", "I Suoi link", "Le Sue commissioni", "nel Suo portafoglio"],
            ["Il tuo stato", "I tuoi link", "Le tue commissioni", "nel tuo portafoglio", "Crea un link"],
        ),
        (
            "de",
            ["Ihr Status:", "Ihre Links", "Ihre Provisionen", "in Ihrem Wallet"],
            ["Dein Status", "Deine Links", "Deine Provisionen", "in deinem Wallet"],
        ),
        (
            "es",
            ["Su estado:", "Sus enlaces", "Sus comisiones", "en su monedero"],
            ["Tu estado", "Tus enlaces", "Tus comisiones", "en tu monedero"],
        ),
    ],
)
def test_the_portal_addresses_the_affiliate_formally_as_the_help_does(
    client, program, affiliate, language, formal, informal
):
    client.force_login(affiliate.user)

    page = _main(_page(client, f"/affiliates/{program.pk}/", language))

    for words in formal:
        assert words in page, words
    for words in informal:
        assert words not in page, words


@pytest.mark.parametrize(
    ("language", "formal", "informal"),
    [
        (
            "it",
            ["Si registri per candidarsi", "acceda", "per ogni conversione che porta,"],
            ["Registrati per candidarti", "che porti,"],
        ),
        (
            "de",
            ["Registrieren Sie sich, um sich zu bewerben", "die Sie bringen"],
            ["Registriere dich", "die du bringst"],
        ),
        ("es", ["Regístrese para postularse", "inicie sesión", "que traiga,"], ["Regístrate", "que traigas"]),
    ],
)
def test_the_program_page_asks_a_visitor_to_apply_formally(client, program, language, formal, informal):
    page = _main(_page(client, f"/affiliates/{program.pk}/", language))

    for words in formal:
        assert words in page, words
    for words in informal:
        assert words not in page, words


NBSP = "\xa0"


@pytest.mark.parametrize(
    ("language", "status_sentence", "applied_sentence"),
    [
        ("en", "Your status in the program “{name}” is now: Approved.", "applied to the program “{name}”."),
        (
            "de",
            "Ihr Status im Programm „{name}“ ist jetzt: Freigeschaltet.",
            "hat sich für das Programm „{name}“ beworben.",
        ),
        (
            "it",
            "Il Suo stato nel programma «{name}» ora è: Approvato.",
            "ha inviato la candidatura al programma «{name}».",
        ),
        (
            "fr",
            f"Votre statut dans le programme «{NBSP}{{name}}{NBSP}» est désormais{NBSP}: Approuvé.",
            f"a postulé au programme «{NBSP}{{name}}{NBSP}».",
        ),
        (
            "es",
            "Su estado en el programa «{name}» ahora es: Aprobado.",
            "se ha postulado al programa «{name}».",
        ),
    ],
)
def test_the_affiliate_e_mails_name_the_program_in_a_sentence_that_reads_right_in_every_language(
    client, program, django_capture_on_commit_callbacks, language, status_sentence, applied_sentence
):
    """#23: "Ihr Status in Partnerprogramm von Joy Coffee ist jetzt" dropped the name into the sentence
    without an article; quoted after "the program", a name of any form reads right."""
    program.merchant.language = language
    program.merchant.save(update_fields=["language"])
    program.name = "Partnerprogramm von Joy Coffee"
    program.save(update_fields=["name"])
    mail.outbox.clear()

    with django_capture_on_commit_callbacks(execute=True):
        applicant = affiliate_make(program, approved=False, email="lia@creator.example")
    applicant.user.language = language
    applicant.user.save(update_fields=["language"])
    client.force_login(owner_of(program.merchant))
    with django_capture_on_commit_callbacks(execute=True):
        client.post(f"/console/affiliates/{applicant.pk}/decide/", {"status": "APPROVED", "reason": ""})

    to_owner = next(m for m in mail.outbox if m.to == [program.merchant.contact_email])
    to_affiliate = next(m for m in mail.outbox if m.to == ["lia@creator.example"])
    name = program.name_in(language)
    assert applied_sentence.format(name=name) in to_owner.body
    assert status_sentence.format(name=name) in to_affiliate.body


@pytest.mark.parametrize(
    ("language", "formal", "informal"),
    [
        (
            "de",
            "TikJoy: Lassen Sie sich für das bezahlen, was Sie für Ihre Lieblingsmarken tun.",
            "TikJoy: Lass dich für das bezahlen, was du für deine Lieblingsmarken tust.",
        ),
        (
            "it",
            "TikJoy: si faccia pagare per quello che fa per i brand che ama.",
            "TikJoy: fatti pagare per quello che fai per i brand che ami.",
        ),
        (
            "es",
            "TikJoy: cobre por lo que hace por las marcas que le encantan.",
            "TikJoy: cobra por lo que haces por las marcas que te encantan.",
        ),
    ],
)
def test_the_affiliate_pages_footer_addresses_the_affiliate_formally_like_the_pages(
    client, program, affiliate, language, formal, informal
):
    """#23: the formal affiliate pages ended with the consumers' "Lass dich … bezahlen, was du … tust"."""
    client.force_login(affiliate.user)

    for url in ("/affiliates/", f"/affiliates/{program.pk}/", f"/affiliates/{program.pk}/report/"):
        page = _page(client, url, language)
        assert formal in page and informal not in page, url
    assert informal in _page(client, "/", language)  # the consumers' pages keep theirs
