"""Matching detections to a truth catalogue: completeness and purity, overall, per class and per magnitude.

Positions of both lists must be in the same pixel convention (here 0-based, numpy / astropy origin 0). Matching
is one-to-one: all pairs closer than ``radius`` are taken closest first (found with a ``scipy`` cKDTree), and a
detection or truth source already used is skipped, so a blend detected once counts once.

* completeness = matched truth sources / truth sources (what fraction of the real objects was found);
* purity = matched detections / detections (what fraction of the detections is a catalogued object).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import numpy as np
from scipy.spatial import cKDTree

from tiles.detect.errors import DetectionError


def _points(x: Sequence[float] | np.ndarray, y: Sequence[float] | np.ndarray, what: str) -> np.ndarray:
    xs, ys = np.asarray(x, dtype=np.float64).ravel(), np.asarray(y, dtype=np.float64).ravel()
    if xs.shape != ys.shape:
        raise DetectionError(f"{what} x and y have {xs.size} and {ys.size} values: they must pair up")
    if not (np.isfinite(xs).all() and np.isfinite(ys).all()):
        raise DetectionError(f"{what} positions contain NaN or infinite values: drop those rows before matching")
    return np.column_stack([xs, ys])


def match_pairs(det_x: Sequence[float] | np.ndarray, det_y: Sequence[float] | np.ndarray,
                truth_x: Sequence[float] | np.ndarray, truth_y: Sequence[float] | np.ndarray,
                radius: float = 2.0) -> tuple[np.ndarray, np.ndarray]:
    """One-to-one matches within ``radius`` px, closest pairs first.

    Returns ``(truth_to_det, det_to_truth)``: for each truth source the index of its detection, for each
    detection the index of its truth source, -1 where unmatched.
    """
    if not radius > 0:
        raise DetectionError(f"match radius must be positive (got {radius} px)")
    det, truth = _points(det_x, det_y, "detection"), _points(truth_x, truth_y, "truth")
    truth_to_det = np.full(len(truth), -1, dtype=np.int64)
    det_to_truth = np.full(len(det), -1, dtype=np.int64)
    if len(det) == 0 or len(truth) == 0:
        return truth_to_det, det_to_truth
    pairs = cKDTree(truth).sparse_distance_matrix(cKDTree(det), radius, output_type="ndarray")
    order = np.lexsort((pairs["j"], pairs["i"], pairs["v"]))  # by distance, ties by index: deterministic
    for t, d in zip(pairs["i"][order].tolist(), pairs["j"][order].tolist(), strict=True):
        if truth_to_det[t] < 0 and det_to_truth[d] < 0:
            truth_to_det[t], det_to_truth[d] = d, t
    return truth_to_det, det_to_truth


def _fraction(numerator: int, denominator: int) -> float | None:
    return numerator / denominator if denominator else None


def _magnitude_bins(magnitudes: np.ndarray, bins: Sequence[float] | None) -> np.ndarray:
    if bins is not None:
        edges = np.asarray(bins, dtype=np.float64)
        if edges.ndim != 1 or edges.size < 2 or np.any(np.diff(edges) <= 0):
            raise DetectionError(f"mag_bins must be at least two increasing edges (got {list(edges)})")
        return edges
    finite = magnitudes[np.isfinite(magnitudes)]
    if finite.size == 0:
        return np.zeros(0)
    return np.arange(math.floor(finite.min()), math.floor(finite.max()) + 2.0, 1.0)  # last bin holds the max


def match_to_truth(det_x: Sequence[float] | np.ndarray, det_y: Sequence[float] | np.ndarray,
                   truth_x: Sequence[float] | np.ndarray, truth_y: Sequence[float] | np.ndarray,
                   radius: float = 2.0, *, truth_class: Sequence[Any] | np.ndarray | None = None,
                   truth_mag: Sequence[float] | np.ndarray | None = None,
                   mag_bins: Sequence[float] | None = None,
                   det_mag: Sequence[float] | np.ndarray | None = None) -> dict[str, Any]:
    """Completeness and purity of detections against truth positions (same pixel convention), JSON-able.

    Always: ``n_truth``, ``n_detected``, ``n_matched``, ``completeness``, ``purity`` (None when undefined), and
    ``median_offset_px`` of the matches. With ``truth_class``: ``by_class`` {class: n_truth, n_matched,
    completeness}. With ``truth_mag``: ``by_magnitude`` (per bin ``[lo, hi)``, 1-mag bins over the data unless
    ``mag_bins`` gives edges) and ``brighter_than`` (completeness of all truth sources brighter than each upper
    edge, e.g. "92% for V < 24"); truth sources with NaN magnitude fall in no bin. With ``det_mag`` (the
    detections' measured magnitudes): ``purity_by_magnitude`` and ``purity_brighter_than`` in the same bins.
    """
    truth_to_det, det_to_truth = match_pairs(det_x, det_y, truth_x, truth_y, radius)
    matched = truth_to_det >= 0
    n_truth, n_det, n_matched = len(truth_to_det), len(det_to_truth), int(matched.sum())
    offsets = []
    if n_matched:
        det = _points(det_x, det_y, "detection")[truth_to_det[matched]]
        offsets = np.hypot(*(det - _points(truth_x, truth_y, "truth")[matched]).T).tolist()
    report: dict[str, Any] = {
        "radius_px": float(radius), "n_truth": n_truth, "n_detected": n_det, "n_matched": n_matched,
        "completeness": _fraction(n_matched, n_truth), "purity": _fraction(n_matched, n_det),
        "median_offset_px": float(np.median(offsets)) if offsets else None,
    }
    if truth_class is not None:
        classes = np.asarray(truth_class).ravel()
        if classes.size != n_truth:
            raise DetectionError(f"truth_class has {classes.size} values for {n_truth} truth sources")
        report["by_class"] = {}
        for label in sorted(set(classes.tolist())):
            members = classes == label
            count, found = int(members.sum()), int((matched & members).sum())
            report["by_class"][str(label)] = {"n_truth": count, "n_matched": found,
                                              "completeness": _fraction(found, count)}
    edges = mag_bins
    if truth_mag is not None:
        edges = _magnitude_bins(np.asarray(truth_mag, dtype=np.float64).ravel(), mag_bins).tolist()
        report["by_magnitude"], report["brighter_than"] = _binned(
            truth_mag, matched, edges, "n_truth", "completeness", "truth_mag")
    if det_mag is not None:  # in the truth's bins when there are some, so both read side by side
        report["purity_by_magnitude"], report["purity_brighter_than"] = _binned(
            det_mag, det_to_truth >= 0, edges, "n_detected", "purity", "det_mag")
    return report


def _binned(values: Sequence[float] | np.ndarray, matched: np.ndarray, bins: Sequence[float] | None, count_key: str,
            fraction_key: str, what: str) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """Matched fraction of ``values`` per magnitude bin ``[lo, hi)`` and cumulatively below each upper edge."""
    mags = np.asarray(values, dtype=np.float64).ravel()
    if mags.size != matched.size:
        raise DetectionError(f"{what} has {mags.size} values for {matched.size} sources")
    edges = _magnitude_bins(mags, bins) if bins is None or len(bins) else np.zeros(0)
    per_bin, cumulative = [], []
    for lo, hi in zip(edges[:-1].tolist(), edges[1:].tolist(), strict=True):
        members = (mags >= lo) & (mags < hi)
        count, found = int(members.sum()), int((matched & members).sum())
        per_bin.append({"mag_min": lo, "mag_max": hi, count_key: count, "n_matched": found,
                        fraction_key: _fraction(found, count)})
        brighter = mags < hi
        count, found = int(brighter.sum()), int((matched & brighter).sum())
        cumulative.append({"mag_max": hi, count_key: count, "n_matched": found, fraction_key: _fraction(found, count)})
    return per_bin, cumulative
