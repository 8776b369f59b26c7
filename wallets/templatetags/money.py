"""``{% load money %}``: ``{{ balance|money }}``, ``{{ amount|money:currency }}``, ``{{ count|number }}``,
``{{ count|coins }}``
in the reader's language (wallets.formats)."""

from django import template

from wallets.formats import money_text, number_text
from wallets.money import COIN

register = template.Library()


@register.filter
def money(value, currency=None) -> str:
    return money_text(value, currency or None)


@register.filter
def money_list(values) -> str:
    """Several amounts, ``1,20 € + 3,00 £`` style joined with ", "."""
    return ", ".join(money_text(value) for value in values)


@register.filter
def number(value) -> str:
    return number_text(value)


@register.filter
def coins(value) -> str:
    """A count of Promote coins as the reader writes it: "1.000 Coins", "1 000 coins"."""
    return money_text(value, COIN)
