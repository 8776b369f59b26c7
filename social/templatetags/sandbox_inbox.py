"""``{% load sandbox_inbox %}{% whatsapp_sandbox_note %}``: on a page that says a code went out on WhatsApp,
the sandbox (``SOCIAL_BACKEND=sandbox``, ``make run``) says where it went instead: no message leaves the
server, the code waits in the sandbox's WhatsApp inbox. Nothing is shown with the live WhatsApp."""

from django import template
from django.conf import settings
from django.urls import reverse

register = template.Library()


@register.inclusion_tag("social/_whatsapp_sandbox_note.html")
def whatsapp_sandbox_note() -> dict:
    if not settings.SOCIAL_SANDBOX:
        return {"inbox_url": ""}
    return {"inbox_url": reverse("sandbox:whatsapp_inbox")}
