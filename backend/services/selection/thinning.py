"""When more sources are in view than the map draws, thin them evenly over the view, brightest first.

The viewport query alone returns the first ``limit`` sources in index order (layer, row band, x): zoomed
out, that fills the bottom rows of the image and leaves the top without a ring. Here the view is cut into
about ``limit`` cells; within each cell sources are ranked by brightness (a V-band magnitude when the
catalogue has one, else any magnitude, else the detection flux), and the map gets every cell's brightest,
then every cell's second, and so on, until ``limit``.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
from sqlalchemy import select
from sqlalchemy.orm import Session

from backend.db.sources import Layer, Source

#: The most candidates read for one thinned answer (x, y and one brightness value each).
MAX_CANDIDATES = 200_000
#: Brightness columns, best first: magnitudes (smaller is brighter); ``flux`` is negated.
MAGNITUDES = ("mag_V", "mag_F555W", "mag_F606W", "mag_I", "mag_F814W", "mag_B", "mag_F435W", "mag_F438W")


def brightness_columns(session: Session, layers: list[int]) -> tuple[list[str], str | None]:
    """The magnitude columns to rank by (in order of preference) and, failing those, a flux column."""
    names: set[str] = set()
    for meta in session.scalars(select(Layer.meta).where(Layer.id.in_(layers))):
        names |= set((meta or {}).get("columns", {}))
    mags = [m for m in MAGNITUDES if m in names]
    mags += sorted(n for n in names if n.startswith("mag_") and not n.startswith("mag_err_") and n not in mags)
    return mags[:3], ("flux" if "flux" in names else None)


def thin_order(x: np.ndarray, y: np.ndarray, brightness: np.ndarray, bbox: tuple[float, float, float, float],
               limit: int) -> np.ndarray:
    """Indices of the ``limit`` rows to draw: even over ``bbox``, brightest (smallest value; NaN last) first."""
    n = len(x)
    if n <= limit:
        return np.arange(n)
    xmin, ymin, xmax, ymax = bbox
    side = max(1, int(math.ceil(math.sqrt(limit))))
    cx = np.clip(((x - xmin) / max(xmax - xmin, 1e-9) * side).astype(np.int64), 0, side - 1)
    cy = np.clip(((y - ymin) / max(ymax - ymin, 1e-9) * side).astype(np.int64), 0, side - 1)
    cell = cy * side + cx
    key = np.where(np.isfinite(brightness), brightness, np.inf)
    order = np.lexsort((key, cell))  # by cell, then brightness within the cell
    sorted_cells = cell[order]
    starts = np.r_[0, np.flatnonzero(np.diff(sorted_cells)) + 1]
    rank = np.arange(n) - np.repeat(starts, np.diff(np.r_[starts, n]))
    pick = np.lexsort((key[order], rank))[:limit]  # every cell's brightest, then every cell's second, ...
    return np.sort(order[pick])


def thinned_ids(session: Session, base: Any, bbox: tuple[float, float, float, float], layers: list[int],
                limit: int) -> tuple[list[int], int, bool]:
    """``(ids to draw, candidates read, whether the candidates were capped)`` for the viewport ``base``
    query (its WHERE clause; its columns are replaced)."""
    mags, flux = brightness_columns(session, layers)
    extra = [Source.columns[m] for m in mags] + ([Source.columns[flux]] if flux else [])
    rows = session.execute(base.with_only_columns(Source.id, Source.x, Source.y, *extra)
                           .limit(MAX_CANDIDATES + 1)).all()
    capped = len(rows) > MAX_CANDIDATES
    rows = rows[:MAX_CANDIDATES]
    ids = np.array([r[0] for r in rows], dtype=np.int64)
    x = np.array([r[1] for r in rows], dtype=float)
    y = np.array([r[2] for r in rows], dtype=float)
    value = np.full(len(rows), np.nan)
    for k in range(len(mags)):
        column = np.array([_float(r[3 + k]) for r in rows], dtype=float)
        column[(column > 60) | (column < -60)] = np.nan  # 99.999, 66.666, ... placeholders
        value = np.where(np.isnan(value), column, value)
    if flux:
        fallback = -np.array([_float(r[3 + len(mags)]) for r in rows], dtype=float)
        value = np.where(np.isnan(value), fallback, value)
    chosen = thin_order(x, y, value, bbox, limit)
    return ids[chosen].tolist(), len(rows), capped


def _float(raw: Any) -> float:
    try:
        return float(raw)
    except (TypeError, ValueError):
        return math.nan
