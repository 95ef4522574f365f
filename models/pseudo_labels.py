"""Pseudo-labels (Lee 2013): confident predictions on unlabelled sources join the training set, kept apart.

A pseudo-label is the model's opinion, not an annotator's: :func:`select_pseudo_labels` returns it in its own
:class:`PseudoLabels` record (indices, classes, confidences, the threshold used) and nothing here writes to a
human label store. Callers train on ``human + pseudo`` (pseudo with a lower sample weight) and show pseudo
sources with their own flag. The paper found pseudo-labels on top of BYOL help slightly (Figure 3, black).

:class:`PseudoLabelSchedule` moves the confidence threshold from ``start`` to ``end`` over ``rounds``
(lowering it lets more in as the model improves) and can cap the count per round, growing linearly.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

import numpy as np

from models.errors import ConfigError


@dataclass(frozen=True)
class PseudoLabels:
    """Pseudo-labelled source indices (0-based rows), their class indices and max probabilities."""

    indices: np.ndarray
    classes: np.ndarray
    confidence: np.ndarray
    threshold: float
    n_sources: int

    @property
    def mask(self) -> np.ndarray:
        """(n_sources,) bool, True where a source carries a pseudo-label: the "pseudo" flag."""
        m = np.zeros(self.n_sources, dtype=bool)
        m[self.indices] = True
        return m

    def __len__(self) -> int:
        return int(self.indices.size)

    @classmethod
    def empty(cls, n_sources: int, threshold: float = 1.0) -> PseudoLabels:
        z = np.zeros(0, dtype=np.int64)
        return cls(z, z.copy(), np.zeros(0, dtype=np.float32), threshold, n_sources)


@dataclass(frozen=True)
class PseudoLabelSchedule:
    """Threshold from ``start`` to ``end`` over ``rounds``; count cap ``max_count * (round + 1)`` if set."""

    start: float = 0.99
    end: float = 0.90
    rounds: int = 5
    max_count: int | None = None
    class_balanced: bool = False
    weight: float = 0.5

    def __post_init__(self) -> None:
        if not (0.0 < self.end <= 1.0 and 0.0 < self.start <= 1.0):
            raise ConfigError(f"pseudo-label thresholds must lie in (0, 1], got {self.start} -> {self.end}")
        if self.rounds < 1:
            raise ConfigError(f"pseudo-label schedule needs at least one round, got {self.rounds}")

    def threshold(self, round_index: int) -> float:
        """Threshold of round ``round_index`` (0-based), linear from ``start``, constant after the last."""
        t = min(max(round_index, 0), self.rounds - 1) / max(self.rounds - 1, 1)
        return self.start + (self.end - self.start) * t

    def count_cap(self, round_index: int) -> int | None:
        return None if self.max_count is None else self.max_count * (max(round_index, 0) + 1)

    def to_dict(self) -> dict:
        return asdict(self)

    @classmethod
    def from_dict(cls, d: dict) -> PseudoLabelSchedule:
        unknown = sorted(set(d) - set(cls.__dataclass_fields__))
        if unknown:  # a request's pseudo settings arrive here: name the keys, not a TypeError
            known = ", ".join(cls.__dataclass_fields__)
            raise ConfigError(f"unknown pseudo-label schedule keys {unknown}: use {known}")
        return cls(**d)


def select_pseudo_labels(
    probs: np.ndarray,
    labelled_mask: np.ndarray,
    threshold: float,
    max_count: int | None = None,
    class_balanced: bool = False,
) -> PseudoLabels:
    """Unlabelled sources whose max probability is at least ``threshold``, most confident first.

    ``max_count`` keeps only the most confident; ``class_balanced`` takes the same number from every class
    that has confident sources (the smallest such count, capped by ``max_count // classes``), so the majority
    class (non-clusters, 64 % of LEGUS) does not swamp the rest.
    """
    p = np.asarray(probs, dtype=np.float64)
    mask = np.asarray(labelled_mask, dtype=bool)
    if p.ndim != 2 or mask.shape != (p.shape[0],):
        raise ConfigError(f"probs {p.shape} and labelled_mask {mask.shape} must be (N, K) and (N,)")
    conf = p.max(axis=1)
    cls = p.argmax(axis=1)
    candidates = np.flatnonzero(~mask & (conf >= threshold))
    candidates = candidates[np.argsort(-conf[candidates], kind="stable")]
    if class_balanced and candidates.size:
        groups = [candidates[cls[candidates] == k] for k in range(p.shape[1])]
        present = [g for g in groups if g.size]
        per_class = min(g.size for g in present)
        if max_count is not None:
            per_class = min(per_class, max_count // len(present))
        chosen = np.concatenate([g[:per_class] for g in present])
        candidates = chosen[np.argsort(-conf[chosen], kind="stable")]
    elif max_count is not None:
        candidates = candidates[:max_count]
    return PseudoLabels(
        indices=candidates.astype(np.int64),
        classes=cls[candidates].astype(np.int64),
        confidence=conf[candidates].astype(np.float32),
        threshold=float(threshold),
        n_sources=p.shape[0],
    )
