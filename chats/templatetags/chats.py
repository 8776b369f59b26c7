"""``{% marketing_panel %}``: on /me/, whether brands may send the person WhatsApp offers, with a switch.
``{{ code|template_language }}``: a WhatsApp template's language code as the language's name."""

from __future__ import annotations

from django import template

from chats.selectors import marketing_opted_out
from chats.template_languages import template_language_name

register = template.Library()


@register.inclusion_tag("chats/marketing_panel.html", takes_context=True)
def marketing_panel(context) -> dict:
    request = context["request"]
    user = request.user
    return {
        "show": bool(getattr(user, "phone", None)),
        "opted_out": marketing_opted_out(user_id=user.pk),
        "csrf_token": context.get("csrf_token"),
    }


@register.filter
def template_language(code: str) -> str:
    return template_language_name(code or "")
