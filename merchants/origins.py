"""The web origin of a website touchpoint: what a browser sends as ``Origin`` (and ``location.origin``)
for the brand's pages, which the widget's frame and the affiliate tag compare with (docs/api.md)."""

from __future__ import annotations

import re
from urllib.parse import urlsplit

from core.hosts import host_ascii

_HOST = re.compile(r"^[a-z0-9.-]+$|^\[[0-9a-f:.]+\]$")


def origin_of(url: str) -> str | None:
    """``https://shop.example:8443/path`` -> ``https://shop.example:8443``; None if it isn't a web origin.

    An internationalised domain is written as browsers send it (UTS #46, punycode):
    ``https://müller.de`` -> ``https://xn--mller-kva.de``, ``https://straße.de`` ->
    ``https://xn--strae-oqa.de``; a brand typing its shop's address as it reads it is still allowed."""
    try:
        parts = urlsplit(url.strip())
        port = parts.port
    except ValueError:
        return None
    host = host_ascii(parts.hostname or "")
    if parts.scheme not in ("https", "http") or not host or not _HOST.match(host):
        return None
    if ":" in host and not host.startswith("["):
        host = f"[{host}]"
    default = {"https": 443, "http": 80}[parts.scheme]
    return f"{parts.scheme}://{host}" + (f":{port}" if port and port != default else "")
