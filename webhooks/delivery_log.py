"""A delivery log row's error in the reader's language.

``WebhookAttempt.error`` keeps what went wrong in English, as it was recorded by the delivery
(``delivery_attempt`` records it with the site's language, whoever triggered it). A page shows it
with ``error_text``: a sentence of the webhooks app's own ("The host … can't be resolved.", the
address refusals of ``webhooks.ssrf``) is recognised with its figures and said again in the active
language; any other text (the HTTP client's technical message) is shown as recorded.

The sentences are found in the app's catalogue rather than listed here, so a refusal added or
reworded in ``ssrf.py`` reads in the reader's language with no second list to keep in step.
"""

from __future__ import annotations

import gettext as gettext_module
import re
from functools import cache
from pathlib import Path

from django.utils import translation
from django.utils.translation import gettext

_LOCALE = Path(__file__).resolve().parent / "locale"
_PLACEHOLDER = re.compile(r"%\((\w+)\)s")


@cache
def _sentences(language: str) -> tuple[tuple[re.Pattern, str], ...]:
    """The app's English sentences with placeholders, as patterns, the longest first (the most
    specific wins), for the languages the app is translated into."""
    catalogue = gettext_module.translation("django", localedir=_LOCALE, languages=[language], fallback=True)
    found = []
    for msgid in getattr(catalogue, "_catalog", {}):
        if not isinstance(msgid, str) or "\x04" in msgid or not msgid.endswith("."):
            continue  # plural forms, contexts, and phrases that are not whole sentences
        pattern = "".join(
            f"(?P<{part}>.+?)" if index % 2 else re.escape(part)
            for index, part in enumerate(_PLACEHOLDER.split(msgid))
        )
        found.append((re.compile(pattern), msgid))
    return tuple(sorted(found, key=lambda item: -len(item[1])))


def error_text(recorded: str) -> str:
    """A delivery log error in the active language: "Der Host hooks.example lässt sich nicht
    auflösen." for "The host hooks.example can't be resolved."; any other text as recorded."""
    if not recorded:
        return recorded
    language = translation.get_language() or ""
    for pattern, msgid in _sentences(language.split("-")[0]):
        match = pattern.fullmatch(recorded)
        if match:
            # A figure that is itself a phrase of ours ("a loopback address") is translated too;
            # a host name or an address has no translation and stays as it is.
            return gettext(msgid) % {name: gettext(value) for name, value in match.groupdict().items()}
    return recorded
