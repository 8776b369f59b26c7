"""The URL list is tried in order (the consumer pages served most come first, ``tikjoy/urls.py``):
no pattern may take a path another pattern is written for."""

from __future__ import annotations

import re

from django.urls import URLResolver, get_resolver, resolve

_SAMPLES = {
    "int": "1",
    "slug": "s",
    "str": "s",
    "uuid": "12345678-1234-1234-1234-123456789012",
    "path": "a/b",
}


def _routes(patterns, prefix=""):
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            yield from _routes(pattern.url_patterns, prefix + str(pattern.pattern))
        else:
            yield prefix + str(pattern.pattern), pattern


def test_every_path_pattern_is_reached_by_a_path_written_for_it():
    checked = []
    for route, pattern in _routes(get_resolver().url_patterns):
        if any(mark in route for mark in ("^", "(?", "\\")):  # a regular expression: no sample path
            continue
        path = "/" + re.sub(r"<(?:(\w+):)?\w+>", lambda m: _SAMPLES.get(m.group(1) or "str", "s"), route)
        match = resolve(path)
        assert match.func is pattern.callback or match.url_name == pattern.name, (route, match.route)
        checked.append(route)
    assert "b/<slug:slug>/" in checked and "wallet/summary.json" in checked
    assert "b/<slug:slug>/videos/<int:slot>/download/" in checked and "wallet/payouts/" in checked
