"""Recognising a share: does a caption carry a campaign's hashtag or mention?"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from datetime import datetime


@dataclass(frozen=True)
class ShareCriterion:
    """What makes a video a share of something (a campaign, later).

    ``not_before`` is the later of the campaign's start and the moment the user
    joined it: only videos created after it count. ``hashtag`` and ``mention``
    may be given with or without ``#``/``@``; an empty one is not looked for.
    """

    key: str
    hashtag: str
    mention: str
    not_before: datetime


def _fold(text: str) -> str:
    return unicodedata.normalize("NFKC", text).casefold()


def _token_pattern(sigil: str, word: str, tail: str) -> re.Pattern[str] | None:
    word = _fold(word).strip().lstrip(sigil)
    if not word:
        return None
    # Not preceded by a word character (so "a#tag" is not the tag) and not followed by one
    # (so "#summerjoy2" is not "#summerjoy"). \w is Unicode-aware for str patterns.
    return re.compile(rf"(?<!\w){re.escape(sigil + word)}(?!{tail})")


def caption_matches(caption: str, *, hashtag: str, mention: str) -> bool:
    """True when ``caption`` carries ``#hashtag`` or ``@mention`` (case-insensitive, Unicode-safe)."""
    if not caption:
        return False
    text = _fold(caption)
    patterns = (
        _token_pattern("#", hashtag, r"\w"),
        # TikTok usernames hold letters, digits, "_" and "." (never at the end).
        _token_pattern("@", mention, r"\w|\.\w"),
    )
    return any(p is not None and p.search(text) for p in patterns)
