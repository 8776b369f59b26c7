"""``{% load phones %}``: ``{{ user.phone|phone }}``, a stored number grouped for reading (accounts.phones)."""

from django import template

from accounts.phones import phone_display

register = template.Library()


@register.filter
def phone(value) -> str:
    return phone_display(value)
