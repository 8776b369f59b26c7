"""Launched countries in /ops/ are named in the ops person's language, not by bare ISO codes (walk)."""

from __future__ import annotations

import re
from html import unescape

import pytest

from promote.models import LaunchedCountry

pytestmark = pytest.mark.django_db

URL = "/ops/promote/launchedcountry/"


def _cells(response) -> list[str]:
    return re.findall(r'<td class="field-country_text">([^<]*)</td>', response.content.decode())


def _text(response) -> str:
    assert response.status_code == 200
    return re.sub(r"\s+", " ", unescape(re.sub(r"<[^>]+>", " ", response.content.decode())))


def test_the_launched_countries_list_and_filter_name_each_country_in_the_readers_language(ops_client):
    LaunchedCountry.objects.get_or_create(kind="LIVE", country="DE")
    LaunchedCountry.objects.get_or_create(kind="LIVE", country="AT")

    german = ops_client.get(URL, HTTP_ACCEPT_LANGUAGE="de")
    page = german.content.decode()

    assert "Deutschland (DE)" in _cells(german) and "DE" not in _cells(german)
    assert re.search(r'<a href="\?country=DE">Deutschland \(DE\)</a>', page)
    # The filter's countries in German order: "Österreich" with the O's, after "Deutschland".
    assert page.index('?country=DE">') < page.index('?country=AT">')
    assert "Österreich (AT)" in _text(german)
    french = _cells(ops_client.get(URL, {"country": "DE"}, HTTP_ACCEPT_LANGUAGE="fr"))
    assert french == ["Allemagne (DE)"] * LaunchedCountry.objects.filter(country="DE").count()


def test_a_launched_country_is_chosen_by_name_and_found_by_name(ops_client):
    LaunchedCountry.objects.filter(country="NO").delete()

    form = ops_client.get(f"{URL}add/", HTTP_ACCEPT_LANGUAGE="de").content.decode()
    added = ops_client.post(
        f"{URL}add/", {"kind": "VIDEO", "country": "NO"}, HTTP_ACCEPT_LANGUAGE="de", follow=True
    )
    refused = ops_client.post(f"{URL}add/", {"kind": "VIDEO", "country": "XX"}, HTTP_ACCEPT_LANGUAGE="de")
    found = _cells(ops_client.get(URL, {"q": "norweg"}, HTTP_ACCEPT_LANGUAGE="de"))
    by_code = _cells(ops_client.get(URL, {"q": "no"}, HTTP_ACCEPT_LANGUAGE="de"))

    assert '<option value="NO">Norwegen (NO)</option>' in form
    assert "Video in Norwegen (NO)" in _text(added)
    assert LaunchedCountry.objects.filter(kind="VIDEO", country="NO").exists()
    assert refused.status_code == 200 and "Bitte eine gültige Auswahl treffen" in _text(refused)
    assert not LaunchedCountry.objects.filter(country="XX").exists()
    assert found == ["Norwegen (NO)"]
    assert "Norwegen (NO)" in by_code  # the code still finds it
