"""Privacy tests talk to a local TikTok (pytest-httpserver) that accepts revocations."""

from __future__ import annotations

import pytest

from social.tests.conftest import tiktok_api  # noqa: F401 (a fixture)


@pytest.fixture(autouse=True)
def tiktok_revokes(request):
    """Account deletion revokes TikTok tokens at TikTok: a local server answers as TikTok does (200)."""
    if request.node.get_closest_marker("browser"):
        yield None  # the browser journey has no TikTok connection
        return
    server = request.getfixturevalue("tiktok_api")
    server.expect_request("/v2/oauth/revoke/", method="POST").respond_with_json({})
    yield server
