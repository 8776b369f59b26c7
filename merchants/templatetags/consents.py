"""``{% consents_panel %}``: the brands a consumer shares data with, each with a "Stop sharing my data" link.

Used by /me/ and, later, the wallet page: one line in the page's template.
"""

from __future__ import annotations

from django import template

from merchants.selectors import consents_active_list

register = template.Library()


@register.inclusion_tag("merchants/consents_panel.html", takes_context=True)
def consents_panel(context) -> dict:
    request = context["request"]
    return {"consents": consents_active_list(user=request.user), "next": request.get_full_path()}
