"""``{% load support_texts %}``: ``{{ support_request|status_text:formal }}``, a request's status as its
reader is addressed (a merchant formally: "Beantwortet: wartet auf Sie"; a consumer: "… auf dich")."""

from __future__ import annotations

from django import template
from django.utils.translation import pgettext

from support.models import RequestStatus, SupportRequest

register = template.Library()


@register.filter
def status_text(support_request: SupportRequest, formal: bool = False) -> str:
    if formal and support_request.status == RequestStatus.WAITING:
        return pgettext("to a merchant", "Answered: waiting for you")
    return support_request.get_status_display()
