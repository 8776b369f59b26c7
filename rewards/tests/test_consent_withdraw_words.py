"""The consent-withdraw page and its confirmation as a French, Italian or Spanish reader sees them
(#23: "Nom (partagés depuis le …)" for one field, "si vous le rejoignez" for the brand)."""

from __future__ import annotations

import html

import pytest

from merchants.services import consent_give
from rewards.tests.conftest import NOW

pytestmark = pytest.mark.django_db


def _text(response) -> str:
    return html.unescape(response.content.decode()).replace("\xa0", " ").replace("\u202f", " ")


@pytest.mark.parametrize(
    ("language", "fields", "expected"),
    [
        ("fr", ["DISPLAY_NAME"], "Fizz ne reçoit plus : Nom (que vous partagiez depuis le "),
        ("fr", ["EMAIL"], "Adresse e-mail (que vous partagiez depuis le "),
        ("fr", ["DISPLAY_NAME", "EMAIL"], "Nom, Adresse e-mail (que vous partagiez depuis le "),
        ("it", ["DISPLAY_NAME"], "Nome (che condividevi dal "),
        ("es", ["EMAIL"], "Dirección de correo (que compartías desde el "),
    ],
)
def test_what_the_brand_no_longer_receives_reads_right_for_one_field_or_several(
    client, make_merchant, make_consumer, language, fields, expected
):
    merchant = make_merchant("fizz")
    person = make_consumer("Chloe")
    consent_give(user=person, merchant=merchant, fields=fields, now=NOW)
    client.force_login(person)

    page = _text(client.get("/b/fizz/consent/withdraw/", HTTP_ACCEPT_LANGUAGE=language))

    assert expected.replace("<", "") in page.replace("<strong>", "").replace("</strong>", "")
    assert "partagés" not in page and "condivisi" not in page and "compartidos" not in page


def test_the_confirmation_refers_to_the_brand_as_la_in_french(client, make_merchant, make_consumer):
    merchant = make_merchant("fizz")
    person = make_consumer("Chloe")
    consent_give(user=person, merchant=merchant, fields=["DISPLAY_NAME"], now=NOW)
    client.force_login(person)

    page = _text(client.post("/b/fizz/consent/withdraw/", HTTP_ACCEPT_LANGUAGE="fr", follow=True))

    assert (
        "Fizz ne reçoit plus vos données. Nous vous le redemanderons si vous la rejoignez à nouveau." in page
    )


def test_the_stop_sharing_page_tells_in_french_how_to_claim_again(client, make_merchant, make_consumer):
    """Walk finding: "Pour réclamer à nouveau des j'aime et commentaires pour Fizz, vous la rejoignez à
    nouveau" stated what the person does instead of telling them how to do it."""
    merchant = make_merchant("fizz")
    person = make_consumer("Chloe")
    consent_give(user=person, merchant=merchant, fields=["DISPLAY_NAME"], now=NOW)
    client.force_login(person)

    page = _text(client.get("/b/fizz/consent/withdraw/", HTTP_ACCEPT_LANGUAGE="fr"))

    assert (
        "Pour réclamer à nouveau vos j\u2019aime et commentaires chez Fizz, rejoignez de nouveau la marque : "
        "nous vous demanderons d\u2019abord votre accord." in page
    )
