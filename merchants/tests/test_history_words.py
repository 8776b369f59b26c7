"""A brand's change history names each field changed in the reader's language, never a code
(#23, tester pass 12: "Modification de edit_version et Low-balance alert.")."""

from __future__ import annotations

import json
import re
from html import unescape

import pytest
from django.contrib.admin.models import CHANGE, LogEntry
from django.contrib.contenttypes.models import ContentType

from merchants.models import Merchant
from merchants.tests.conftest import owner_of
from merchants.tests.test_merchant_language import _form_data

pytestmark = pytest.mark.django_db


def _text(response) -> str:
    assert response.status_code == 200
    return re.sub(r"[ \t\r\n]+", " ", unescape(re.sub(r"<[^>]+>", " ", response.content.decode())))


def test_the_owners_change_reads_in_words_in_the_console_history(client, make_merchant):
    merchant = make_merchant("joy", brand_name="Joy Coffee", language="de")
    client.force_login(owner_of(merchant))
    url = f"/console/merchants/merchant/{merchant.pk}/change/"
    data = {**_form_data(client.get(url)), "low_balance_threshold": "50.00", "language": "fr"}
    assert client.post(url, data).status_code == 302

    history = f"/console/merchants/merchant/{merchant.pk}/history/"
    french = _text(client.get(history, HTTP_ACCEPT_LANGUAGE="fr"))
    spanish = _text(client.get(history, HTTP_ACCEPT_LANGUAGE="es"))

    assert "Alerte de solde bas" in french and "Langue" in french
    assert "Aviso de saldo bajo" in spanish and "Idioma" in spanish
    for page in (french, spanish):
        assert "edit_version" not in page
        assert "Low-balance alert" not in page
    # Recorded without the form's hidden version, labels in English as Django keeps them.
    entry = LogEntry.objects.get(object_id=str(merchant.pk))
    assert json.loads(entry.change_message) == [{"changed": {"fields": ["Low-balance alert", "Language"]}}]


def test_an_entry_recorded_before_reads_in_words_in_the_ops_history(ops_client, make_merchant, ops):
    merchant = make_merchant("joy", brand_name="Joy Coffee")
    LogEntry.objects.create(
        user=ops,
        content_type=ContentType.objects.get_for_model(Merchant),
        object_id=str(merchant.pk),
        object_repr="Joy Coffee",
        action_flag=CHANGE,
        change_message=json.dumps([{"changed": {"fields": ["edit_version", "Low-balance alert"]}}]),
    )
    history = f"/ops/merchants/merchant/{merchant.pk}/history/"

    german = _text(ops_client.get(history, HTTP_ACCEPT_LANGUAGE="de"))
    english = _text(ops_client.get(history, HTTP_ACCEPT_LANGUAGE="en"))

    assert "Warnung bei niedrigem Guthaben" in german
    assert "edit_version" not in german and "Low-balance alert" not in german
    assert "Changed Low-balance alert." in english


@pytest.mark.parametrize(
    ("language", "changed", "added"),
    [
        ("fr", "Champs modifiés : Alerte de solde bas et Langue.", "Ajout : point de contact « Joy shop »."),
        ("it", "Campi modificati: ", "Aggiunta: "),
        ("es", "Campos modificados: Aviso de saldo bajo y Idioma.", "Se añadió: "),
        ("de", " und Sprache geändert.", " „Joy shop“ hinzugefügt."),
    ],
)
def test_a_history_says_what_changed_with_no_article_before_any_label(
    ops_client, make_merchant, ops, language, changed, added
):
    """#23: French read "Modification de Alerte de solde bas", Italian "Modificati Avviso …": Django puts
    the field's label after a word that must agree with it. "What: labels" reads right for any label."""
    merchant = make_merchant("joy", brand_name="Joy Coffee")
    LogEntry.objects.create(
        user=ops,
        content_type=ContentType.objects.get_for_model(Merchant),
        object_id=str(merchant.pk),
        object_repr="Joy Coffee",
        action_flag=CHANGE,
        change_message=json.dumps(
            [
                {"changed": {"fields": ["Low-balance alert", "Language"]}},
                {"added": {"name": "touchpoint", "object": "Joy shop"}},
            ]
        ),
    )

    page = _text(
        ops_client.get(f"/ops/merchants/merchant/{merchant.pk}/history/", HTTP_ACCEPT_LANGUAGE=language)
    ).replace("\xa0", " ")

    assert changed in page and added in page
    assert "Modification de" not in page and "Modificati " not in page and "Modificado " not in page
