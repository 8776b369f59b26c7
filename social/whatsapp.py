"""WhatsApp Cloud API: send a sign-in code as an authentication template; verify webhooks.

POST {WHATSAPP_API_BASE_URL}/{phone_number_id}/messages with the code in the
body parameter and in the copy-code (URL) button, as Meta documents for
authentication templates. The base URL points at Meta's Graph API, or the
sandbox, or a test server. Access tokens are never logged.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

import requests
import urllib3
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from core.i18n import person_or_active_language, supported_language

logger = logging.getLogger(__name__)

# What the person trying to sign in is told, by Cloud API error code.
_USER_MESSAGES = {
    131026: _(
        "We could not deliver a WhatsApp message to this number. Check that it is on WhatsApp and try again."
    ),
    131047: _(
        "WhatsApp did not let us message this number right now (more than 24 hours since your last "
        "reply). Send any message to our WhatsApp number, then try again."
    ),
    100: _("WhatsApp did not accept this phone number. Check the number, including the country code."),
    131009: _("WhatsApp did not accept this phone number. Check the number, including the country code."),
    130429: _("WhatsApp is busy: too many codes were sent just now. Please wait a minute and try again."),
    131056: _("Too many codes were sent to this number just now. Please wait a minute and try again."),
    80007: _("WhatsApp is busy: too many codes were sent just now. Please wait a minute and try again."),
    131048: _("WhatsApp is limiting messages to this number for now. Please try again later."),
}
_DEFAULT_MESSAGE = _("We could not send your code with WhatsApp just now. Please try again in a moment.")


class WhatsAppSendError(Exception):
    """The Cloud API refused the message; ``user_message`` is safe to show to the person."""

    def __init__(self, *, code: int | None, message: str, subcode: int | None = None, trace_id: str = ""):
        super().__init__(f"WhatsApp error {code}: {message}")
        self.code = code
        self.subcode = subcode
        self.trace_id = trace_id

    @property
    def user_message(self) -> str:
        return str(_USER_MESSAGES.get(self.code or 0, _DEFAULT_MESSAGE))


class WhatsAppSendUnknown(WhatsAppSendError):
    """The request went out but no answer came back (a read timeout, or the connection dropped after the
    request was written): Meta may have sent (and will bill) the
    message. The caller keeps it waiting for a status webhook instead of treating it as refused."""


@dataclass(frozen=True)
class SentMessage:
    message_id: str
    wa_id: str


def whatsapp_template_language(language: str | None) -> str:
    """The ``template.language.code`` of the approved translation for a person reading ``language``
    (``de`` -> ``de``), else the English one (``WHATSAPP_TEMPLATE_LANGUAGE``)."""
    code = supported_language(language)
    return settings.WHATSAPP_TEMPLATE_LANGUAGES.get(code or "", settings.WHATSAPP_TEMPLATE_LANGUAGE)


def whatsapp_auth_template_payload(*, to: str, code: str, language: str | None = None) -> dict:
    """The authentication template in ``language`` (a TikJoy language code, e.g. the person's)."""
    return {
        "messaging_product": "whatsapp",
        "recipient_type": "individual",
        "to": to.lstrip("+"),
        "type": "template",
        "template": {
            "name": settings.WHATSAPP_TEMPLATE_NAME,
            "language": {"code": whatsapp_template_language(language)},
            "components": [
                {"type": "body", "parameters": [{"type": "text", "text": code}]},
                {
                    "type": "button",
                    "sub_type": "url",
                    "index": "0",
                    "parameters": [{"type": "text", "text": code}],
                },
            ],
        },
    }


def whatsapp_code_send(*, to: str, code: str, person: Any) -> SentMessage:
    """Send ``code`` to the E.164 number ``to``, asked for just now by ``person`` (a User, or None for
    a number not yet anyone's), in the template's translation for their language: the one rule for
    every code TikJoy sends by WhatsApp (signing in, connecting a number, confirming bank details),
    ``core.i18n.person_or_active_language`` (their saved language, else the page's). Raise
    WhatsAppSendError when the Cloud API refuses."""
    return _send(whatsapp_auth_template_payload(to=to, code=code, language=person_or_active_language(person)))


def whatsapp_update_payload(*, to: str, text: str, language: str | None = None) -> dict:
    """A utility template (``WHATSAPP_UPDATE_TEMPLATE_NAME``) whose one body parameter is ``text``,
    in the translation for ``language`` (the language ``text`` is written in)."""
    return {
        "messaging_product": "whatsapp",
        "recipient_type": "individual",
        "to": to.lstrip("+"),
        "type": "template",
        "template": {
            "name": settings.WHATSAPP_UPDATE_TEMPLATE_NAME,
            "language": {"code": whatsapp_template_language(language)},
            "components": [{"type": "body", "parameters": [{"type": "text", "text": text[:1000]}]}],
        },
    }


def whatsapp_update_send(*, to: str, text: str, language: str | None, callback_data: str = "") -> SentMessage:
    """Tell the E.164 number ``to`` about a change to their money (an approved utility template, so it
    may go out of the 24-hour customer-service window), ``text`` being written in ``language``;
    raise WhatsAppSendError when refused."""
    return _send(_with_callback(whatsapp_update_payload(to=to, text=text, language=language), callback_data))


def whatsapp_text_payload(*, to: str, text: str) -> dict:
    """A free-form text message: only inside the 24-hour customer-service window (Meta refuses it
    outside with 131047)."""
    return {
        "messaging_product": "whatsapp",
        "recipient_type": "individual",
        "to": to.lstrip("+"),
        "type": "text",
        "text": {"preview_url": False, "body": text[:4096]},
    }


def _with_callback(payload: dict, callback_data: str) -> dict:
    """``biz_opaque_callback_data``: our own reference, which Meta echoes in the message's status
    webhooks (so a status can be matched before we have stored Meta's message id)."""
    if callback_data:
        payload["biz_opaque_callback_data"] = callback_data[:512]
    return payload


def whatsapp_text_send(*, to: str, text: str, callback_data: str = "") -> SentMessage:
    """Send a free-form text to the E.164 number ``to``; raise WhatsAppSendError when refused."""
    return _send(_with_callback(whatsapp_text_payload(to=to, text=text), callback_data))


def whatsapp_template_payload(*, to: str, name: str, language: str, parameters: list[str]) -> dict:
    """An approved template ``name`` with its body parameters in order ({{1}}, {{2}}, ...)."""
    return {
        "messaging_product": "whatsapp",
        "recipient_type": "individual",
        "to": to.lstrip("+"),
        "type": "template",
        "template": {
            "name": name,
            "language": {"code": language},
            "components": [
                {"type": "body", "parameters": [{"type": "text", "text": p[:1000]} for p in parameters]}
            ],
        },
    }


def whatsapp_template_send(
    *, to: str, name: str, language: str, parameters: list[str], callback_data: str = ""
) -> SentMessage:
    """Send the approved template ``name`` to the E.164 number ``to``; WhatsAppSendError when refused."""
    payload = whatsapp_template_payload(to=to, name=name, language=language, parameters=parameters)
    return _send(_with_callback(payload, callback_data))


def _send(payload: dict) -> SentMessage:
    url = f"{settings.WHATSAPP_API_BASE_URL}/{settings.WHATSAPP_PHONE_NUMBER_ID}/messages"
    try:
        response = requests.post(
            url,
            json=payload,
            headers={"Authorization": f"Bearer {settings.WHATSAPP_ACCESS_TOKEN}"},
            timeout=settings.WHATSAPP_HTTP_TIMEOUT_SECONDS,
        )
    except requests.RequestException as exc:
        if _maybe_delivered(exc):  # the request may have reached Meta: the outcome is unknown
            logger.warning("WhatsApp send unanswered: %s", type(exc).__name__)
            raise WhatsAppSendUnknown(code=None, message=type(exc).__name__) from exc
        logger.warning("WhatsApp send failed: %s", type(exc).__name__)
        raise WhatsAppSendError(code=None, message=type(exc).__name__) from exc
    try:
        data = response.json()
    except ValueError:
        data = {}
    if not isinstance(data, dict):
        data = {}
    if response.status_code == 200 and data.get("messages"):
        contacts = data.get("contacts") or [{}]
        return SentMessage(message_id=data["messages"][0].get("id", ""), wa_id=contacts[0].get("wa_id", ""))
    error = data.get("error") if isinstance(data.get("error"), dict) else {}
    exc = WhatsAppSendError(
        code=_int_or_none(error.get("code")),
        subcode=_int_or_none(error.get("error_subcode")),
        message=str(error.get("message") or f"HTTP {response.status_code}"),
        trace_id=str(error.get("fbtrace_id") or ""),
    )
    logger.warning("WhatsApp send refused: code=%s subcode=%s trace=%s", exc.code, exc.subcode, exc.trace_id)
    raise exc


def _maybe_delivered(exc: requests.RequestException) -> bool:
    """Whether a failed POST may still have reached Meta (and the message gone out): no connection
    was ever made (refused, unresolvable, TLS failed, connect timeout) means surely not sent; a
    connection that dropped or stayed silent after the request was written (``ReadTimeout``, the
    server closing it before or while answering) means it may have been."""
    if isinstance(
        exc, requests.ConnectTimeout | requests.exceptions.SSLError | requests.exceptions.ProxyError
    ):
        return False
    if isinstance(exc, requests.ReadTimeout | requests.exceptions.ChunkedEncodingError):
        return True
    if isinstance(exc, requests.ConnectionError):
        reason = exc.args[0] if exc.args else None
        # urllib3 wraps a connection that was never made in MaxRetryError(reason=NewConnectionError);
        # one that dropped after the request went out comes as ProtocolError("Connection aborted.").
        return not isinstance(getattr(reason, "reason", None), urllib3.exceptions.NewConnectionError)
    return False  # an invalid URL or the like: nothing went out


def _int_or_none(value) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None
