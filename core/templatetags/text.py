"""Text filters: ``{{ reason|after_colon }}`` (``core.i18n.after_colon``) and ``{{ state|in_sentence }}``
(``core.i18n.label_in_sentence``)."""

from django import template

from core import i18n

register = template.Library()


@register.filter
def after_colon(value) -> str:
    return i18n.after_colon(value) if value else ""


@register.filter
def in_sentence(value) -> str:
    return i18n.label_in_sentence(value) if value else ""
