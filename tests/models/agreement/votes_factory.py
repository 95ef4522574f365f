"""Random vote tables for the agreement tests: k raters of given accuracy on items of known truth."""

from __future__ import annotations

import numpy as np

from models.agreement.votes import VoteTable


def random_votes(n_items: int, n_raters: int, n_classes: int, seed: int, per_item: int | None = None,
                 accuracy: float = 0.7) -> tuple[VoteTable, np.ndarray]:
    """Each item seen by ``per_item`` raters (all when None); a vote is the truth with prob. ``accuracy``."""
    rng = np.random.default_rng(seed)
    truth = rng.integers(0, n_classes, n_items)
    triples = []
    for item in range(n_items):
        raters = rng.permutation(n_raters)[: per_item or n_raters]
        for r in raters:
            cls = truth[item] if rng.random() < accuracy else rng.integers(0, n_classes)
            triples.append((item, int(r), int(cls)))
    return VoteTable.from_triples(triples, n_items, n_raters, n_classes), truth
