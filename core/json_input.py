"""JSON from outside, parsed defensively: the one place a request body becomes Python data.

``json.loads`` accepts things PostgreSQL's ``jsonb`` (or Python itself) then chokes
on: ``\\u0000`` escapes and lone surrogates in strings or keys, ``NaN`` and
``Infinity``, numbers that overflow to infinity (``1e400``), integers longer than
Python converts, and nesting deep enough to exhaust the recursion limit. Every
one of them became a 500 somewhere. :func:`json_object_parse` refuses them all
with a :class:`UnusableJson` that says why, and returns only a dict that can be
stored in a ``JSONField`` as it is.
"""

from __future__ import annotations

import json
import math
from typing import Any

from core.errors import DomainError

MAX_DEPTH = 64


class UnusableJson(DomainError):
    """The body is not a JSON object we can store and use; ``str(e)`` says why."""


def _depth_exceeds(text: str, limit: int) -> bool:
    """Whether arrays/objects nest deeper than ``limit``, found without recursion (strings skipped)."""
    depth = 0
    in_string = escaped = False
    for char in text:
        if in_string:
            if escaped:
                escaped = False
            elif char == "\\":
                escaped = True
            elif char == '"':
                in_string = False
        elif char == '"':
            in_string = True
        elif char in "[{":
            depth += 1
            if depth > limit:
                return True
        elif char in "]}":
            depth -= 1
    return False


def _reject_constant(name: str) -> Any:
    raise UnusableJson(f"{name} is not a number JSON allows.")


def _finite_float(text: str) -> float:
    value = float(text)
    if not math.isfinite(value):
        raise UnusableJson(f"The number {text[:40]} is too large.")
    return value


def _storable(text: str) -> str | None:
    """Why PostgreSQL can't store this string (a NUL or a lone surrogate), or None."""
    if "\x00" in text:
        return "a NUL character (\\u0000)"
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return "a lone surrogate (an invalid \\ud800-\\udfff escape)"
    return None


def _check_strings(value: Any) -> None:
    stack = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, dict):
            for key, child in item.items():
                problem = _storable(key)
                if problem:
                    raise UnusableJson(f"A key contains {problem}.")
                stack.append(child)
        elif isinstance(item, list):
            stack.extend(item)
        elif isinstance(item, str):
            problem = _storable(item)
            if problem:
                raise UnusableJson(f"A string contains {problem}.")


def json_object_parse(body: bytes, *, max_depth: int = MAX_DEPTH) -> dict[str, Any]:
    """The JSON object in ``body``, or :class:`UnusableJson` for anything we could not store or use."""
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError:
        raise UnusableJson("The body is not UTF-8.") from None
    if _depth_exceeds(text, max_depth):
        raise UnusableJson(f"The JSON nests deeper than {max_depth} levels.")
    try:
        payload = json.loads(text, parse_constant=_reject_constant, parse_float=_finite_float)
    except UnusableJson:
        raise
    except (ValueError, RecursionError) as exc:  # JSONDecodeError, int too long, depth
        raise UnusableJson(f"The body is not valid JSON ({str(exc)[:100]}).") from None
    if not isinstance(payload, dict):
        raise UnusableJson("The body is JSON but not an object.")
    _check_strings(payload)
    return payload
