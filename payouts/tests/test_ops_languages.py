"""Ops read the bank-file import and a payout's history in their language (#23)."""

from __future__ import annotations

import html
import re

import pytest
from django.contrib.auth.models import Permission
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.utils import translation
from django.utils.translation import gettext

from accounts.models import User
from accounts.services import user_ensure_with_email
from payouts import sandbox_bank, services
from payouts.event_reasons import reason_text
from payouts.models import BatchState, PayoutBatch, PayoutEvent
from payouts.reasons import reason_for
from payouts.tests.conftest import LATER, eur
from tikjoy.tests.factories import response_text

pytestmark = pytest.mark.django_db


def test_the_bank_file_import_labels_its_file_field_in_german(ops):
    User.objects.filter(pk=ops.pk).update(language="de")
    client = Client()
    client.force_login(ops)

    page = response_text(client.get("/ops/payouts/bankfile/upload/"))

    assert "Datei:" in page
    assert "File:" not in page


def test_a_payouts_history_row_names_its_states_in_italian():
    event = PayoutEvent(payout_id=7, from_state="REQUESTED", to_state="APPROVED", reason="ok")

    with translation.override("it"):
        named = str(event)

    assert named == "Pagamento #7: Richiesto → Approvato"


@pytest.mark.parametrize(
    ("language", "words"),
    [
        ("de", "Die Datei ist kein wohlgeformtes XML: Fehler in Zeile 1, Spalte 1."),
        ("fr", "Le fichier n\u2019est pas du XML bien formé\xa0: il échoue ligne 1, colonne 1."),
        ("it", "Il file non è XML ben formato: si interrompe alla riga 1, colonna 1."),
        ("es", "El archivo no es XML bien formado: falla en la línea 1, columna 1."),
    ],
)
def test_a_bank_file_that_is_not_xml_is_refused_in_the_ops_persons_words(ops_client, language, words):
    page = ops_client.post(
        "/ops/payouts/bankfile/upload/",
        {"file": SimpleUploadedFile("statement.xml", b"IBAN;amount\nDE89;12.00\n")},
        HTTP_ACCEPT_LANGUAGE=language,
    )

    text = html.unescape(response_text(page))
    assert page.status_code == 200
    assert words in text
    assert "Start tag" not in text and "expected" not in text


def test_an_empty_bank_file_is_refused_in_correct_spanish(ops_client):
    page = ops_client.post(
        "/ops/payouts/bankfile/upload/",
        {"file": SimpleUploadedFile("statement.xml", b"")},
        HTTP_ACCEPT_LANGUAGE="es",
    )

    text = html.unescape(response_text(page))
    assert "El archivo enviado está vacío." in text
    assert "vació" not in text


@pytest.mark.parametrize(
    ("language", "download", "sandbox"),
    [
        ("de", "herunterladen", "Als Sandbox-Bank antworten"),
        ("fr", "Télécharger", "Répondre en tant que banque sandbox"),
        ("it", "Scarica", "Rispondi come banca sandbox"),
        ("es", "Descargar", "Responder como banco sandbox"),
    ],
)
def test_a_payout_files_links_read_in_the_ops_persons_language(
    make_payee, ops, ops2, settings, language, download, sandbox
):
    settings.SOCIAL_SANDBOX = True
    payout = services.payout_request(user=make_payee("30.00"), amount=eur("20.00"), now=LATER)
    User.objects.filter(pk__in=[ops.pk, ops2.pk]).update(language=language)
    builder, releaser = Client(), Client()
    builder.force_login(ops)
    releaser.force_login(ops2)
    for client, url, action, pk in (
        (builder, "/ops/payouts/payout/", "approve", payout.pk),
        (builder, "/ops/payouts/payout/", "build_batch", payout.pk),
        (releaser, "/ops/payouts/payoutbatch/", "release", None),
    ):
        pk = pk or PayoutBatch.objects.get().pk
        client.post(url, {"action": action, "_selected_action": [pk]}, follow=True)
    batch = PayoutBatch.objects.get(state=BatchState.EXPORTED)

    page = html.unescape(response_text(releaser.get(f"/ops/payouts/payoutbatch/{batch.pk}/change/")))

    assert f"{batch.filename} {download}" in page or f"{download} {batch.filename}" in page
    assert sandbox in page
    assert f"Download {batch.filename}" not in page and "Answer as the sandbox bank" not in page


def test_a_payouts_history_on_its_ops_page_names_its_states_not_their_codes(make_payee, ops_client):
    """QA: the history under a payout in /ops/ read "APPROVED → EXPORTED"; it reads the states' names."""
    payout = services.payout_request(user=make_payee("30.00"), amount=eur("20.00"), now=LATER)

    page = response_text(
        ops_client.get(f"/ops/payouts/payout/{payout.pk}/change/", HTTP_ACCEPT_LANGUAGE="de")
    )
    history = page.split("Auszahlungsereignisse", 1)[1]

    assert "- → Beantragt" in history  # the row's title, as before
    assert "Beantragt" in history.split("- → Beantragt", 1)[1]  # and its "nach" column
    assert "REQUESTED" not in history


def test_the_sandbox_bank_and_the_import_pages_say_their_title_once_under_their_breadcrumbs(
    make_payee, ops, ops2
):
    """QA: both pages showed their title twice and led back only to Home."""
    payout = services.payout_request(user=make_payee("30.00"), amount=eur("20.00"), now=LATER)
    services.payout_approve(payout_id=payout.pk, actor=ops, now=LATER)
    batch = services.batch_build(actor=ops, now=LATER)
    services.batch_release(batch_id=batch.pk, actor=ops2, now=LATER)
    User.objects.filter(pk=ops2.pk).update(is_superuser=True)
    client = Client()
    client.force_login(ops2)

    sandbox = client.get(f"/ops/payouts/payoutbatch/{batch.pk}/sandbox-bank/", HTTP_ACCEPT_LANGUAGE="en")
    upload = client.get("/ops/payouts/bankfile/upload/", HTTP_ACCEPT_LANGUAGE="en")

    sandbox_html, upload_html = sandbox.content.decode(), upload.content.decode()
    assert sandbox_html.count(f"Sandbox bank: answer {batch.msg_id}</h1>") == 1
    assert upload_html.count("Import a bank file</h1>") == 1
    assert (
        f'href="/ops/payouts/payoutbatch/{batch.pk}/change/"'
        in sandbox_html.split('class="breadcrumbs"', 1)[1]
    )
    assert 'href="/ops/payouts/bankfile/"' in upload_html.split('class="breadcrumbs"', 1)[1]


def test_a_payouts_history_says_why_in_the_ops_persons_language(make_payee, ops, ops2):
    """Walk: a returned payout's history read "Approved by ops", "Returned by the payee's bank ..." on
    a German /ops/ page; each reason reads in German (recorded in English, as before)."""
    payout = services.payout_request(user=make_payee("30.00"), amount=eur("20.00"), now=LATER)
    services.payout_approve(payout_id=payout.pk, actor=ops, now=LATER)
    batch = services.batch_build(actor=ops, now=LATER)
    services.batch_release(batch_id=batch.pk, actor=ops2, now=LATER)
    sandbox_bank.answer_and_import(
        batch=batch,
        answer=sandbox_bank.BankAnswer(give_back={payout.end_to_end_id: "AC04"}),
        actor=ops2,
        now=LATER,
    )
    User.objects.filter(pk=ops.pk).update(language="de")
    client = Client()
    client.force_login(ops)

    page = html.unescape(response_text(client.get(f"/ops/payouts/payout/{payout.pk}/change/")))
    history = page.split("Auszahlungsereignisse", 1)[1]

    with translation.override("de"):
        closed = gettext(reason_for("AC04").message)
    for german in (
        "Vom Ops-Team freigegeben",
        f"In {batch.msg_id} an die Bank gesendet",
        "Von der Bank angenommen",
        "Vom Bankkonto der Plattform abgebucht",
        f"Von der Bank des Empfängers zurückgebucht (AC04): {closed}",
    ):
        assert german in history
    for english in ("Approved by ops", "Sent to the bank in", "Debited from", "Returned by the payee"):
        assert english not in history
    assert PayoutEvent.objects.filter(reason="Approved by ops").count() == 1  # the record: English


def test_a_requested_payouts_page_says_where_it_stands_and_who_asked_in_german(make_payee, ops):
    """Walk: every payout's first history row read "Asked by the person" and its reason "Waiting for
    our check." on a German /ops/ page; both read in German (recorded in English, as before)."""
    payout = services.payout_request(user=make_payee("30.00"), amount=eur("20.00"), now=LATER)
    User.objects.filter(pk=ops.pk).update(language="de")
    client = Client()
    client.force_login(ops)

    page = html.unescape(response_text(client.get(f"/ops/payouts/payout/{payout.pk}/change/")))

    assert "Von der Person beantragt" in page.split("Auszahlungsereignisse", 1)[1]
    assert "Wartet auf unsere Prüfung." in page
    assert "Asked by the person" not in page and "Waiting for our check" not in page
    payout.refresh_from_db()
    assert payout.reason == "Waiting for our check."  # the record: English
    services.payout_approve(payout_id=payout.pk, actor=ops, now=LATER)
    page = html.unescape(response_text(client.get(f"/ops/payouts/payout/{payout.pk}/change/")))
    assert "Freigegeben; sie geht mit unserer nächsten Banküberweisung hinaus." in page


def test_a_recorded_reason_reads_in_french_and_ops_own_words_as_written():
    recorded = "Rejected by the bank (AC01): " + reason_for("AC01").message  # as rows were written before

    with translation.override("fr"):
        assert reason_text(recorded).startswith("Refusé par la banque (AC01)\xa0: Votre banque")
        assert reason_text("Approved automatically: below 50 EUR, identity verified, no risk signal") == (
            "Approuvé automatiquement\xa0: moins de 50 EUR, identité vérifiée, aucun signal de risque"
        )
        assert reason_text("Looks like a mule account.") == "Looks like a mule account."


INFORMAL = re.compile(
    r"\b(du|dich|dir|dein\w*|Du|Dich|Dir|Dein\w*)\b|^(Gib|Prüfe|Schreib)\b|: (Gib|Prüfe|Schreib)\b"
)


def test_ops_refused_an_import_are_addressed_formally_in_german(client):
    """Walk: German /ops/ pages said "Du darfst keine Bankdateien importieren."; staff read "Sie"."""
    staff, _ = user_ensure_with_email(
        email="viewer@tikjoy.example", password="a-long-pass-phrase-42", is_staff=True
    )
    staff.user_permissions.add(Permission.objects.get(codename="view_bankfile"))
    User.objects.filter(pk=staff.pk).update(language="de")
    client.force_login(staff)

    page = response_text(client.get("/ops/payouts/bankfile/upload/", follow=True))

    assert "Sie dürfen keine Bankdateien importieren." in page
    assert "Du darfst" not in page


@pytest.mark.parametrize(
    "msgid",
    [
        "%(line)s: write the EndToEndId, a space and a 4-letter ISO code.",
        "End the payout hold (after confirming the change with the person)",
        "Say how the change was confirmed with the person.",
        "Say what you need from the person.",
        "Verify the person's identity first.",
        "Give a reason: the person sees it.",
    ],
)
def test_what_ops_are_told_in_german_says_sie(msgid):
    with translation.override("de"):
        text = gettext(msgid)

    assert text != msgid
    assert "Sie" in text
    assert not INFORMAL.search(text)
