"""``{% ugc_review_badge %}``: the console's "videos waiting for review" badge for the selected merchant."""

from __future__ import annotations

from django import template
from django.urls import reverse
from django.utils.html import format_html

from campaigns.selectors import ugc_waiting_count
from merchants.tenancy import console_membership

register = template.Library()


@register.simple_tag(takes_context=True)
def ugc_review_badge(context) -> str:
    request = context.get("request")
    membership = console_membership(request) if request is not None else None
    if membership is None:
        return ""
    waiting = ugc_waiting_count(merchant_id=membership.merchant_id)
    if not waiting:
        return ""
    url = reverse("console:campaigns_ugcsubmission_changelist") + "?status__exact=SUBMITTED"
    return format_html(
        '<p class="console-ugc"><a href="{}"><span class="console-badge" data-figure="ugc">{}</span> '
        "video{} waiting for your review</a></p>",
        url,
        waiting,
        "" if waiting == 1 else "s",
    )
