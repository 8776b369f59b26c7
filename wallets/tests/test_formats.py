"""Amounts and numbers in the reader's language (wallets.formats, ``{% load money %}``)."""

from decimal import Decimal

import pytest
from django.template import Context, Template
from django.utils import translation
from moneyed import Money

from wallets.formats import money_text, number_text, percent_text
from wallets.models import Entry
from wallets.money import sum_at_precision


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


@pytest.mark.parametrize(
    ("summed", "currency", "expected"),
    [
        (Decimal("46.72000000000000044408920985"), "EUR", Decimal("46.72")),  # SQLite's sum of 46.72
        (Decimal("0.000000000000000444089209850063"), "EUR", Decimal("0.00")),
        (Decimal("-0.000000000000000444089209850063"), "EUR", Decimal("0.00")),
        (46.72, "EUR", Decimal("46.72")),
        (None, "EUR", Decimal("0.00")),
        (Decimal("1000.0000000001"), "XTJ", Decimal("1000")),  # coins: whole ones
    ],
)
def test_a_database_sum_with_float_noise_reads_in_the_currencys_cents(summed, currency, expected):
    amount = sum_at_precision(summed, currency)

    assert amount == expected and amount.as_tuple().exponent == expected.as_tuple().exponent


def test_a_summed_amount_with_float_noise_is_written_as_cents():
    noisy = Decimal("46.72000000000000044408920985")

    with translation.override("de"):
        assert money_text(Money(sum_at_precision(noisy, "EUR"), "EUR")) == "46,72\xa0€"
        assert money_text(
            Money(sum_at_precision(Decimal("0.000000000000000444089209850063"), "EUR"), "EUR")
        ) == ("0,00\xa0€")


@pytest.mark.parametrize(
    ("language", "expected"),
    [("en", "71.43%"), ("it", "71,43%"), ("de", "71,43\xa0%"), ("fr", "71,43\xa0%"), ("es", "71,43\xa0%")],
)
def test_a_percentage_is_written_the_way_the_language_writes_it(language, expected):
    assert percent_text(Decimal("71.43"), language=language) == expected
    assert percent_text(27, language="en") == "27%"


def test_a_ledger_entry_is_named_as_the_reader_writes_money():
    """The ops entry page's title: "+9.876,54 € auf Konto #2", not "+9876.54 EUR on account #2"."""
    entry = Entry(amount=Decimal("9876.54"), currency="EUR", account_id=2)
    with translation.override("de"):
        assert str(entry) == "+9.876,54\u00a0€ auf Konto #2"
    with translation.override("en"):
        assert str(entry) == "+€9,876.54 on account #2"


@pytest.mark.parametrize(
    ("language", "coins", "expected"),
    [
        ("fr", -100, "-100 coins"),  # #23: "-100 coin" beside "1 000 coins" on /ops/wallets/entry/
        ("fr", -900, "-900 coins"),
        ("fr", -1, "-1 coin"),
        ("fr", 1000, "1\u202f000 coins"),
        ("en", -1, "-1 coin"),
        ("en", -2, "-2 coins"),
    ],
)
def test_a_negative_coin_count_takes_the_plural_of_its_size(language, coins, expected):
    with translation.override(language):
        assert money_text(Money(coins, "XTJ")) == expected
