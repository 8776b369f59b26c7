"""Webhooks in: TikTok-Signature and X-Hub-Signature-256, stale and replayed deliveries."""

from __future__ import annotations

import hashlib
import hmac
import json
import time

import pytest
from allauth.socialaccount.models import SocialToken

from social.models import TikTokProfile, WebhookEvent

pytestmark = pytest.mark.django_db

SECRET = "test-client-secret"


@pytest.fixture(autouse=True)
def _secrets(settings):
    settings.TIKTOK_CLIENT_SECRET = SECRET
    settings.WHATSAPP_APP_SECRET = "wa-app-secret"
    settings.WHATSAPP_VERIFY_TOKEN = "wa-verify"


def _removed(open_id: str = "open-1") -> bytes:
    return json.dumps(
        {
            "client_key": "test-client-key",
            "event": "authorization.removed",
            "create_time": 1700000000,
            "user_openid": open_id,
            "content": json.dumps({"reason": 1}),
        }
    ).encode()


def _sign(body: bytes, *, t: int | None = None, secret: str = SECRET) -> str:
    t = int(time.time()) if t is None else t
    signature = hmac.new(secret.encode(), f"{t}.".encode() + body, hashlib.sha256).hexdigest()
    return f"t={t},s={signature}"


def _post(client, body: bytes, signature: str):
    return client.post(
        "/webhooks/tiktok/",
        data=body,
        content_type="application/json",
        headers={"TikTok-Signature": signature},
    )


def test_a_signed_authorization_removed_disconnects_the_user_and_answers_200(client, connected_user):
    user = connected_user(open_id="open-1")
    body = _removed("open-1")

    response = _post(client, body, _sign(body))

    assert response.status_code == 200
    profile = TikTokProfile.objects.get(user=user)
    assert profile.disconnect_reason == TikTokProfile.DisconnectReason.REVOKED_BY_USER
    assert not SocialToken.objects.filter(account__user=user).exists()
    client.force_login(user)
    page = client.get("/me/").content.decode()
    assert "TikTok is disconnected" in page and "you removed TikJoy&#x27;s access in TikTok" in page


def test_a_tampered_body_is_refused_and_changes_nothing(client, connected_user):
    user = connected_user(open_id="open-1")
    signature = _sign(_removed("someone-else"))

    response = _post(client, _removed("open-1"), signature)

    assert response.status_code == 403
    assert TikTokProfile.objects.get(user=user).disconnected_at is None
    assert not WebhookEvent.objects.exists()


def test_a_signature_with_another_secret_is_refused(client, connected_user):
    connected_user(open_id="open-1")
    body = _removed()

    assert _post(client, body, _sign(body, secret="not-the-secret")).status_code == 403
    assert _post(client, body, "").status_code == 403
    assert _post(client, body, "t=abc,s=def").status_code == 400  # malformed header


def test_a_stale_timestamp_is_refused_even_with_a_valid_signature(client, connected_user):
    user = connected_user(open_id="open-1")
    body = _removed()

    response = _post(client, body, _sign(body, t=int(time.time()) - 3600))

    assert response.status_code == 403
    assert TikTokProfile.objects.get(user=user).disconnected_at is None


def test_a_replayed_delivery_is_processed_once(client, connected_user):
    user = connected_user(open_id="open-1")
    body = _removed()
    signature = _sign(body)

    first = _post(client, body, signature)
    disconnected_at = TikTokProfile.objects.get(user=user).disconnected_at
    second = _post(client, body, signature)

    assert (first.status_code, second.status_code) == (200, 200)
    assert WebhookEvent.objects.count() == 1
    assert TikTokProfile.objects.get(user=user).disconnected_at == disconnected_at


def test_a_signed_body_that_is_not_json_is_acknowledged_and_recorded_as_unusable(client):
    body = b"not json"

    assert _post(client, body, _sign(body)).status_code == 200
    assert WebhookEvent.objects.get().unusable_reason.startswith("The body is not valid JSON")


def test_whatsapp_verification_echoes_the_challenge_only_with_the_verify_token(client):
    ok = client.get(
        "/webhooks/whatsapp/",
        {"hub.mode": "subscribe", "hub.verify_token": "wa-verify", "hub.challenge": "1158201444"},
    )
    bad = client.get(
        "/webhooks/whatsapp/",
        {"hub.mode": "subscribe", "hub.verify_token": "guess", "hub.challenge": "1158201444"},
    )

    assert (ok.status_code, ok.content) == (200, b"1158201444")
    assert bad.status_code == 403


def test_whatsapp_delivery_needs_a_valid_x_hub_signature_256(client):
    body = json.dumps({"object": "whatsapp_business_account", "entry": []}).encode()
    good = "sha256=" + hmac.new(b"wa-app-secret", body, hashlib.sha256).hexdigest()

    refused = client.post(
        "/webhooks/whatsapp/",
        data=body,
        content_type="application/json",
        headers={"X-Hub-Signature-256": "sha256=" + "0" * 64},
    )
    accepted = client.post(
        "/webhooks/whatsapp/",
        data=body,
        content_type="application/json",
        headers={"X-Hub-Signature-256": good},
    )
    again = client.post(
        "/webhooks/whatsapp/",
        data=body,
        content_type="application/json",
        headers={"X-Hub-Signature-256": good},
    )

    assert (refused.status_code, accepted.status_code, again.status_code) == (403, 200, 200)
    assert WebhookEvent.objects.filter(source=WebhookEvent.Source.WHATSAPP).count() == 1
