"""Choosing and sharing out a round's sources: regions, random samples, balanced assignment, queue orders.

Pure functions on ids and positions (the service reads and writes the rows), each drawing from its own
``numpy.random.Generator`` so one seed reproduces a whole round.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
from matplotlib.path import Path as MplPath

from backend.errors import InputError

MAX_REGION_VERTICES = 10_000


def region_rings(regions: Sequence[dict[str, Any]]) -> list[np.ndarray]:
    """Outer rings (``(n, 2)`` 0-based pixel arrays) of GeoJSON Polygons, MultiPolygons or Features."""
    if not regions:
        raise InputError("sample.regions is empty: draw at least one polygon on the map")
    rings: list[np.ndarray] = []
    for index, region in enumerate(regions):
        geometry = region.get("geometry", region) if isinstance(region, dict) else None
        kind = geometry.get("type") if isinstance(geometry, dict) else None
        if kind == "Polygon":
            polygons = [geometry["coordinates"]]  # type: ignore[index]
        elif kind == "MultiPolygon":
            polygons = list(geometry["coordinates"])  # type: ignore[index]
        else:
            raise InputError(f"sample.regions[{index}] must be a GeoJSON Polygon or MultiPolygon "
                             "(0-based pixel coordinates)")
        for poly in polygons:
            try:
                ring = np.asarray(poly[0], dtype=np.float64)
            except (TypeError, ValueError, IndexError):
                raise InputError(f"sample.regions[{index}] has a ring that is not [[x, y], ...]") from None
            if ring.ndim != 2 or ring.shape[1] != 2 or not np.isfinite(ring).all():
                raise InputError(f"sample.regions[{index}] has a ring that is not [[x, y], ...] of finite numbers")
            if len(np.unique(ring, axis=0)) < 3 or len(ring) > MAX_REGION_VERTICES:
                raise InputError(f"sample.regions[{index}]: a ring needs 3 to {MAX_REGION_VERTICES} vertices")
            rings.append(ring)
    return rings


def bounds(rings: Sequence[np.ndarray]) -> tuple[float, float, float, float]:
    stacked = np.vstack(rings)
    (xmin, ymin), (xmax, ymax) = stacked.min(axis=0), stacked.max(axis=0)
    return float(xmin), float(ymin), float(xmax), float(ymax)


def inside(rings: Sequence[np.ndarray], xy: np.ndarray) -> np.ndarray:
    """Which points lie inside any ring (boundary points count as inside)."""
    xy = np.asarray(xy, dtype=np.float64).reshape(-1, 2)
    mask = np.zeros(len(xy), dtype=bool)
    for ring in rings:
        mask |= MplPath(ring).contains_points(xy, radius=1e-9) | MplPath(ring[::-1]).contains_points(xy, radius=1e-9)
    return mask


def sample(ids: Sequence[int], n: int, rng: np.random.Generator) -> list[int]:
    """``n`` of ``ids`` at random (all of them, shuffled, when there are fewer), in draw order."""
    pool = np.asarray(ids, dtype=np.int64)
    take = min(n, pool.size)
    return [int(i) for i in rng.choice(pool, size=take, replace=False)] if take else []


def assign(sources: Sequence[int], annotators: Sequence[int], k: int, rng: np.random.Generator) -> dict[int, list[int]]:
    """Each source to ``k`` annotators, balanced: everyone's load differs by at most one.

    Sources are taken in order; each goes to the ``k`` least-loaded annotators (ties at random), so with
    ``n`` sources every annotator gets ``n*k/len(annotators)`` rounded up or down.
    """
    if k > len(annotators):
        raise InputError(f"k = {k} votes per source needs at least {k} annotators, the round has {len(annotators)}")
    load = np.zeros(len(annotators))
    out: dict[int, list[int]] = {a: [] for a in annotators}
    for source in sources:
        chosen = np.lexsort((np.asarray(rng.random(len(annotators))), load))[:k]
        for j in chosen:
            out[annotators[j]].append(int(source))
        load[chosen] += 1
    return out


def queue_order(sources: Sequence[int], repeats: int, rng: np.random.Generator) -> list[tuple[int, bool]]:
    """One annotator's queue: their sources in a fixed random order, then ``repeats`` of them shown again
    (``True``), each at a random place after its first showing with at least a third of the queue between."""
    order: list[tuple[int, bool]] = [(int(s), False) for s in rng.permutation(np.asarray(sources, dtype=np.int64))]
    n = len(order)
    if repeats and n >= 2:
        gap = max(1, n // 3)
        candidates = [s for i, (s, _) in enumerate(order) if i + gap <= n]
        for source in sample(candidates, repeats, rng):
            first = next(i for i, (s, rep) in enumerate(order) if s == source and not rep)
            at = int(rng.integers(first + gap, len(order) + 1))
            order.insert(at, (source, True))
    return order
