"""The paper's human-to-mode agreement and the tables around it.

Perez et al. (section 4): "the fraction of annotations that agree with the final classification (mode) from
all the annotators" -- 75.0% four-class and 87.2% binary over LEGUS, 93.3% over the NGC 4449 rounds. Per
item that is ``max_j c_ij`` agreeing votes out of ``n_i``, whichever tied class is called the mode, so the
figure does not depend on the tie rule. Items with a single vote agree with themselves by definition and
are left out (``min_votes``, default 2); LEGUS had at least 3 votes on every source.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from models.agreement.votes import VoteTable


def human_to_mode_agreement(counts: np.ndarray, min_votes: int = 2) -> float:
    """Agreeing votes over all votes, on items with at least ``min_votes`` votes; NaN if there are none."""
    c = np.asarray(counts)
    n = c.sum(axis=1)
    keep = n >= min_votes
    if not keep.any():
        return float("nan")
    return float(c[keep].max(axis=1).sum() / n[keep].sum())


def per_item_agreement(counts: np.ndarray) -> np.ndarray:
    """Each item's share of votes for its mode (NaN with no votes): the disagreement queue's measure."""
    c = np.asarray(counts, dtype=np.float64)
    n = c.sum(axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        return c.max(axis=1) / np.where(n > 0, n, np.nan)


def confusion_matrix(reference: np.ndarray, given: np.ndarray, n_classes: int) -> np.ndarray:
    """``(n_classes, n_classes)`` counts, rows the reference class, columns the class given; ``-1`` skipped."""
    reference, given = np.asarray(reference, dtype=np.int64), np.asarray(given, dtype=np.int64)
    keep = (reference >= 0) & (given >= 0)
    out = np.zeros((n_classes, n_classes), dtype=np.int64)
    np.add.at(out, (reference[keep], given[keep]), 1)
    return out


def per_rater_confusion(votes: VoteTable, reference: np.ndarray) -> np.ndarray:
    """``(n_raters, K, K)``: each rater's votes against a reference class per item (``-1`` = none)."""
    reference = np.asarray(reference, dtype=np.int64)
    out = np.zeros((votes.n_raters, votes.n_classes, votes.n_classes), dtype=np.int64)
    ref = reference[votes.items]
    keep = ref >= 0
    np.add.at(out, (votes.raters[keep], ref[keep], votes.classes[keep]), 1)
    return out


def self_agreement(first: np.ndarray, repeat: np.ndarray) -> tuple[float, int]:
    """``(fraction, n)``: how often a rater gave a repeated item the class they gave it the first time."""
    first, repeat = np.asarray(first), np.asarray(repeat)
    if first.size == 0:
        return float("nan"), 0
    return float((first == repeat).mean()), int(first.size)


def quantile_edges(values: np.ndarray, max_bins: int = 5, min_per_bin: int = 5) -> list[float]:
    """Bin edges at quantiles of the finite ``values``: up to ``max_bins`` bins of about equal counts, as
    many as leave about ``min_per_bin`` items in each (one bin for fewer). The bins are ``[lo, hi)`` and the
    last ``[lo, hi]`` (:func:`agreement_by_bins`), so tied values never straddle an edge (a heavily tied
    value can leave fewer, unequal bins). ``[]`` when no value is finite."""
    v = np.asarray(values, dtype=np.float64)
    v = v[np.isfinite(v)]
    if v.size == 0:
        return []
    lo, hi = float(v.min()), float(v.max())
    n_bins = max(1, min(max_bins, v.size // max(1, min_per_bin)))
    inner = np.quantile(v, np.arange(1, n_bins) / n_bins) if n_bins > 1 else np.zeros(0)
    return [lo, *sorted({float(e) for e in inner if lo < e < hi}), hi]


def agreement_by_bins(counts: np.ndarray, values: np.ndarray, edges: Sequence[float],
                      min_votes: int = 2) -> list[dict[str, float | int | None]]:
    """Human-to-mode agreement per bin ``[edges[i], edges[i+1])`` of a per-item value (magnitude, CI); the
    last bin is closed (``[lo, hi]``), so edges from :func:`quantile_edges` hold every item.

    Whitmore et al. (2021) show agreement falling towards faint magnitudes; items whose value is NaN (no
    photometry) fall in no bin. Each bin: ``{lo, hi, n_sources (every item in it), n_items (those with
    min_votes), n_votes, agreement}``.
    """
    c = np.asarray(counts)
    v = np.asarray(values, dtype=np.float64)
    n = c.sum(axis=1)
    out: list[dict[str, float | int | None]] = []
    pairs = list(zip(edges[:-1], edges[1:], strict=True))
    for i, (lo, hi) in enumerate(pairs):
        within = (v >= lo) & ((v < hi) | ((v == hi) if i == len(pairs) - 1 else False))
        inside = within & (n >= min_votes)
        agreement = human_to_mode_agreement(c[inside], min_votes) if inside.any() else float("nan")
        out.append({"lo": float(lo), "hi": float(hi), "n_sources": int(within.sum()), "n_items": int(inside.sum()),
                    "n_votes": int(n[inside].sum()), "agreement": agreement})
    return out
