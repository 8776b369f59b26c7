"""JSON nested deeper than ``json.loads`` recurses (about a thousand levels: a few kB of ``[``) is
refused as malformed, never a 500: on the public thank-you-page tag and on every JSON write of
/api/v1/ (docs/security.md: "no input is ever a 500")."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.django_db


def test_the_conversion_tag_refuses_nested_json(client):
    client.raise_request_exception = False  # as a real server: a 500 page, not the exception

    response = client.post("/embed/v1/conversion", "[" * 1999, content_type="text/plain")  # under MAX_BODY

    assert response.status_code == 400
    assert response.json() == {"status": "invalid", "error": "Send JSON."}


@pytest.mark.parametrize(
    "method,path,idempotent",
    [
        ("post", "/api/v1/campaigns", True),
        ("patch", "/api/v1/campaigns/cmp_{campaign}", False),
        ("post", "/api/v1/actions", True),
        ("post", "/api/v1/conversions", True),
        ("post", "/api/v1/rewards/rwd_{reward}/reverse", True),
        ("post", "/api/v1/webhook-endpoints", True),
    ],
)
def test_the_api_refuses_nested_json_as_malformed(brand, make_key, api, method, path, idempotent):
    world = brand()
    client = api(make_key(world["merchant"]))
    client.raise_request_exception = False
    url = path.format(campaign=world["campaign"].pk, reward=world["reward"].pk)
    headers = {"HTTP_IDEMPOTENCY_KEY": "deep-1"} if idempotent else {}

    response = getattr(client, method)(
        url, "[" * 5000 + "]" * 5000, content_type="application/json", **headers
    )

    assert response.status_code == 400
    problem = response.json()
    assert (problem["code"], problem["detail"]) == ("malformed_json", "The JSON nests too deeply.")
