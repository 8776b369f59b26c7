"""Every country select a merchant picks from lists the countries by the name they read, in their
language's order (#23: German listed "Österreich" under "AT", between "Andorra"'s place and "Belgien")."""

from __future__ import annotations

import html
import re

import pytest

from merchants.tests.conftest import owner_of

pytestmark = pytest.mark.django_db


def _country_options(body: str) -> list[str]:
    select = re.search(r'<select name="country"[^>]*>(.*?)</select>', body, re.S).group(1)
    return [
        html.unescape(name).strip()
        for value, name in re.findall(r'<option value="(\w*)"[^>]*>([^<]*)<', select)
        if value
    ]


@pytest.mark.parametrize(
    ("language", "first", "before", "after"),
    [
        ("de", "Belgien", "Norwegen", "Österreich"),
        ("en", "Austria", "Sweden", "Switzerland"),
        ("it", "Austria", "Stati Uniti", "Svezia"),
        ("fr", "Allemagne", "Espagne", "Estonie"),
    ],
)
def test_the_consoles_country_select_is_in_the_readers_alphabetical_order(
    client, make_merchant, language, first, before, after
):
    merchant = make_merchant("fizz")
    owner = owner_of(merchant)
    type(owner).objects.filter(pk=owner.pk).update(language=language)
    client.force_login(owner)

    names = _country_options(
        client.get(f"/console/merchants/merchant/{merchant.pk}/change/").content.decode()
    )

    assert names[0] == first
    assert names.index(before) < names.index(after)
    assert len(names) == 31


def test_the_sign_up_forms_country_select_re_sorts_with_the_language(client, make_user):
    user = make_user("new@shop.example")
    client.force_login(user)

    english = _country_options(client.get("/merchants/new/").content.decode())
    type(user).objects.filter(pk=user.pk).update(language="de")
    german = _country_options(client.get("/merchants/new/").content.decode())

    assert english[:2] == ["Austria", "Belgium"]
    assert german[:2] == ["Belgien", "Bulgarien"]
    assert german.index("Norwegen") < german.index("Österreich") < german.index("Polen")
