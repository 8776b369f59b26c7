"""Files people open in a spreadsheet (``core.spreadsheets``): how each language's spreadsheet reads them."""

from __future__ import annotations

import csv
import io
from decimal import Decimal

import pytest
from django.utils import translation

from core.spreadsheets import amount, download_name, sheet_dialect, sheet_text


@pytest.mark.parametrize(
    ("language", "delimiter", "decimal"),
    [("en", ",", "."), ("de", ";", ","), ("fr", ";", ","), ("it", ";", ","), ("es", ";", ",")],
)
def test_each_language_gets_the_separator_its_spreadsheet_expects(language, delimiter, decimal):
    dialect = sheet_dialect(language)
    assert (dialect.delimiter, dialect.decimal) == (delimiter, decimal)


def test_a_german_file_starts_with_the_byte_order_mark_and_writes_amounts_with_a_decimal_comma():
    with translation.override("de"):
        text = sheet_text(
            ["Zeitpunkt", "Vorgang", "Betrag", "Anzahl"],
            [
                ["2026-11-22 13:00:00+01:00", "Prämie; bezahlt", Decimal("-1234.50"), 3],
                ["2026-11-23 09:00:00+01:00", "=SUMME(A1)", amount("12.5"), -2],
            ],
        )

    assert text.startswith("\ufeffZeitpunkt;Vorgang;Betrag;Anzahl\r\n")
    rows = list(csv.reader(io.StringIO(text[1:]), delimiter=";"))
    # a cell holding ";" is quoted; amounts keep no thousands' separator; a formula is not run
    assert rows[1] == ["2026-11-22 13:00:00+01:00", "Prämie; bezahlt", "-1234,50", "3"]
    assert rows[2] == ["2026-11-23 09:00:00+01:00", "'=SUMME(A1)", "12,50", "-2"]


def test_an_english_file_keeps_commas_and_decimal_points():
    with translation.override("en"):
        text = sheet_text(["When", "Amount"], [["Reward, paid", Decimal("-0.50")]])

    assert text == '\ufeffWhen,Amount\r\n"Reward, paid",-0.50\r\n'


@pytest.mark.parametrize(
    ("what", "whose", "name"),
    [
        ("récompenses", ("joycoffee",), "recompenses-joycoffee-2026-12-02.csv"),
        ("Prämien", ("kaffee",), "praemien-kaffee-2026-12-02.csv"),
        ("informe de campaña", (12, "joy-coffee"), "informe-de-campana-12-joy-coffee-2026-12-02.csv"),
        ("Leistung der Affiliates", ("", "sub_id"), "leistung-der-affiliates-sub_id-2026-12-02.csv"),
    ],
)
def test_a_download_is_named_what_whose_and_the_day_in_ascii(what, whose, name):
    from datetime import date

    assert download_name(what, *whose, day=date(2026, 12, 2)) == name
