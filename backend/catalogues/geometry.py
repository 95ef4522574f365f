"""Pixel geometries of annotations (the paper's point / box / polygon labels) as GeoJSON-like dicts.

All coordinates are 0-based pixels (numpy / astropy origin 0). A box is a closed ``Polygon`` ring of its 4
corners that also carries ``bbox: [xmin, ymin, xmax, ymax]`` (a GeoJSON geometry may have a ``bbox`` member,
RFC 7946 section 5), so any GeoJSON consumer still sees a polygon while we know it was drawn as a box.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

from backend.catalogues.table import Geometry


def box(xmin: float, ymin: float, xmax: float, ymax: float) -> Geometry:
    """A box geometry; corners counter-clockwise from (xmin, ymin), ring closed as GeoJSON requires."""
    ring = [[xmin, ymin], [xmax, ymin], [xmax, ymax], [xmin, ymax], [xmin, ymin]]
    return {"type": "Polygon", "coordinates": [ring], "bbox": [xmin, ymin, xmax, ymax]}


def polygon(ring: Sequence[Sequence[float]]) -> Geometry:
    """A polygon from its vertices (closed if open); an axis-aligned 4-corner ring becomes a :func:`box`."""
    points = [[float(x), float(y)] for x, y in ring]
    if points[0] != points[-1]:
        points.append(list(points[0]))
    corners = points[:-1]
    xs, ys = {p[0] for p in corners}, {p[1] for p in corners}
    if len(corners) == 4 and len(xs) == 2 and len(ys) == 2 and len({tuple(p) for p in corners}) == 4:
        return box(min(xs), min(ys), max(xs), max(ys))
    return {"type": "Polygon", "coordinates": [points]}


def is_box(geometry: Geometry | None) -> bool:
    return geometry is not None and geometry.get("type") == "Polygon" and "bbox" in geometry


def ring_of(geometry: Geometry) -> list[list[float]]:
    """The exterior ring of a polygon geometry (closed)."""
    return [list(p) for p in geometry["coordinates"][0]]


def centroid(geometry: Geometry) -> tuple[float, float]:
    """Area centroid of a polygon (vertex mean when degenerate): the position of a drawn outline."""
    ring = ring_of(geometry)
    area2 = cx = cy = 0.0
    for (x0, y0), (x1, y1) in zip(ring[:-1], ring[1:], strict=True):
        cross = x0 * y1 - x1 * y0
        area2 += cross
        cx += (x0 + x1) * cross
        cy += (y0 + y1) * cross
    if abs(area2) < 1e-12:
        corners = ring[:-1] or ring
        return sum(p[0] for p in corners) / len(corners), sum(p[1] for p in corners) / len(corners)
    return cx / (3.0 * area2), cy / (3.0 * area2)


def shifted(geometry: Geometry, offset: float) -> Geometry:
    """The same geometry with every coordinate moved by ``offset`` (``-1``: 1-based -> 0-based)."""
    out: Geometry = {"type": geometry["type"]}
    if geometry["type"] == "Point":
        out["coordinates"] = [c + offset for c in geometry["coordinates"]]
    else:
        out["coordinates"] = [[[x + offset, y + offset] for x, y in ring] for ring in geometry["coordinates"]]
    if "bbox" in geometry:
        out["bbox"] = [c + offset for c in geometry["bbox"]]
    return out


def finite_pair(value: object) -> tuple[float, float] | None:
    """``(a, b)`` when ``value`` is a list of two or three finite numbers (GeoJSON allows an altitude)."""
    if not isinstance(value, list | tuple) or len(value) not in (2, 3):
        return None
    if not all(isinstance(v, int | float) and not isinstance(v, bool) and math.isfinite(v) for v in value):
        return None
    return float(value[0]), float(value[1])
