"""JSON from users, parsed with a nesting limit: Python's parser recurses and a document nested 50,000 deep
raises RecursionError. GeoJSON needs about 7 levels (collection, features, feature, geometry, rings, ring,
point); 64 leaves room for nested properties."""

from __future__ import annotations

import json
import re
from typing import Any

MAX_DEPTH = 64
_STRUCTURE = re.compile(rb'"(?:[^"\\]|\\.)*"|[\[\]{}]')


class TooDeepError(ValueError):
    """JSON nested deeper than allowed."""


def json_depth(text: str | bytes) -> int:
    """The deepest nesting of arrays and objects, found without parsing (strings are skipped)."""
    data = text.encode("utf-8", "surrogatepass") if isinstance(text, str) else text
    depth = deepest = 0
    for match in _STRUCTURE.finditer(data):
        token = match.group()
        if token in (b"[", b"{"):
            depth += 1
            deepest = max(deepest, depth)
        elif token in (b"]", b"}"):
            depth -= 1
    return deepest


def loads(text: str | bytes, max_depth: int = MAX_DEPTH) -> Any:
    """``json.loads`` that refuses documents nested deeper than ``max_depth`` (TooDeepError, a ValueError)."""
    if json_depth(text) > max_depth:
        raise TooDeepError(f"JSON nested deeper than {max_depth} levels")
    return json.loads(text)
