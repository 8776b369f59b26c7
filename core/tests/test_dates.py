"""A date as each language writes it: French writes the first day of the month "1er" (core/dates.py)."""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
from django.template import Context, Template
from django.utils import translation
from django.utils.formats import date_format


def _page(value, format_name: str, language: str) -> str:
    """What a page (or an e-mail, or a PDF's HTML) prints for ``value|date:format_name``."""
    with translation.override(language):
        return Template('{{ value|date:"' + format_name + '" }}').render(Context({"value": value}))


def test_a_french_date_of_the_first_writes_1er():
    assert _page(date(2026, 3, 1), "DATE_FORMAT", "fr") == "1er mars 2026"
    with translation.override("fr"):
        assert date_format(date(2026, 3, 1), "DATE_FORMAT") == "1er mars 2026"
        assert date_format(date(2026, 3, 1), "MONTH_DAY_FORMAT") == "1er mars"


def test_a_french_date_of_any_other_day_writes_the_plain_number():
    assert _page(date(2026, 3, 2), "DATE_FORMAT", "fr") == "2 mars 2026"
    assert _page(date(2026, 3, 21), "DATE_FORMAT", "fr") == "21 mars 2026"
    assert _page(date(2026, 3, 31), "DATE_FORMAT", "fr") == "31 mars 2026"


def test_a_french_moment_of_the_first_writes_1er_and_a_numeric_date_keeps_its_digits():
    moment = datetime(2026, 3, 1, 9, 42, tzinfo=ZoneInfo("Europe/Paris"))
    with translation.override("fr"):
        assert date_format(moment, "DATETIME_FORMAT") == "1er mars 2026 à 09:42"
        assert date_format(moment, "SHORT_DATE_FORMAT") == "01/03/2026"


@pytest.mark.parametrize(
    ("language", "expected"),
    [
        ("en", "1 March 2026"),
        ("de", "1. März 2026"),
        ("it", "1 marzo 2026"),
        ("es", "1 de marzo de 2026"),
    ],
)
def test_the_other_languages_write_the_first_day_as_a_plain_number(language, expected):
    assert _page(date(2026, 3, 1), "DATE_FORMAT", language) == expected
