"""An internationalised webhook host is checked at the address the HTTP client connects to."""

from __future__ import annotations

import socket

import pytest

from webhooks.ssrf import UnsafeUrl, url_check


@pytest.fixture
def lookups(monkeypatch, settings):
    settings.WEBHOOKS_ALLOW_LOOPBACK = settings.WEBHOOKS_ALLOW_HTTP = False  # as in production
    asked = []

    def resolve(host, port, *args, **kwargs):
        asked.append(host)
        answers = {"xn--strae-oqa.example": "93.184.215.14", "strasse.example": "10.0.0.5"}
        if host not in answers:
            raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")
        return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", (answers[host], port))]

    monkeypatch.setattr(socket, "getaddrinfo", resolve)
    return asked


def test_the_name_looked_up_is_the_one_browsers_and_requests_use(lookups):
    # IDNA 2003 (the C library's, Python's "idna" codec) would look up strasse.example: another domain.
    assert url_check("https://Straße.example/hook") == ["93.184.215.14"]
    assert lookups == ["xn--strae-oqa.example"]


def test_a_name_idna_refuses_is_refused_as_an_unknown_one(lookups):
    with pytest.raises(UnsafeUrl, match="doesn't resolve to an address on the public internet"):
        url_check("https://ü-.example/hook")
    assert lookups == []
