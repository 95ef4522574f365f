"""Point-in-region tests for the three region shapes, in FITS 0-based pixels (astropy origin 0).

A box is DS9's: centre, full width and height, rotated ``angle`` degrees counter-clockwise (x towards y).
The tests are inclusive on the boundary, as the viewport's bbox is.
"""

from __future__ import annotations

import math
from typing import Any

from backend.db.regions import REGION_KINDS
from backend.errors import InputError

BBox = tuple[float, float, float, float]
MAX_POINTS = 10_000


def check_geometry(kind: str, geometry: dict[str, Any]) -> dict[str, Any]:
    """The geometry normalised (floats, angle 0 by default), or an :class:`InputError` saying what is wrong."""
    if kind not in REGION_KINDS:
        raise InputError(f"region kind must be one of {', '.join(REGION_KINDS)}, got {kind!r}")
    if not isinstance(geometry, dict):
        raise InputError("region geometry must be an object")

    def num(name: str, positive: bool = False, default: float | None = None) -> float:
        raw = geometry.get(name, default)
        try:
            value = float(raw)  # type: ignore[arg-type]
        except (TypeError, ValueError):
            raise InputError(f"{kind} region needs a number {name!r} (FITS 0-based pixels), got {raw!r}") from None
        if not math.isfinite(value) or (positive and value <= 0):
            raise InputError(f"{kind} region: {name} = {raw!r} must be finite{' and > 0' if positive else ''}")
        return value

    if kind == "circle":
        return {"x": num("x"), "y": num("y"), "r": num("r", positive=True)}
    if kind == "box":
        return {"x": num("x"), "y": num("y"), "width": num("width", positive=True),
                "height": num("height", positive=True), "angle": num("angle", default=0.0)}
    points = geometry.get("points")
    if not isinstance(points, list) or not 3 <= len(points) <= MAX_POINTS:
        raise InputError(f"polygon region needs 3 to {MAX_POINTS} points [[x, y], ...] (FITS 0-based pixels)")
    out = []
    for point in points:
        if not isinstance(point, (list, tuple)) or len(point) != 2:
            raise InputError(f"polygon point {point!r} must be [x, y]")
        try:
            x, y = float(point[0]), float(point[1])
        except (TypeError, ValueError):
            raise InputError(f"polygon point {point!r} must be two numbers") from None
        if not (math.isfinite(x) and math.isfinite(y)):
            raise InputError(f"polygon point {point!r} must be finite")
        out.append([x, y])
    return {"points": out}


def box_corners(g: dict[str, Any]) -> list[tuple[float, float]]:
    c, s = math.cos(math.radians(g["angle"])), math.sin(math.radians(g["angle"]))
    hw, hh = g["width"] / 2, g["height"] / 2
    return [(g["x"] + dx * c - dy * s, g["y"] + dx * s + dy * c)
            for dx, dy in ((-hw, -hh), (hw, -hh), (hw, hh), (-hw, hh))]


def bounding_box(kind: str, g: dict[str, Any]) -> BBox:
    if kind == "circle":
        return g["x"] - g["r"], g["y"] - g["r"], g["x"] + g["r"], g["y"] + g["r"]
    points = box_corners(g) if kind == "box" else [tuple(p) for p in g["points"]]
    xs, ys = [p[0] for p in points], [p[1] for p in points]
    return min(xs), min(ys), max(xs), max(ys)


def in_polygon(x: float, y: float, points: list[Any]) -> bool:
    """Even-odd rule (ray casting); points on an edge count as inside."""
    inside = False
    n = len(points)
    for i in range(n):
        x1, y1 = points[i]
        x2, y2 = points[(i + 1) % n]
        if _on_segment(x, y, x1, y1, x2, y2):
            return True
        if (y1 > y) != (y2 > y) and x < x1 + (y - y1) * (x2 - x1) / (y2 - y1):
            inside = not inside
    return inside


def _on_segment(x: float, y: float, x1: float, y1: float, x2: float, y2: float) -> bool:
    cross = (x2 - x1) * (y - y1) - (y2 - y1) * (x - x1)
    if abs(cross) > 1e-9 * max(1.0, abs(x2 - x1) + abs(y2 - y1)):
        return False
    return min(x1, x2) - 1e-9 <= x <= max(x1, x2) + 1e-9 and min(y1, y2) - 1e-9 <= y <= max(y1, y2) + 1e-9


def contains(kind: str, g: dict[str, Any], x: float, y: float) -> bool:
    if kind == "circle":
        return (x - g["x"]) ** 2 + (y - g["y"]) ** 2 <= g["r"] ** 2 * (1 + 1e-12)
    if kind == "box":
        c, s = math.cos(math.radians(g["angle"])), math.sin(math.radians(g["angle"]))
        dx, dy = x - g["x"], y - g["y"]
        u, v = dx * c + dy * s, -dx * s + dy * c
        return abs(u) <= g["width"] / 2 + 1e-9 and abs(v) <= g["height"] / 2 + 1e-9
    return in_polygon(x, y, g["points"])
