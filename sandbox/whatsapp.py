"""The fake WhatsApp's other side: the consumer's phone.

TikJoy's messages arrive in the sandbox inbox (``/sandbox/whatsapp/inbox/``); there a person
plays the consumer: reply to TikJoy's number, or mark a message delivered, read or failed.
Each of these is sent to TikJoy as Meta sends it: a ``whatsapp_business_account`` webhook
(``entry[].changes[].value.messages[]`` or ``.statuses[]``) POSTed to
``WHATSAPP_SANDBOX_WEBHOOK_URL`` (default: this site's ``/webhooks/whatsapp/``), signed with
``X-Hub-Signature-256: sha256=<HMAC-SHA256 of the body keyed with WHATSAPP_APP_SECRET>``.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import secrets
from datetime import datetime

import phonenumbers
import requests
from django import forms
from django.conf import settings
from django.contrib import messages as flash
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext, pgettext_lazy
from django.views.decorators.http import require_http_methods

from sandbox.models import SandboxWhatsAppMessage

WABA_ID = "100000000000099"
STATUSES = ("sent", "delivered", "read", "failed")
# What the inbox's person reads for a status (Meta's own words stay in the webhooks).
STATUS_LABELS = {
    "sent": pgettext_lazy("WhatsApp message", "sent"),
    "delivered": pgettext_lazy("WhatsApp message", "delivered"),
    "read": pgettext_lazy("WhatsApp message", "read"),
    "failed": pgettext_lazy("WhatsApp message", "failed"),
}


def number_shown(value: str) -> str:
    """A number as people read it, grouped as its country groups them (``+4917012345678`` is
    ``+49 170 12345678``, ``+4915112345678`` ``+49 1511 2345678``: libphonenumber's international
    format); one it can't place is shown as
    stored. The product's pages use ``accounts.phones.phone_display``; the sandbox sits below it."""
    digits = value.removeprefix("+")
    if not digits.isdigit():
        return value
    try:
        number = phonenumbers.parse(f"+{digits}", None)
    except phonenumbers.NumberParseException:
        return value
    if not phonenumbers.is_possible_number(number):
        return value
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.INTERNATIONAL)


FAILURE = {"code": 131026, "title": "Message undeliverable"}


def _value() -> dict:
    return {
        "messaging_product": "whatsapp",
        "metadata": {
            "display_phone_number": "15550000000",
            "phone_number_id": settings.WHATSAPP_PHONE_NUMBER_ID,
        },
    }


def _envelope(value: dict) -> dict:
    return {
        "object": "whatsapp_business_account",
        "entry": [{"id": WABA_ID, "changes": [{"value": value, "field": "messages"}]}],
    }


def incoming_text_payload(*, wa_id: str, name: str, message_id: str, text: str, now: datetime) -> dict:
    value = _value()
    value["contacts"] = [{"profile": {"name": name}, "wa_id": wa_id}]
    value["messages"] = [
        {
            "from": wa_id,
            "id": message_id,
            "timestamp": str(int(now.timestamp())),
            "type": "text",
            "text": {"body": text},
        }
    ]
    return _envelope(value)


def status_payload(
    *, wa_id: str, message_id: str, status: str, now: datetime, callback_data: str = ""
) -> dict:
    value = _value()
    item = {
        "id": message_id,
        "status": status,
        "timestamp": str(int(now.timestamp())),
        "recipient_id": wa_id,
    }
    if callback_data:  # Meta echoes the sender's biz_opaque_callback_data in status webhooks
        item["biz_opaque_callback_data"] = callback_data
    if status == "failed":
        item["errors"] = [
            {
                **FAILURE,
                "message": FAILURE["title"],
                "error_data": {"details": "Message failed to send because the phone is off (sandbox)."},
            }
        ]
    value["statuses"] = [item]
    return _envelope(value)


def signature(body: bytes) -> str:
    return "sha256=" + hmac.new(settings.WHATSAPP_APP_SECRET.encode(), body, hashlib.sha256).hexdigest()


def webhook_send(request: HttpRequest, payload: dict) -> int:
    """POST ``payload`` to TikJoy's WhatsApp webhook, signed; returns the HTTP status (0: unreachable)."""
    url = settings.WHATSAPP_SANDBOX_WEBHOOK_URL or request.build_absolute_uri("/webhooks/whatsapp/")
    body = json.dumps(payload).encode()
    try:
        response = requests.post(
            url,
            data=body,
            headers={"Content-Type": "application/json", "X-Hub-Signature-256": signature(body)},
            timeout=10,
        )
    except requests.RequestException:
        return 0
    return response.status_code


class ReplyForm(forms.Form):
    to = forms.RegexField(regex=r"^\+[1-9][0-9]{6,14}$", max_length=16)
    text = forms.CharField(max_length=1000, strip=True)


class StatusForm(forms.Form):
    message_id = forms.CharField(max_length=64)
    status = forms.ChoiceField(choices=[(s, s) for s in STATUSES])


def _webhook_failed_text(answer: int) -> str:
    if not answer:
        return gettext("TikJoy's webhook did not answer.")
    return gettext("TikJoy's webhook answered with HTTP status %(code)s.") % {"code": answer}


def inbox_post(request: HttpRequest) -> HttpResponse:
    now = timezone.now()
    if request.POST.get("action") == "status":
        form = StatusForm(request.POST)
        message = (
            SandboxWhatsAppMessage.objects.filter(
                message_id=form.cleaned_data["message_id"], direction="OUT"
            ).first()
            if form.is_valid()
            else None
        )
        if message is None:
            flash.error(request, gettext("No such message sent by TikJoy."))
            return redirect("sandbox:whatsapp_inbox")
        status = form.cleaned_data["status"]
        payload = status_payload(
            wa_id=message.to.lstrip("+"),
            message_id=message.message_id,
            status=status,
            callback_data=str((message.payload or {}).get("biz_opaque_callback_data") or ""),
            now=now,
        )
        answer = webhook_send(request, payload)
        if answer == 200:
            message.status = status
            message.save(update_fields=["status"])
            flash.success(
                request,
                gettext("TikJoy was told the message is %(status)s.") % {"status": STATUS_LABELS[status]},
            )
        else:
            flash.error(request, _webhook_failed_text(answer))
        return redirect("sandbox:whatsapp_inbox")
    form = ReplyForm(request.POST)
    if not form.is_valid():
        flash.error(request, gettext("Write a reply (up to 1,000 characters) from a number in E.164 form."))
        return redirect("sandbox:whatsapp_inbox")
    to, text = form.cleaned_data["to"], form.cleaned_data["text"]
    message_id = "wamid.sbxin" + secrets.token_hex(12)
    payload = incoming_text_payload(
        wa_id=to.lstrip("+"), name="Sandbox consumer", message_id=message_id, text=text, now=now
    )
    answer = webhook_send(request, payload)
    if answer == 200:
        SandboxWhatsAppMessage.objects.create(
            to=to,
            direction="IN",
            message_id=message_id,
            template_name="",
            text=text,
            payload=payload,
            sent_at=now,
        )
        flash.success(request, gettext("Sent to TikJoy as %(number)s.") % {"number": number_shown(to)})
    else:
        flash.error(request, _webhook_failed_text(answer))
    return redirect("sandbox:whatsapp_inbox")


def inbox(request: HttpRequest) -> HttpResponse:
    if request.method == "POST":
        return inbox_post(request)
    recent = list(SandboxWhatsAppMessage.objects.order_by("-sent_at", "-pk")[:200])
    conversations: dict[str, list[SandboxWhatsAppMessage]] = {}
    for message in recent:
        conversations.setdefault(message.to, []).append(message)
        message.status_label = STATUS_LABELS.get(message.status, message.status)
        message.to_shown = number_shown(message.to)
    threads = [
        {"number": number, "number_shown": number_shown(number), "messages": list(reversed(items[:30]))}
        for number, items in conversations.items()
    ]
    codes = [m for m in recent if m.code][:30]
    return render(
        request,
        "sandbox/whatsapp_inbox.html",
        {"sent": codes, "threads": threads, "statuses": [(s, STATUS_LABELS[s]) for s in STATUSES[1:]]},
    )


inbox = require_http_methods(["GET", "POST"])(inbox)
