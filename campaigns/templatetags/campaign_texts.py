"""``{% campaign_name campaign %}``: the campaign's name in the visitor's language (``Campaign.name_in``)."""

from django import template
from django.utils.translation import get_language

register = template.Library()


@register.simple_tag
def campaign_name(campaign) -> str:
    return campaign.name_in(get_language())
