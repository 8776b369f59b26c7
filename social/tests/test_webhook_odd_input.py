import pytest

pytestmark = pytest.mark.django_db


def test_whatsapp_verify_with_non_ascii_token(client):
    client.raise_request_exception = False
    r = client.get(
        "/webhooks/whatsapp/", {"hub.mode": "subscribe", "hub.verify_token": "é", "hub.challenge": "1"}
    )
    print("whatsapp GET", r.status_code)
    assert r.status_code == 403


def test_whatsapp_post_with_non_ascii_signature(client):
    client.raise_request_exception = False
    r = client.post(
        "/webhooks/whatsapp/",
        b"{}",
        content_type="application/json",
        headers={"X-Hub-Signature-256": "sha256=\u00e9"},
    )
    print("whatsapp POST", r.status_code)
    assert r.status_code == 400  # a malformed header


def test_tiktok_post_with_non_ascii_signature(client):
    client.raise_request_exception = False
    r = client.post(
        "/webhooks/tiktok/",
        b"{}",
        content_type="application/json",
        headers={"TikTok-Signature": "t=1,s=\u00e9"},
    )
    print("tiktok POST", r.status_code)
    assert r.status_code == 400  # a malformed header
