"""Photometric expressions over catalogue columns: a column (``mag_V``, ``ci``) or a sum / difference of
columns (``mag_V-mag_I``, ``mag_U-mag_B``: the colours of the LEGUS papers).

A value is *missing* when the column is absent, null, not a number or not finite, and a *sentinel* when it is
one of the LEGUS / SExtractor placeholders (99.999 not detected, 66.666 outside the footprint, 44.444 no
aperture correction; 99.0 / -99.0 as other catalogues write them). Both are left out of cuts and diagrams, and
counted separately so the user is told how many and why.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from backend.errors import InputError

SENTINELS: tuple[float, ...] = (99.999, 66.666, 44.444, 99.0, -99.0, -99.999)
_NAME = r"[A-Za-z_][A-Za-z0-9_.]{0,99}"
_EXPR = re.compile(rf"^\s*{_NAME}\s*(?:[+-]\s*{_NAME}\s*)*$")
_TERM = re.compile(rf"([+-]?)\s*({_NAME})")
MISSING = "missing"
SENTINEL = "sentinel"


def is_sentinel(value: float) -> bool:
    return any(abs(value - s) < 5e-4 for s in SENTINELS)


@dataclass(frozen=True)
class Expression:
    """``terms``: (sign, column) pairs; the value is the signed sum of the columns."""

    text: str
    terms: tuple[tuple[int, str], ...]

    @property
    def columns(self) -> list[str]:
        return [name for _, name in self.terms]

    def value(self, columns: Mapping[str, Any] | None) -> float | str:
        """The number, or :data:`MISSING` / :data:`SENTINEL` saying why there is none (sentinel wins)."""
        total = 0.0
        why: str | None = None
        for sign, name in self.terms:
            raw = (columns or {}).get(name)
            number = _number(raw)
            if number is None:
                why = why or MISSING
                continue
            if is_sentinel(number):
                why = SENTINEL
                continue
            total += sign * number
        return why if why is not None else total


def _number(raw: Any) -> float | None:
    if isinstance(raw, bool) or raw is None:
        return None
    if isinstance(raw, (int, float)):
        value = float(raw)
    elif isinstance(raw, str):
        try:
            value = float(raw)
        except ValueError:
            return None
    else:
        return None
    return value if math.isfinite(value) else None


def parse_expression(text: str) -> Expression:
    """``"mag_V - mag_I"`` -> Expression; an :class:`InputError` naming the grammar otherwise."""
    if not isinstance(text, str) or not _EXPR.match(text):
        raise InputError(f"expression {text!r} is not a column or a sum/difference of columns "
                         "(e.g. mag_V, ci, mag_V-mag_I, mag_F555W-mag_F814W)")
    terms = tuple((-1 if sign == "-" else 1, name) for sign, name in _TERM.findall(text))
    return Expression(text=text.replace(" ", ""), terms=terms)
