"""``{% marketing_panel %}``: on /me/, whether brands may send the person WhatsApp offers, with a switch."""

from __future__ import annotations

from django import template

from chats.selectors import marketing_opted_out

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
