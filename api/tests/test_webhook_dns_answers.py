"""A webhook URL's refusal doesn't tell a merchant what the platform's own resolver knows (internal
DNS, /etc/hosts): a name that resolves into a private network and a name that doesn't resolve get
the same sentence, without an address (a merchant could otherwise map ``redis.internal`` to
10.20.30.40, and tell which internal names exist)."""

from __future__ import annotations

import socket

import pytest
from django.urls import reverse

from merchants.roles import Role

pytestmark = pytest.mark.django_db


@pytest.fixture
def internal_dns(monkeypatch, settings):
    settings.WEBHOOKS_ALLOW_LOOPBACK = settings.WEBHOOKS_ALLOW_HTTP = False  # as in production
    real = socket.getaddrinfo

    def resolve(host, *args, **kwargs):
        if host == "redis.internal":  # what the platform's resolver knows (VPC DNS, /etc/hosts)
            return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", ("10.20.30.40", 443))]
        if host == "nothing.internal":
            raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")
        return real(host, *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", resolve)


def _refusal(client, host: str) -> str:
    answer = client.post(
        "/api/v1/webhook-endpoints",
        {"url": f"https://{host}/", "events": ["reward.created"]},
        format="json",
        HTTP_IDEMPOTENCY_KEY=f"probe-{host}",
    )
    assert answer.status_code == 422
    return answer.json()["detail"]


def test_the_api_answers_an_internal_name_as_it_answers_an_unknown_one(brand, make_key, api, internal_dns):
    client = api(make_key(brand()["merchant"]))

    internal, unknown = _refusal(client, "redis.internal"), _refusal(client, "nothing.internal")

    assert "10.20.30.40" not in internal and "private" not in internal
    assert (
        internal.replace("redis", "nothing")
        == unknown
        == (
            "The host nothing.internal doesn't resolve to an address on the public internet: "
            "webhooks go to the public internet only."
        )
    )


def test_the_console_form_says_the_same_and_an_address_typed_as_such_is_named(
    client, make_merchant, internal_dns
):
    merchant = make_merchant("acme")
    client.force_login(merchant.memberships.get(role=Role.OWNER).user)

    def form(url: str) -> str:
        return client.post(
            reverse("console:hook_endpoints"), {"url": url, "events": ["reward.created"]}
        ).content.decode()

    internal = form("https://redis.internal/hook")
    assert "redis.internal doesn&#x27;t resolve to an address on the public internet" in internal
    assert "10.20.30.40" not in internal
    typed = form("https://10.20.30.40/hook")  # the merchant's own words: nothing learnt from our DNS
    assert "resolves to a private network address (10.20.30.40)" in typed
    assert not merchant.webhook_endpoints.exists()
