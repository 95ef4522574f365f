"""Crowding by class, measured as the issue measures it on LEGUS: the fraction of inspected sources of each class
with a catalogued neighbour of at least 0.3 x their V flux within 5 and within 10 px.

In LEGUS (0.04"/px drizzled frames, the simulator's pixel scale), class 1 clusters are isolated (0-1 % within
5 px, 2-8 % within 10 px) and classes 3 and 4 crowded (22-50 % and 24-35 % within 10 px): what lets an
annotator, or a network, tell a compact cluster from a multi-peak association. "Catalogued" means any row of
the catalogue (inspected or not) with a V magnitude; the sources counted are the labelled ones (classes 1-4).
Positions are pixels in one frame (the LEGUS x, y columns; the simulator's truth x, y), flux ratios from V
magnitudes (0.3 x the flux = 1.31 mag fainter).
"""

from __future__ import annotations

import math

import numpy as np
from scipy.spatial import cKDTree

RADII = (5.0, 10.0)
FLUX_RATIO = 0.3
CLASSES = (1, 2, 3, 4)


def has_neighbour(x: np.ndarray, y: np.ndarray, v_mag: np.ndarray, radius: float,
                  ratio: float = FLUX_RATIO) -> np.ndarray:
    """Per row: another catalogued row within ``radius`` px at least ``ratio`` x as bright in V (False for NaN V)."""
    ok = np.isfinite(v_mag) & np.isfinite(x) & np.isfinite(y)
    out = np.zeros(x.size, dtype=bool)
    if ok.sum() < 2:
        return out
    idx = np.flatnonzero(ok)
    tree = cKDTree(np.c_[x[idx], y[idx]])
    limit = 2.5 * math.log10(1.0 / ratio)
    for local, neighbours in enumerate(tree.query_ball_point(np.c_[x[idx], y[idx]], radius)):
        own = v_mag[idx[local]]
        out[idx[local]] = any(j != local and v_mag[idx[j]] <= own + limit for j in neighbours)
    return out


def crowding_fractions(x: np.ndarray, y: np.ndarray, v_mag: np.ndarray, classes: np.ndarray,
                       counted: np.ndarray | None = None) -> dict[int, list[float]]:
    """``{class: [fraction within 5 px, within 10 px]}`` over the ``counted`` rows (default: classes 1-4) with V."""
    x, y, v = (np.asarray(a, dtype=float) for a in (x, y, v_mag))
    classes = np.asarray(classes)
    flags = [has_neighbour(x, y, v, r) for r in RADII]
    base = np.isin(classes, CLASSES) & np.isfinite(v) if counted is None else np.asarray(counted) & np.isfinite(v)
    out: dict[int, list[float]] = {}
    for c in CLASSES:
        members = base & (classes == c)
        out[c] = [round(float(f[members].mean()), 3) if members.any() else math.nan for f in flags]
    return out


def counts(classes: np.ndarray, v_mag: np.ndarray) -> dict[int, int]:
    c, v = np.asarray(classes), np.asarray(v_mag, dtype=float)
    return {k: int(((c == k) & np.isfinite(v)).sum()) for k in CLASSES}


def legus_crowding(fields: list, min_sources: int = 20) -> dict:
    """Crowding of the real LEGUS fields: ``pooled`` ``{class: [within 5, within 10 px]}`` over every field's
    labelled sources, ``range`` ``{class: [[lo5, hi5], [lo10, hi10]]}`` over the fields holding at least
    ``min_sources`` of the class, and ``fields`` ``{name: fractions}``. ``fields`` are
    :class:`simulate.legus.LegusField` (those without positions are skipped)."""
    per_field, hits, totals = [], {c: np.zeros(2) for c in CLASSES}, dict.fromkeys(CLASSES, 0)
    for field in fields:
        if field.x is None or field.y is None:
            continue
        v = field.mags[:, 3]
        fractions = crowding_fractions(field.x, field.y, v, field.visual_class)
        n = counts(field.visual_class, v)
        per_field.append((field.name, fractions, n))
        for c in CLASSES:
            if n[c]:
                hits[c] += np.asarray(fractions[c]) * n[c]
                totals[c] += n[c]
    pooled = {c: [round(float(h / max(totals[c], 1)), 3) for h in hits[c]] for c in CLASSES}
    ranges = {}
    for c in CLASSES:
        values = np.array([f[c] for _, f, n in per_field if n[c] >= min_sources])
        ranges[c] = [[round(float(values[:, i].min()), 3), round(float(values[:, i].max()), 3)]
                     if values.size else [math.nan, math.nan] for i in range(len(RADII))]
    return {"pooled": pooled, "range": ranges, "n": totals, "fields": {name: f for name, f, _ in per_field}}
