"""Text filters: ``{{ reason|after_colon }}`` (``core.i18n.after_colon``)."""

from django import template

from core import i18n

register = template.Library()


@register.filter
def after_colon(value) -> str:
    return i18n.after_colon(value) if value else ""
