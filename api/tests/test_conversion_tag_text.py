"""The thank-you-page tag's report (``/embed/v1/conversion``, public) with text PostgreSQL can't hold: a
lone surrogate (``\\ud800``) or a NUL (``\\u0000``) in any field is refused as invalid JSON, never a 500
(docs/security.md: "no input is ever a 500")."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("escape", [r"\ud800", r"\u0000"], ids=["lone-surrogate", "nul"])
def test_a_report_with_unstorable_text_is_refused_in_words(client, escape):
    client.raise_request_exception = False  # as a real server: a 500 page, not the exception
    body = (
        f'{{"key": "tj_pk_x{escape}", "click_id": "c1", "order_id": "A-1001", "amount": "64.00", '
        '"currency": "EUR"}'
    )

    response = client.post(
        "/embed/v1/conversion", body, content_type="text/plain", HTTP_ORIGIN="https://www.shop.example"
    )

    assert response.status_code == 400
    assert response.json() == {
        "status": "invalid",
        "error": "Send text only: no NUL (\\u0000) or lone surrogate (\\ud800).",
    }
