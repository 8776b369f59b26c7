"""A program's terms in the reader's language (#23): the owner writes them in the brand's language and,
if they like, in the others; a reader sees theirs, else the owner's. The bounty is never part of
them: the page states it with ``|money``."""

from __future__ import annotations

import pytest

from affiliates import services
from affiliates.models import Program
from tikjoy.tests.factories import owner_of

pytestmark = pytest.mark.django_db


def _save(client, merchant, **terms):
    client.force_login(owner_of(merchant))
    return client.post(
        "/console/affiliates/",
        {
            "name": "Kaffee Partnerprogramm",
            "bounty": "12,50",
            "domains": "kaffee.example",
            "window_days": 30,
            "attribution": "LAST_CLICK",
            "is_active": "on",
            **terms,
        },
        HTTP_ACCEPT_LANGUAGE="de",
    )


def test_the_owner_writes_the_terms_in_the_brands_language_and_in_others(client, make_merchant):
    merchant = make_merchant("kaffee", funds="100.00", language="de")
    client.force_login(owner_of(merchant))
    form = client.get("/console/affiliates/").content.decode()
    assert 'name="terms_it"' in form and 'name="terms_en"' in form
    assert 'name="terms_de"' not in form  # German is the terms' own language

    answer = _save(
        client,
        merchant,
        terms="Keine bezahlte Suche auf unseren Markennamen.",
        terms_it="Niente annunci a pagamento sul nostro nome.",
        terms_fr="",
    )

    assert answer.status_code == 302
    program = Program.objects.get(merchant=merchant)
    assert program.terms == "Keine bezahlte Suche auf unseren Markennamen."
    assert program.terms_translations == {"it": "Niente annunci a pagamento sul nostro nome."}


@pytest.mark.parametrize(
    ("language", "terms", "bounty"),
    [
        ("it", "Niente annunci a pagamento sul nostro nome.", "12,50\xa0€"),
        ("fr", "Keine bezahlte Suche auf unseren Markennamen.", "12,50\xa0€"),  # none in French: the owner's
        ("en", "Keine bezahlte Suche auf unseren Markennamen.", "€12.50"),
    ],
)
def test_a_reader_sees_the_terms_in_their_language_else_the_owners(
    client, make_merchant, language, terms, bounty
):
    merchant = make_merchant("kaffee", funds="100.00", language="de")
    _save(
        client,
        merchant,
        terms="Keine bezahlte Suche auf unseren Markennamen.",
        terms_it="Niente annunci a pagamento sul nostro nome.",
    )
    program = Program.objects.get(merchant=merchant)
    client.logout()

    page = client.get(f"/affiliates/{program.pk}/", HTTP_ACCEPT_LANGUAGE=language).content.decode()

    assert terms in page
    assert f"<strong>{bounty}</strong>" in page


def test_terms_in_a_language_tikjoy_does_not_speak_are_refused(make_merchant):
    merchant = make_merchant("kaffee", funds="100.00")
    with pytest.raises(services.AffiliateError, match="languages TikJoy speaks"):
        services.program_create(
            merchant=merchant,
            name="Kaffee",
            domains=["kaffee.example"],
            terms="No paid search.",
            terms_translations={"pt": "Sem pesquisa paga."},
            now=merchant.created_at,
        )


def test_a_translation_the_form_did_not_offer_is_kept_when_the_brands_language_changes(client, make_merchant):
    merchant = make_merchant("kaffee", funds="100.00", language="it")
    _save(client, merchant, terms="Niente annunci a pagamento.", terms_de="Keine bezahlte Suche.")
    merchant.language = "de"  # the brand's language changes: the form no longer offers German
    merchant.save(update_fields=["language"])

    _save(client, merchant, terms="Niente annunci a pagamento.", terms_fr="Pas de recherche payante.")

    program = Program.objects.get(merchant=merchant)
    assert program.terms_translations == {"de": "Keine bezahlte Suche.", "fr": "Pas de recherche payante."}
    client.logout()
    page = client.get(f"/affiliates/{program.pk}/", HTTP_ACCEPT_LANGUAGE="de").content.decode()
    assert "Keine bezahlte Suche." in page
