"""The program's bounty has bounds, written as the reader writes numbers (#23: 1e9 was saved, and the
lower bound read "0.01" in German)."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.utils import translation
from django.utils.html import escape

from affiliates import services
from tikjoy.tests.factories import owner_of

pytestmark = pytest.mark.django_db


def _save(client, program, bounty: str) -> str:
    client.force_login(owner_of(program.merchant))
    response = client.post(
        "/console/affiliates/",
        {
            "name": program.name,
            "bounty": bounty,
            "domains": "shop.example",
            "window_days": 30,
            "attribution": program.attribution,
            "terms": "",
            "is_active": "on",
        },
        HTTP_ACCEPT_LANGUAGE="de",
    )
    assert response.status_code == 200  # the form again, with its error
    return response.content.decode()


@pytest.mark.parametrize(
    ("typed", "error"),
    [
        ("1000000000", "Dieser Wert muss kleiner oder gleich 10.000 sein."),
        ("10.000,01", "Dieser Wert muss kleiner oder gleich 10.000 sein."),
        ("0", "Dieser Wert muss größer oder gleich 0,01 sein."),
        ("1e9", "Erwartet wird ein Betrag wie 25,50 (höchstens zwei Stellen nach dem Komma)."),
    ],
)
def test_a_bounty_out_of_bounds_is_refused_in_german_and_not_saved(client, program, typed, error):
    page = _save(client, program, typed)

    assert escape(error) in page
    program.refresh_from_db()
    assert program.bounty == Decimal("40.00")


def test_the_highest_bounty_is_saved(client, program):
    client.force_login(owner_of(program.merchant))
    client.post(
        "/console/affiliates/",
        {
            "name": program.name,
            "bounty": "10.000,00",
            "domains": "shop.example",
            "window_days": 30,
            "attribution": program.attribution,
            "is_active": "on",
        },
        HTTP_ACCEPT_LANGUAGE="de",
    )
    program.refresh_from_db()
    assert program.bounty == Decimal("10000.00")


def test_the_service_refuses_a_bounty_beyond_its_limit_in_the_readers_format(program):
    with translation.override("de"), pytest.raises(services.AffiliateError) as refused:
        services.program_update(
            program_id=program.pk,
            name=program.name,
            bounty=Decimal("1000000000"),
            domains=program.domains,
            window_days=30,
            attribution=program.attribution,
            terms="",
            is_active=True,
        )

    assert str(refused.value) == (
        "Eine Vergütung pro Conversion beträgt mindestens 0,01\u00a0€ und höchstens 10.000,00\u00a0€."
    )
