"""Chats tests: a local server speaking the WhatsApp Cloud API's wire format, and Meta's webhooks."""

from __future__ import annotations

import hashlib
import hmac
import json
import secrets
import threading

import pytest
from django.conf import settings
from django.core.management import call_command
from werkzeug import Response

from tikjoy.tests.factories import chat_consumer_make


@pytest.fixture
def whatsapp(httpserver, settings):
    """The Cloud API's /messages: every message accepted with a new wamid, except to numbers ending
    0000 (131026 undeliverable). Returns the list of bodies received."""
    settings.WHATSAPP_API_BASE_URL = httpserver.url_for("/v21.0").rstrip("/")
    settings.WHATSAPP_PHONE_NUMBER_ID = "1055"
    settings.WHATSAPP_ACCESS_TOKEN = "wa-test-token"
    sent: list[dict] = []
    lock = threading.Lock()

    def handler(request):
        body = json.loads(request.data)
        to = body["to"]
        if request.headers.get("Authorization") != "Bearer wa-test-token":
            return Response(json.dumps({"error": {"code": 190, "message": "bad token"}}), status=401)
        if to.endswith("0000"):
            error = {
                "message": "Message undeliverable",
                "type": "OAuthException",
                "code": 131026,
                "fbtrace_id": "A1",
            }
            return Response(json.dumps({"error": error}), status=400, content_type="application/json")
        with lock:
            sent.append(body)
        answer = {
            "messaging_product": "whatsapp",
            "contacts": [{"input": to, "wa_id": to}],
            "messages": [{"id": "wamid.T" + secrets.token_hex(10)}],
        }
        return Response(json.dumps(answer), content_type="application/json")

    httpserver.expect_request("/v21.0/1055/messages", method="POST").respond_with_handler(handler)
    return sent


def meta_post(client, payload: dict):
    """POST ``payload`` to TikJoy's WhatsApp webhook, signed as Meta signs it."""
    body = json.dumps(payload).encode()
    signature = "sha256=" + hmac.new(settings.WHATSAPP_APP_SECRET.encode(), body, hashlib.sha256).hexdigest()
    return client.post(
        "/webhooks/whatsapp/", data=body, content_type="application/json", HTTP_X_HUB_SIGNATURE_256=signature
    )


@pytest.fixture
def joy(make_merchant):
    return make_merchant("joy", funds="10.00", brand_name="Joy Coffee")


@pytest.fixture
def ana(joy):
    return chat_consumer_make(joy, name="Ana", phone="+4915112345678")


def assert_books_clean() -> None:
    call_command("ledger_check")
    call_command("rewards_check")


@pytest.fixture(autouse=True)
def chat_catalogue(db):
    """The templates and rates of migration 0002 (a transactional test's flush removes them)."""
    from chats.catalogue import catalogue_ensure
    from chats.models import ChatRate, ChatTemplate

    catalogue_ensure(ChatTemplate, ChatRate)
