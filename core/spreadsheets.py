"""CSV files a person downloads to open in a spreadsheet, written the way their language writes them.

Excel opens a CSV by the computer's regional settings. Where a comma is the decimal mark (German,
French, Italian, Spanish), it separates cells at semicolons: a comma-separated file opens in one
column, and "0.50" is text, not a number a sum adds up. A UTF-8 file without a byte-order mark is
read as Windows-1252 ("HÃ¶he"). So a file for people (``sheet_lines``) starts with the UTF-8
byte-order mark, separates its cells with ";" where the reader's language writes decimals with a
comma (else ","), and writes amounts with that language's decimal mark, never grouped in thousands
("-1234,50"). Files other programs read (a statement's ledger lines, a person's data export, the API's
documents) stay plain comma-separated UTF-8 with a decimal point, and use ``csv_cell`` only.
"""

from __future__ import annotations

import csv
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django.utils.formats import get_format
from django.utils.text import slugify
from django.utils.translation import get_language

BYTE_ORDER_MARK = "\ufeff"

# German's letters as German writes them without accents ("Prämien" is "praemien", not "pramien").
_SPELLED_OUT = str.maketrans({"ä": "ae", "ö": "oe", "ü": "ue", "Ä": "Ae", "Ö": "Oe", "Ü": "Ue", "ß": "ss"})


def download_name(what: str, *whose: object, day: date, extension: str = "csv") -> str:
    """The name of a file a person downloads, the same pattern everywhere: what it is in the reader's
    language, whose (a merchant's slug, a number), the day it was made in the reader's zone;
    lower-case ASCII words joined by hyphens ("recompenses-joycoffee-2026-12-02.csv",
    "praemien-joycoffee-2026-12-02.csv"). Files other programs read keep their fixed names."""
    words = [slugify(str(part).translate(_SPELLED_OUT)) for part in (what, *whose)]
    return "-".join([word for word in words if word] + [day.isoformat()]) + f".{extension}"


# a number as a file writes it: "-0.50", "1234", "-0,50" (a decimal comma), "1,234.50"
_NUMBER = re.compile(r"-?\d[\d,]*(\.\d+)?")


def csv_cell(value) -> str:
    """A value as a CSV cell; text a spreadsheet would run as a formula gets a leading quote (plain
    numbers such as "-0.50" or "-0,50" stay numbers)."""
    text = "" if value is None else str(value)
    if text[:1] in ("=", "+", "-", "@", "\t", "\r") and not _NUMBER.fullmatch(text):
        return "'" + text
    return text


@dataclass(frozen=True)
class SheetDialect:
    """How a spreadsheet in one language reads a CSV: the cells' separator and the decimal mark."""

    delimiter: str
    decimal: str

    def cell(self, value) -> str:
        """``value`` as a cell: an amount (``Decimal``, ``float``) with this decimal mark as it is
        written ("-0.50" becomes "-0,50"), anything else as ``csv_cell`` writes it."""
        if isinstance(value, (Decimal, float)) and not isinstance(value, bool):
            return csv_cell(f"{value:f}".replace(".", self.decimal))
        return csv_cell(value)


def sheet_dialect(language: str | None = None) -> SheetDialect:
    """The dialect of ``language`` (else the active one): ";" and "," where its decimal mark is a
    comma (de, fr, it, es), else "," and "." (en)."""
    decimal = get_format("DECIMAL_SEPARATOR", lang=language or get_language())
    return SheetDialect(delimiter=";" if decimal == "," else ",", decimal=decimal)


CENT = Decimal("0.01")


def amount(value) -> Decimal:
    """An amount for a cell, to the cent ("12.5" becomes 12.50, written "12.50" or "12,50")."""
    return Decimal(value).quantize(CENT)


class _Echo:
    """A file-like object whose ``write`` hands the line back (csv.writer into a stream)."""

    def write(self, value: str) -> str:
        return value


def sheet_lines(
    header: Iterable, rows: Iterable[Iterable], *, dialect: SheetDialect | None = None
) -> Iterator[str]:
    """A spreadsheet's CSV, line by line (rows read lazily, so it can stream): the byte-order mark
    and ``header``, then each row, in ``dialect`` (else the active language's)."""
    dialect = dialect or sheet_dialect()
    writer = csv.writer(_Echo(), delimiter=dialect.delimiter)
    yield BYTE_ORDER_MARK + writer.writerow([dialect.cell(h) for h in header])
    for row in rows:
        yield writer.writerow([dialect.cell(v) for v in row])


def sheet_text(header: Iterable, rows: Iterable[Iterable], *, dialect: SheetDialect | None = None) -> str:
    """``sheet_lines`` as one text, for a file small enough to build whole."""
    return "".join(sheet_lines(header, rows, dialect=dialect))
