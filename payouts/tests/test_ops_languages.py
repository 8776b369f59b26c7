"""Ops read the bank-file import and a payout's history in their language (#23)."""

from __future__ import annotations

import html

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.utils import translation

from accounts.models import User
from payouts.models import PayoutEvent
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
