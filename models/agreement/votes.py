"""The vote table: who gave which class to which item, integer-coded.

An *item* is a source, a *rater* an annotator, a *class* an index into the scheme's class list. Each
(item, rater) pair holds at most one vote: the rater's current one (the backend resolves superseded labels
and retractions before building a table). Items and raters are indices ``0..n-1``; the caller keeps the map
from its own ids.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class VoteTable:
    """Votes as three aligned integer arrays, plus the sizes of the three index spaces."""

    items: np.ndarray
    raters: np.ndarray
    classes: np.ndarray
    n_items: int
    n_raters: int
    n_classes: int

    def __post_init__(self) -> None:
        if not (self.items.shape == self.raters.shape == self.classes.shape) or self.items.ndim != 1:
            raise ValueError("items, raters and classes must be 1-D arrays of one length")
        for name, values, size in (("items", self.items, self.n_items), ("raters", self.raters, self.n_raters),
                                   ("classes", self.classes, self.n_classes)):
            if values.size and (values.min() < 0 or values.max() >= size):
                raise ValueError(f"{name} must lie in 0..{size - 1}")
        pairs = self.items.astype(np.int64) * max(self.n_raters, 1) + self.raters
        if np.unique(pairs).size != pairs.size:
            raise ValueError("a rater may give an item only one vote (resolve superseded labels first)")

    @classmethod
    def from_triples(cls, triples: Sequence[tuple[int, int, int]], n_items: int | None = None,
                     n_raters: int | None = None, n_classes: int | None = None) -> VoteTable:
        """From ``(item, rater, class)`` triples; sizes default to one more than the largest index."""
        arr = np.asarray(list(triples), dtype=np.int64).reshape(-1, 3)
        items, raters, classes = arr[:, 0].copy(), arr[:, 1].copy(), arr[:, 2].copy()

        def size(given: int | None, values: np.ndarray) -> int:
            return given if given is not None else (int(values.max()) + 1 if values.size else 0)

        return cls(items, raters, classes, size(n_items, items), size(n_raters, raters), size(n_classes, classes))

    @property
    def n_votes(self) -> int:
        return int(self.items.size)

    def counts(self) -> np.ndarray:
        """``(n_items, n_classes)`` matrix: how many raters gave each item each class."""
        out = np.zeros((self.n_items, self.n_classes), dtype=np.int64)
        np.add.at(out, (self.items, self.classes), 1)
        return out

    def matrix(self) -> np.ndarray:
        """``(n_raters, n_items)`` float matrix of class indices, NaN where a rater did not vote."""
        out = np.full((self.n_raters, self.n_items), np.nan)
        out[self.raters, self.items] = self.classes
        return out

    def mapped(self, mapping: Sequence[int], n_classes: int) -> VoteTable:
        """The same votes with each class ``c`` replaced by ``mapping[c]`` (e.g. LEGUS 1,2 -> cluster)."""
        lookup = np.asarray(mapping, dtype=np.int64)
        return VoteTable(self.items, self.raters, lookup[self.classes], self.n_items, self.n_raters, n_classes)

    def subset(self, keep_items: np.ndarray) -> VoteTable:
        """Only the votes on items where ``keep_items`` (a boolean mask over items) is true."""
        mask = np.asarray(keep_items, dtype=bool)[self.items]
        return VoteTable(self.items[mask], self.raters[mask], self.classes[mask], self.n_items, self.n_raters,
                         self.n_classes)


def modes(counts: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Per item: the smallest most-voted class (``-1`` with no votes) and whether the top was tied.

    The lowest class index wins a tie only so that this pure function is deterministic; the app gives a tie
    no consensus (``backend.catalogues.votes``) and passes its modes in where they matter.
    """
    counts = np.asarray(counts)
    top = counts.max(axis=1) if counts.size else np.zeros(counts.shape[0], dtype=np.int64)
    mode = np.where(top > 0, counts.argmax(axis=1) if counts.size else -1, -1)
    tied = (counts == top[:, None]).sum(axis=1) > 1
    return mode.astype(np.int64), tied & (top > 0)


def mean_class(counts: np.ndarray) -> np.ndarray:
    """Per item: the mean class number (1-based, as LEGUS's ``class_mean``); NaN with no votes."""
    counts = np.asarray(counts, dtype=np.float64)
    n = counts.sum(axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        return (counts @ np.arange(1, counts.shape[1] + 1)) / np.where(n > 0, n, np.nan)
