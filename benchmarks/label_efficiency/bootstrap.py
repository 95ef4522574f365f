"""Paired bootstrap intervals of the learning curve: every method is scored on the same label draws and the
same evaluation sources, and every resample picks the same draws and sources for all of them.

A curve point is a (draws x evaluation sources) boolean matrix of correct answers. One resample draws
label draws and evaluation sources with replacement (weights ``wd``, ``we``) and takes the weighted mean of
the matrix; the 2.5 and 97.5 percentiles of 1,000 resamples are the 95 % interval, which covers both the
spread over label draws (0.08 at 20 labels: why a 4-seed mean was +-8 points) and the finite evaluation set.
A method scored on fewer draws (the networks, which cost minutes each) uses the first of the shared weights,
so comparisons stay paired.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

HUMAN_AGREEMENT_BINARY = 0.872
"""LEGUS human-to-mode binary agreement (Wei et al. 2020; the paper, section 4.1: 87.2 % binary, 75.0 %
4-class), the "human level" of ``labels_to_human_level``."""
N_RESAMPLES = 1000


@dataclass
class Resamples:
    """Shared bootstrap weights: (B, max draws) over label draws, (B, E) over evaluation sources."""

    draws: np.ndarray
    sources: np.ndarray

    @classmethod
    def make(cls, n_draws: int, n_sources: int, n: int = N_RESAMPLES, seed: int = 0) -> Resamples:
        rng = np.random.default_rng(seed)
        return cls(rng.multinomial(n_draws, np.full(n_draws, 1.0 / n_draws), size=n).astype(np.float64),
                   rng.multinomial(n_sources, np.full(n_sources, 1.0 / n_sources), size=n).astype(np.float64))

    def means(self, correct: np.ndarray) -> np.ndarray:
        """(B,) resampled accuracies of a (D, E) matrix; D below the shared maximum resamples its own draws."""
        c = np.asarray(correct, dtype=np.float64)
        d = c.shape[0]
        wd = self.draws[:, :d] if d == self.draws.shape[1] else _first(self.draws, d)
        num = ((wd @ c) * self.sources).sum(axis=1)
        den = wd.sum(axis=1) * self.sources.sum(axis=1)
        return num / np.maximum(den, 1e-12)


def _first(weights: np.ndarray, d: int) -> np.ndarray:
    """Weights over the first ``d`` draws only: the columns kept, a resample left empty falls back to 1."""
    w = weights[:, :d].copy()
    empty = w.sum(axis=1) == 0
    w[empty] = 1.0
    return w


def interval(values: np.ndarray, point: float) -> dict:
    lo, hi = np.percentile(values, [2.5, 97.5])
    return {"mean": round(float(point), 4), "lo": round(float(lo), 4), "hi": round(float(hi), 4)}


def summary_row(method: str, strategy: str, n_labels: int, budget: int | str, binary: np.ndarray,
                four: np.ndarray, resamples: Resamples) -> dict:
    """One row of the report's ``summary``: mean and paired 95 % interval of each metric."""
    return {"method": method, "strategy": strategy, "n_labels": int(n_labels), "budget": budget,
            "n_draws": int(binary.shape[0]),
            "binary": interval(resamples.means(binary), float(binary.mean())),
            "4class": interval(resamples.means(four), float(four.mean()))}


def paired_difference(a: np.ndarray, b: np.ndarray, resamples: Resamples) -> dict:
    """Mean and 95 % interval of accuracy(a) - accuracy(b) on the draws both have (paired resamples)."""
    d = min(a.shape[0], b.shape[0])
    diff = resamples.means(a[:d]) - resamples.means(b[:d])
    return interval(diff, float(a[:d].mean() - b[:d].mean()))


def labels_to_level(curve: Sequence[tuple[int, float]], level: float) -> float | None:
    """Labels at which a curve of (n_labels, accuracy) first reaches ``level``, log-interpolated; None if never.

    Between the last budget below and the first at or above the level, ``log n`` is interpolated linearly
    in accuracy (a curve rising by a constant step per doubling of the labels).
    """
    points = sorted(curve)
    for i, (n, acc) in enumerate(points):
        if acc >= level:
            if i == 0:
                return float(n)
            n0, a0 = points[i - 1]
            t = (level - a0) / max(acc - a0, 1e-12)
            return round(float(np.exp(np.log(n0) + t * (np.log(n) - np.log(n0)))), 1)
    return None
