"""The private link of a visitor's request (no account): it opens that one conversation only."""

from __future__ import annotations

from django.utils.crypto import constant_time_compare, salted_hmac

SALT = "support.request-link"


def request_token(support_request) -> str:
    """A keyed hash of the request and the address it was sent from: unguessable, and it stops
    working when the address is erased."""
    return salted_hmac(SALT, f"{support_request.pk}:{support_request.email}", algorithm="sha256").hexdigest()[
        :32
    ]


def request_token_valid(support_request, token: str) -> bool:
    return bool(support_request.email) and constant_time_compare(request_token(support_request), token or "")
