"""The console dashboard in Italian (#23, what a newcomer tester found): Django's own hidden column
headers of the page list come from the project's catalogue (Django's Italian lacks them), and the
closing sentence speaks formally like the rest of the page (Lei)."""

from __future__ import annotations

import re

import pytest

from tikjoy.tests.factories import owner_of, response_text

pytestmark = pytest.mark.django_db


def test_the_italian_dashboard_has_no_english_column_headers_and_stays_formal(client, make_merchant):
    merchant = make_merchant("joy", funds="100.00", brand_name="Joy Coffee", country="IT")
    client.force_login(owner_of(merchant))

    page = response_text(client.get("/console/", HTTP_ACCEPT_LANGUAGE="it"))

    for english in ("Model name", "Add link", "Change or view list link"):
        assert english not in page
    assert "Nome del modello" in page and "Link per aggiungere" in page
    assert "Chiuda Joy Coffee</a>: ne termini le campagne e si faccia rimborsare il saldo." in page
    assert "Chiudi Joy Coffee" not in page and "le sue campagne" not in page


def test_the_italian_console_calls_the_prepaid_wallet_portafoglio_as_the_consumer_pages_do(
    client, make_merchant
):
    """#23: the Italian console said both "wallet" and "portafoglio" for the merchant's prepaid wallet; the
    consumer pages and their help say "portafoglio", and so does the console now."""
    merchant = make_merchant("joy", funds="100.00", brand_name="Joy Coffee", country="IT")
    client.force_login(owner_of(merchant))

    pages = " ".join(
        re.sub(r"<[^>]+>", " ", response_text(client.get(url, HTTP_ACCEPT_LANGUAGE="it")))
        for url in ("/console/", "/console/wallet/", "/console/diagnostics/")
    )

    assert "Portafoglio" in pages
    assert not re.search(r"\bwallet\b", pages, re.I), re.findall(r".{40}\bwallet\b.{20}", pages, re.I)
