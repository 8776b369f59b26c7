"""Amounts and numbers in the reader's language (wallets.formats, ``{% load money %}``)."""

from decimal import Decimal

import pytest
from django.template import Context, Template
from django.utils import translation
from moneyed import Money

from wallets.formats import money_text, number_text


@pytest.mark.parametrize(
    ("language", "expected"),
    [
        ("en", "€1,234.56"),
        ("de", "1.234,56\xa0€"),
        ("it", "1.234,56\xa0€"),
        ("fr", "1\u202f234,56\xa0€"),
        ("es", "1.234,56\xa0€"),
    ],
)
def test_an_amount_is_written_the_way_the_active_language_writes_it(language, expected):
    with translation.override(language):
        assert money_text(Money(Decimal("1234.56"), "EUR")) == expected
        assert money_text(Decimal("1234.56"), "EUR") == expected


def test_the_template_filter_and_numbers_and_coins():
    template = Template(
        "{% load money %}{{ balance|money }} · {{ amount|money:'GBP' }} · {{ views|number }} · {{ coins|money }}"
    )
    context = Context(
        {
            "balance": Money("10.5", "USD"),
            "amount": Decimal("7"),
            "views": 12345,
            "coins": Money("1200", "XTJ"),
        }
    )
    with translation.override("en"):
        assert template.render(context) == "$10.50 · £7.00 · 12,345 · 1,200 coins"
    with translation.override("de"):
        assert template.render(context).startswith("10,50\xa0$ · 7,00\xa0£ · 12.345 · 1.200 ")


def test_nothing_is_written_for_no_amount():
    assert money_text(None) == ""
    assert number_text(None) == ""


@pytest.mark.parametrize(
    ("language", "value", "expected"),
    [
        ("en", "0.008", "€0.008"),
        ("en", "0.2", "€0.20"),
        ("de", "0.0125", "0,0125\xa0€"),
        ("fr", "2.400", "2,40\xa0€"),
    ],
)
def test_a_rate_keeps_its_digits_and_an_amount_its_currencys_decimals(language, value, expected):
    # A rate of 0.008 EUR per like is not 0.01 EUR: the filter never rounds what it writes.
    with translation.override(language):
        assert money_text(Decimal(value), "EUR") == expected
