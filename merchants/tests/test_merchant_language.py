"""A merchant's language is chosen by its owners in the console and by ops (#23, tester pass 11)."""

from __future__ import annotations

import re
from html import unescape

import pytest
from django.contrib.admin.models import LogEntry

from merchants.models import Merchant
from merchants.roles import Role
from merchants.tests.conftest import owner_of

pytestmark = pytest.mark.django_db


def _text(response) -> str:
    assert response.status_code == 200
    return re.sub(r"[ \t\r\n]+", " ", unescape(re.sub(r"<[^>]+>", " ", response.content.decode())))


def _form_data(response) -> dict:
    """What the page's form would send as it is (inputs and selected options)."""
    page = response.content.decode()
    data = {}
    for tag in re.findall(r"<input [^>]*>", page):
        name = re.search(r'name="([^"]+)"', tag)
        kind = re.search(r'type="([^"]+)"', tag)
        if not name or (kind and kind.group(1) in ("submit", "file", "checkbox")):
            continue
        value = re.search(r'value="([^"]*)"', tag)
        data[name.group(1)] = unescape(value.group(1)) if value else ""
    for name, body in re.findall(r'<select name="([^"]+)"[^>]*>(.*?)</select>', page, re.S):
        chosen = re.search(r'<option value="([^"]*)"[^>]*selected', body)
        data[name] = chosen.group(1) if chosen else ""
    for name, body in re.findall(r'<textarea name="([^"]+)"[^>]*>(.*?)</textarea>', page, re.S):
        data[name] = unescape(body.strip("\n"))
    return data


def test_the_owner_sees_the_languages_in_their_own_names_and_what_the_choice_decides(client, make_merchant):
    merchant = make_merchant("joy", country="CH", language="de")
    client.force_login(owner_of(merchant))

    response = client.get(f"/console/merchants/merchant/{merchant.pk}/change/", HTTP_ACCEPT_LANGUAGE="fr")
    page = response.content.decode()

    options = re.search(r'<select name="language"[^>]*>(.*?)</select>', page, re.S).group(1)
    assert re.findall(r'<option value="(\w+)"[^>]*>([^<]+)</option>', options) == [
        ("en", "English"),
        ("it", "Italiano"),
        ("de", "Deutsch"),
        ("fr", "Français"),
        ("es", "Español"),
    ]
    assert re.search(r'<option value="de" selected>', options)
    text = _text(response)
    assert (
        "TikJoy écrit à la marque dans cette langue\u00a0: ses relevés, ses factures et ses e-mails" in text
    )
    assert "visiteurs dont TikJoy ne connaît pas la langue" in text


def test_an_owner_of_a_geneva_shop_switches_it_to_french_and_the_change_is_in_the_history(
    client, make_merchant
):
    merchant = make_merchant("joy", brand_name="Joy Coffee", country="CH", language="de")
    owner = owner_of(merchant)
    client.force_login(owner)
    url = f"/console/merchants/merchant/{merchant.pk}/change/"
    data = {**_form_data(client.get(url)), "language": "fr"}

    response = client.post(url, data)

    assert response.status_code == 302, _text(response)[:2000]
    merchant.refresh_from_db()
    assert merchant.language == "fr"
    entry = LogEntry.objects.get(object_id=str(merchant.pk))
    assert entry.user == owner and "language" in entry.get_change_message().lower()
    # What it decides: the brand page for a visitor whose language isn't known is now French.
    client.logout()
    assert '<html lang="fr"' in client.get("/b/joy/").content.decode()


def test_a_manager_cannot_change_the_language(client, make_merchant, add_member):
    merchant = make_merchant("joy", language="de")
    client.force_login(add_member(merchant, "m@joy.example", Role.MANAGER))
    url = f"/console/merchants/merchant/{merchant.pk}/change/"
    page = client.get(url).content.decode()
    assert '<select name="language"' not in page

    client.post(url, {**_form_data(client.get(url)), "brand_name": "Joy", "language": "fr"})

    merchant.refresh_from_db()
    assert merchant.language == "de"


def test_a_language_we_do_not_ship_is_a_form_error(client, make_merchant):
    merchant = make_merchant("joy", language="de")
    client.force_login(owner_of(merchant))
    url = f"/console/merchants/merchant/{merchant.pk}/change/"

    response = client.post(url, {**_form_data(client.get(url)), "language": "pt"})

    assert response.status_code == 200
    assert "Select a valid choice" in response.content.decode()
    merchant.refresh_from_db()
    assert merchant.language == "de"


def test_ops_switch_a_flemish_shop_to_another_language_and_only_the_language(ops_client, make_merchant, ops):
    merchant = make_merchant("gent", brand_name="Gent Koffie", country="BE", language="fr")
    url = f"/ops/merchants/merchant/{merchant.pk}/change/"
    page = ops_client.get(url)
    data = _form_data(page)
    assert "brand_name" not in data and "language" in data  # the rest is read-only for ops
    assert "TikJoy writes to the brand in this language" in _text(page)

    response = ops_client.post(url, {**data, "language": "de", "brand_name": "Renamed"})

    assert response.status_code == 302, _text(response)[:2000]
    merchant = Merchant.objects.get(pk=merchant.pk)
    assert (merchant.language, merchant.brand_name) == ("de", "Gent Koffie")
    entry = LogEntry.objects.get(object_id=str(merchant.pk))
    assert entry.user == ops and "language" in entry.get_change_message().lower()
