"""Signed webhook deliveries whose JSON can't be stored or used: 200 and recorded as unusable, never 500.

TikTok and Meta retry any non-2xx answer for days, so a validly signed delivery we
can't use is acknowledged and kept (as text that can always be stored) with the
reason; a malformed signature header is a 400; a wrong signature stays a 403.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import time

import pytest

from social.models import WebhookEvent

pytestmark = pytest.mark.django_db

TIKTOK_SECRET = "test-client-secret"
WHATSAPP_SECRET = "wa-app-secret"

UNUSABLE_BODIES = {
    "nul escape": b'{"event": "authorization.removed", "user_openid": "a\\u0000b"}',
    "nul escape in a key": b'{"ev\\u0000ent": "x"}',
    "lone surrogate": b'{"event": "\\ud800"}',
    "lone low surrogate in a key": b'{"\\udfff": 1}',
    "NaN": b'{"event": "x", "count": NaN}',
    "Infinity": b'{"event": "x", "count": -Infinity}',
    "1e400": b'{"event": "x", "count": 1e400}',
    "100,000-deep arrays": b'{"event": "x", "nested": ' + b"[" * 100_000 + b"]" * 100_000 + b"}",
    "100,000-deep objects": b'{"a":' * 100_000 + b"1" + b"}" * 100_000,
    "5,000-digit integer": b'{"event": "x", "count": ' + b"9" * 5000 + b"}",
    "not an object": b"[1, 2, 3]",
    "not JSON": b"this is not json",
    "not UTF-8": b'{"event": "\xff\xfe"}',
    "empty": b"",
}


@pytest.fixture(autouse=True)
def _secrets(settings):
    settings.TIKTOK_CLIENT_SECRET = TIKTOK_SECRET
    settings.WHATSAPP_APP_SECRET = WHATSAPP_SECRET


def _tiktok(client, body: bytes, header: str | None = None):
    if header is None:
        t = int(time.time())
        digest = hmac.new(TIKTOK_SECRET.encode(), f"{t}.".encode() + body, hashlib.sha256).hexdigest()
        header = f"t={t},s={digest}"
    return client.post(
        "/webhooks/tiktok/", data=body, content_type="application/json", headers={"TikTok-Signature": header}
    )


def _whatsapp(client, body: bytes, header: str | None = None):
    if header is None:
        header = "sha256=" + hmac.new(WHATSAPP_SECRET.encode(), body, hashlib.sha256).hexdigest()
    return client.post(
        "/webhooks/whatsapp/",
        data=body,
        content_type="application/json",
        headers={"X-Hub-Signature-256": header},
    )


@pytest.mark.parametrize("post", [_tiktok, _whatsapp], ids=["tiktok", "whatsapp"])
@pytest.mark.parametrize("body", UNUSABLE_BODIES.values(), ids=UNUSABLE_BODIES.keys())
def test_a_signed_delivery_we_cannot_use_is_a_200_and_recorded_as_unusable(client, post, body):
    response = post(client, body)

    assert response.status_code == 200
    event = WebhookEvent.objects.get()
    assert event.unusable_reason
    assert event.payload["body_sha256"] == hashlib.sha256(body).hexdigest()
    assert event.processed_at is not None


@pytest.mark.parametrize("post", [_tiktok, _whatsapp], ids=["tiktok", "whatsapp"])
def test_an_unusable_delivery_sent_again_is_recorded_once(client, post):
    body = UNUSABLE_BODIES["nul escape"]

    first, again = post(client, body), post(client, body)

    assert (first.status_code, again.status_code) == (200, 200)
    assert WebhookEvent.objects.count() == 1


@pytest.mark.parametrize("post", [_tiktok, _whatsapp], ids=["tiktok", "whatsapp"])
def test_a_usable_delivery_is_not_marked_unusable(client, post):
    body = json.dumps({"event": "something.else", "object": "whatsapp_business_account", "n": 1.5}).encode()

    assert post(client, body).status_code == 200
    assert WebhookEvent.objects.get().unusable_reason == ""


TIKTOK_MALFORMED_HEADERS = [
    "garbage",
    "t=abc,s=def",
    "t=1,s=\u00e9",
    "t=" + "9" * 400 + ",s=" + "a" * 64,
    "s=" + "a" * 64,
]
WHATSAPP_MALFORMED_HEADERS = [
    "garbage",
    "sha256=\u00e9",
    "sha256=xyz",
    "md5=" + "a" * 64,
    "sha256=" + "a" * 63,
]


@pytest.mark.parametrize("header", TIKTOK_MALFORMED_HEADERS)
def test_a_malformed_tiktok_signature_header_is_a_400(client, header):
    assert _tiktok(client, b"{}", header).status_code == 400
    assert not WebhookEvent.objects.exists()


@pytest.mark.parametrize("header", WHATSAPP_MALFORMED_HEADERS)
def test_a_malformed_whatsapp_signature_header_is_a_400(client, header):
    assert _whatsapp(client, b"{}", header).status_code == 400
    assert not WebhookEvent.objects.exists()


def test_a_well_formed_but_wrong_signature_is_still_a_403(client):
    assert _tiktok(client, b"{}", f"t={int(time.time())},s={'a' * 64}").status_code == 403
    assert _whatsapp(client, b"{}", "sha256=" + "a" * 64).status_code == 403
    assert not WebhookEvent.objects.exists()


def test_a_validly_signed_tiktok_delivery_with_a_huge_timestamp_is_refused_not_a_500(client):
    t = "9" * 400
    body = b"{}"
    digest = hmac.new(TIKTOK_SECRET.encode(), t.encode() + b"." + body, hashlib.sha256).hexdigest()

    assert _tiktok(client, body, f"t={t},s={digest}").status_code in (400, 403)
