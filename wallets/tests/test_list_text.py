"""Clauses joined by a semicolon as the reader's language writes it (wallets.formats.list_text)."""

import pytest
from django.utils import translation

from wallets.formats import list_text


@pytest.mark.parametrize(
    ("language", "expected"),
    [
        ("en", "40.00 in all; 10.00 a day"),
        ("de", "40.00 in all; 10.00 a day"),
        ("it", "40.00 in all; 10.00 a day"),
        ("es", "40.00 in all; 10.00 a day"),
        ("fr", "40.00 in all\xa0; 10.00 a day"),  # a no-break space: the semicolon never starts a line
    ],
)
def test_clauses_are_joined_as_the_language_writes_a_semicolon(language, expected):
    with translation.override(language):
        assert list_text(["40.00 in all", "10.00 a day"]) == expected


def test_one_clause_or_none_has_no_semicolon():
    assert list_text(["alone"]) == "alone"
    assert list_text([]) == ""
