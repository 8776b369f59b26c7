"""A form body (``multipart/form-data``) where JSON is expected: the site's NUL-byte check reads every
POST's form first, which consumes a multipart body's stream, so reading the raw body afterwards (the
Idempotency-Key's fingerprint, the conversion tag's JSON) raised Django's ``RawPostDataException``: a
500. It is refused in words instead (docs/security.md: "no input is ever a 500")."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.django_db

BOUNDARY = "tikjoy-boundary"
FORM = (
    f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="type"\r\n\r\nPURCHASE\r\n--{BOUNDARY}--\r\n'
).encode()
MULTIPART = f"multipart/form-data; boundary={BOUNDARY}"


@pytest.mark.parametrize("path", ["/api/v1/actions", "/api/v1/campaigns", "/api/v1/webhook-endpoints"])
def test_a_form_posted_to_the_api_is_an_unsupported_media_type(brand, make_key, api, path):
    client = api(make_key(brand()["merchant"]))
    client.raise_request_exception = False  # as a real server: a 500 page, not the exception

    response = client.generic("POST", path, FORM, content_type=MULTIPART, HTTP_IDEMPOTENCY_KEY="form-1")

    assert response.status_code == 415
    assert response["Content-Type"] == "application/problem+json"
    assert response.json()["code"] == "unsupported_media_type"


def test_a_form_posted_to_the_conversion_tag_is_refused_in_words(client):
    client.raise_request_exception = False

    response = client.generic("POST", "/embed/v1/conversion", FORM, content_type=MULTIPART)

    assert response.status_code == 400
    assert response.json() == {"status": "invalid", "error": "Send JSON."}
