"""Host names as browsers and DNS write them: an internationalised domain in its ASCII form."""

from __future__ import annotations

import idna


def host_ascii(host: str) -> str | None:
    """``Müller.de`` -> ``xn--mller-kva.de`` (UTS #46, not transitional, as Chromium and Firefox map it:
    ``straße.de`` -> ``xn--strae-oqa.de``); an ASCII host lower-cased as it is; None for a name IDNA
    refuses (``ü-.de``). An IPv6 literal in brackets is returned as it is."""
    host = host.strip().lower()
    if host.isascii() or host.startswith("["):
        return host
    try:
        return idna.encode(host, uts46=True, transitional=False).decode("ascii")
    except idna.IDNAError:
        return None


def host_unicode(host: str) -> str:
    """``xn--mller-kva.de`` -> ``müller.de``: a host as people read it (as it is when IDNA can't decode it)."""
    if "xn--" not in host:
        return host
    try:
        return idna.decode(host)
    except idna.IDNAError:
        return host
