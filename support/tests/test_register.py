"""After a request is sent, its pages and e-mails speak to its audience (docs/support.md, "Who the
pages speak to"): a merchant's request formally like the console (Sie / Lei / vous / usted), a
consumer's informally (du / tu / tú), in every shipped language."""

from __future__ import annotations

import re

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from support.models import RequestStatus, SupportRequest
from support.services import support_request_ops_update
from tikjoy.tests.factories import response_text

pytestmark = pytest.mark.django_db

# What a merchant reads after sending, per language; and the informal words they must not read.
FORMAL = {
    "de": {
        "thanks": "Danke: Wir haben Ihre Anfrage erhalten und antworten Ihnen hier und per E-Mail.",
        "brand": "Zu Ihrer Marke",
        "you": "<strong>Sie</strong>",
        "waiting": "Beantwortet: wartet auf Sie",
        "answer": "Ihre Antwort",
        "list": "Ihre Supportanfragen",
        "mail": "Danke, dass Sie dem TikJoy-Support geschrieben haben.",
        "answer_mail": "öffnen Sie Ihre Anfrage",
    },
    "it": {
        "thanks": "Grazie: abbiamo ricevuto la Sua richiesta e Le risponderemo qui e via e-mail.",
        "brand": "Riguarda il Suo brand",
        "you": "<strong>Lei</strong>",
        "waiting": "Risposta ricevuta: tocca a Lei",
        "answer": "La Sua risposta",
        "list": "Le Sue richieste di assistenza",
        "mail": "La Sua richiesta e le nostre risposte",
        "answer_mail": "apra la Sua richiesta",
    },
    "es": {
        "thanks": "Gracias: hemos recibido su solicitud y le responderemos aquí y por correo.",
        "brand": "Sobre su marca",
        "you": "<strong>Usted</strong>",
        "waiting": "Respondida: le toca a usted",
        "answer": "Su respuesta",
        "list": "Sus solicitudes de soporte",
        "mail": "Su solicitud y nuestras respuestas",
        "answer_mail": "abra su solicitud",
    },
    "fr": {
        "thanks": "Merci : nous avons bien reçu votre demande et vous répondrons ici et par e-mail.",
        "brand": "Concerne votre marque",
        "you": "<strong>Vous</strong>",
        "waiting": "Répondue : en attente de votre part",
        "answer": "Votre réponse",
        "list": "Vos demandes d\u2019assistance",
        "mail": "Votre demande et nos réponses",
        "answer_mail": "ouvrez votre demande",
    },
}
INFORMAL = {
    "de": re.compile(r"\b(du|dich|dir|dein|deine|deiner|Deine|Dein|Du)\b"),
    "it": re.compile(r"\b(tuo|tua|tue|tuoi|Tu|hai|te|ti)\b"),
    "es": re.compile(r"\b(tu|tus|Tus|Tú|te|has)\b"),
    "fr": re.compile(r"\b(tu|ton|ta|tes)\b"),
}


def _key(response) -> str:
    return re.search(r'name="submission_key" value="([^"]+)"', response.content.decode()).group(1)


def _main(response) -> str:
    """The words of the page's main part (the footer and the switcher are the site's), tags removed."""
    html = response_text(response)
    start = html.index("<main")
    text = re.sub(r"<[^>]+>", " ", html[start : html.index("</main>", start)])
    return " ".join(text.replace("&#x27;", "'").replace("&quot;", '"').split())


def _to(person) -> list:
    return [m for m in mail.outbox if m.to == [person.email]]


def _answer(support_request: SupportRequest, ops) -> None:
    support_request_ops_update(
        support_request=support_request,
        actor=ops,
        edit_version=support_request.edit_version,
        status=RequestStatus.WAITING,
        assigned_to=None,
        reply="We looked at it.",
        internal=False,
        now=timezone.now(),
    )


@pytest.mark.parametrize("language", ["de", "it", "es", "fr"])
def test_a_merchants_request_speaks_formally_after_it_is_sent(
    client, make_merchant, make_user, ops, language, django_capture_on_commit_callbacks
):
    owner = make_user(f"owner-{language}@example.com")
    merchant = make_merchant("acme", owner=owner)
    owner.language = language
    owner.save(update_fields=["language"])
    client.force_login(owner)
    form = client.get(reverse("support:request_new") + "?from=/console/")
    mail.outbox.clear()

    with django_capture_on_commit_callbacks(execute=True):
        sent = client.post(
            reverse("support:request_new"),
            {
                "topic": "MERCHANT",
                "subject": "Campaign paused",
                "message": "Why is it paused?",
                "page": "/console/",
                "merchant": str(merchant.pk),
                "submission_key": _key(form),
            },
            follow=True,
        )

    words = FORMAL[language]
    support_request = SupportRequest.objects.get()
    assert support_request.for_merchant
    page = _main(sent)
    assert words["thanks"] in page and words["brand"] in page and words["answer"] in page, page
    assert words["you"] in sent.content.decode()
    assert not INFORMAL[language].search(page), INFORMAL[language].search(page)
    assert words["mail"] in _to(owner)[-1].body

    with django_capture_on_commit_callbacks(execute=True):
        _answer(support_request, ops)
    assert words["answer_mail"] in _to(owner)[-1].body
    answered = client.get(reverse("support:request", args=[support_request.pk]))
    page = _main(answered)
    assert words["waiting"] in page
    assert not INFORMAL[language].search(page), INFORMAL[language].search(page)

    listed = _main(client.get(reverse("support:requests")))
    assert words["list"] in listed and words["waiting"] in listed
    assert not INFORMAL[language].search(listed), INFORMAL[language].search(listed)


def test_a_consumers_request_stays_informal(client, make_consumer, ops, django_capture_on_commit_callbacks):
    person = make_consumer("Ana")
    person.language = "de"
    person.email = "ana@example.com"
    person.save(update_fields=["language", "email"])
    client.force_login(person)
    form = client.get(reverse("support:request_new") + "?from=/wallet/")

    with django_capture_on_commit_callbacks(execute=True):
        sent = client.post(
            reverse("support:request_new"),
            {
                "topic": "REWARDS",
                "subject": "Where is my reward?",
                "message": "I shared it.",
                "page": "/wallet/",
                "submission_key": _key(form),
            },
            follow=True,
        )

    support_request = SupportRequest.objects.get()
    assert not support_request.for_merchant
    assert "Wir haben deine Anfrage erhalten und antworten dir" in _main(sent)
    assert "Danke, dass du dem TikJoy-Support geschrieben hast." in _to(person)[-1].body
    _answer(support_request, ops)
    assert "Beantwortet: wartet auf dich" in _main(client.get(reverse("support:requests")))


def test_a_refusal_both_audiences_read_needs_no_pronoun(client, make_merchant, make_user):
    owner = make_user("owner@example.com")
    make_merchant("acme", owner=owner)
    owner.language = "de"
    owner.save(update_fields=["language"])
    client.force_login(owner)
    form = client.get(reverse("support:request_new") + "?from=/console/")

    refused = client.post(
        reverse("support:request_new"),
        {
            "topic": "MERCHANT",
            "subject": "Hi",
            "message": " ",
            "page": "/console/",
            "submission_key": _key(form),
        },
    )

    page = _main(refused)
    assert "Bitte eine Nachricht schreiben." in page or "Dieses Feld ist zwingend erforderlich." in page
    assert not INFORMAL["de"].search(page), INFORMAL["de"].search(page)


def test_a_new_request_from_a_merchants_own_list_is_formal(client, make_merchant, make_user):
    owner = make_user("owner@example.com")
    make_merchant("acme", owner=owner)
    owner.language = "de"
    owner.save(update_fields=["language"])
    client.force_login(owner)

    listed = client.get(reverse("support:requests"))
    new = re.search(r'href="(/support/new/\?from=[^"]+)"', listed.content.decode()).group(1)
    page = _main(client.get(new.replace("&amp;", "&")))

    assert "Ihre Nachricht" in page and "Sie haben dem Support noch nicht geschrieben." in _main(listed)
    assert not INFORMAL["de"].search(page), INFORMAL["de"].search(page)


def test_a_person_without_an_e_mail_address_is_not_promised_an_e_mail(client, make_consumer):
    """A WhatsApp sign-in who gives no address on the form is told the answer comes on its page only."""
    person = make_consumer("Sol")
    person.language, person.email = "es", None
    person.save(update_fields=["language", "email"])
    client.force_login(person)
    form = client.get(reverse("support:request_new") + "?from=/wallet/")

    sent = client.post(
        reverse("support:request_new"),
        {
            "topic": "REWARDS",
            "subject": "¿Mi premio?",
            "message": "Lo compartí.",
            "page": "/wallet/",
            "submission_key": _key(form),
        },
        follow=True,
    )

    page = _main(sent)
    assert "Te respondemos aquí, en su página: no nos has dado una dirección de correo para avisarte." in page
    assert "y por correo" not in page
