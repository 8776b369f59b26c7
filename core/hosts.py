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


# The letters a host is shown with as people write it: ASCII and the accented Latin letters of
# Latin-1 and Latin Extended-A (müller, straße, café, łódź, çay), without those that pass for an ASCII
# letter (U+0131 dotless i, U+0138 kra, U+0140 l with middle dot, U+017F long s). Any other label
# (Cyrillic, Greek, mixed scripts, IPA's alpha) is shown as punycode, as browsers show a name that could
# pass for another: xn--80ak6aa92e.com, in Cyrillic letters, would read as apple.com.
_SHOWN = frozenset(
    chr(code) for code in range(0xC0, 0x180) if code not in (0xD7, 0xF7, 0x131, 0x138, 0x140, 0x17F)
)


def host_unicode(host: str) -> str:
    """``xn--mller-kva.de`` -> ``müller.de``: a host as people read it, label by label, where that can't
    pass for another name (``_SHOWN``); any other label stays punycode (``xn--80ak6aa92e.com``)."""
    if "xn--" not in host:
        return host
    labels = []
    for label in host.split("."):
        try:
            shown = idna.decode(label) if label.startswith("xn--") else label
        except idna.IDNAError:
            shown = label
        labels.append(shown if all(c.isascii() or c in _SHOWN for c in shown) else label)
    return ".".join(labels)
