"""The tuned probe: L2 chosen by cross-validation on the labelled set, binary and 4-class heads.

With a good representation a binary probe whose L2 is picked by cross-validation adds about 4 points at 20
labels over a 4-class probe at a fixed L2 whose argmax is merged (issue 11). The grid runs from a strong to
a weak penalty, each fit warm-started from the previous one; the held-out score is the mean log-loss
(smoother than accuracy on 4 held-out sources per fold), ties going to the stronger penalty. Folds are
stratified; with too few labels of a class to hold one out, the middle of the grid is used.

Inputs must be standardised on *all* sources (labelled or not, :class:`models.features.FeatureScaler`),
never on the labelled rows alone: 20 rows give noisy, sometimes zero, standard deviations.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from models.probe import LinearProbe

L2_GRID: tuple[float, ...] = (1000.0, 250.0, 60.0, 15.0, 4.0, 1.0)
"""Penalties in the probe's units (``l2 / 2 ||W||^2`` against the summed log-loss), strong to weak. On
256-d standardised embeddings the choice was at or near 100 from 20 to 1,600 labels when the grid stopped
at 100, so it reaches 1000."""
CLUSTER_CLASSES = (1, 2)


def stratified_folds(y: np.ndarray, k: int, rng: np.random.Generator) -> np.ndarray:
    """Fold index 0..k-1 per row, each class dealt round-robin over the folds in random order."""
    fold = np.empty(y.size, dtype=np.int64)
    offset = 0
    for value in np.unique(y):
        members = rng.permutation(np.flatnonzero(y == value))
        fold[members] = (np.arange(members.size) + offset) % k
        offset += members.size
    return fold


def cv_log_loss(
    x: np.ndarray, y: np.ndarray, n_classes: int, grid: Sequence[float], k: int, rng: np.random.Generator,
    class_weight: str | None = None,
) -> np.ndarray:
    """Mean held-out log-loss per grid value (k stratified folds)."""
    fold = stratified_folds(y, k, rng)
    losses = np.zeros(len(grid))
    for f in range(k):
        held = fold == f
        probe = LinearProbe(n_classes, class_weight=class_weight, max_iter=60)
        for i, l2 in enumerate(grid):
            probe.l2 = float(l2)
            probe.fit(x[~held], y[~held])  # warm start along the path
            p = probe.predict_proba(x[held])[np.arange(int(held.sum())), y[held]]
            losses[i] += float(-np.log(np.clip(p, 1e-6, 1.0)).sum())
    return losses / y.size


def choose_l2(
    x: np.ndarray, y: np.ndarray, n_classes: int, grid: Sequence[float] = L2_GRID, folds: int = 3,
    seed: int = 0, class_weight: str | None = None,
) -> float:
    """The grid's L2 with the lowest cross-validated log-loss (the middle value when CV is impossible)."""
    present = np.unique(y).size
    k = int(min(folds, y.size // 2)) if present >= 2 else 0  # a rare class sits in some folds only
    if k < 2:
        return float(grid[len(grid) // 2])
    losses = cv_log_loss(x, y, n_classes, grid, k, np.random.default_rng(seed), class_weight)
    return float(grid[int(np.argmin(np.round(losses, 6)))])  # argmin: first (strongest) of equal losses


@dataclass
class TunedProbe:
    """A binary (cluster = classes 1, 2) and a 4-class head, each with its own cross-validated L2.

    ``classes`` are the class values of the 4-class head's columns (LEGUS 1..4).
    """

    classes: tuple = (1, 2, 3, 4)
    grid: tuple[float, ...] = L2_GRID
    folds: int = 3
    class_weight: str | None = None
    seed: int = 0
    four: LinearProbe | None = None
    binary: LinearProbe | None = None

    def fit(self, x: np.ndarray, y: np.ndarray) -> TunedProbe:
        """Fit on standardised ``x`` (N, D) and class *values* ``y`` (from ``classes``)."""
        index = {c: i for i, c in enumerate(self.classes)}
        yi = np.array([index[v] for v in np.asarray(y).tolist()], dtype=np.int64)
        yb = np.isin(np.asarray(y), CLUSTER_CLASSES).astype(np.int64)
        k = len(self.classes)
        l2_four = choose_l2(x, yi, k, self.grid, self.folds, self.seed, self.class_weight)
        l2_bin = choose_l2(x, yb, 2, self.grid, self.folds, self.seed, self.class_weight)
        self.four = LinearProbe(k, l2_four, class_weight=self.class_weight).fit(x, yi)
        self.binary = LinearProbe(2, l2_bin, class_weight=self.class_weight).fit(x, yb)
        return self

    def predict(self, x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(class values of the 4-class head, bool *cluster* of the binary head) per row."""
        if self.four is None or self.binary is None:
            raise ValueError("fit the probe first")
        classes = np.asarray(self.classes)[self.four.predict(x)]
        return classes, self.binary.predict(x) == 1

    def predict_proba(self, x: np.ndarray) -> np.ndarray:
        """(N, K) probabilities of the 4-class head (for acquisition)."""
        if self.four is None:
            raise ValueError("fit the probe first")
        return self.four.predict_proba(x)


def kfold_accuracy(
    x: np.ndarray, y: np.ndarray, folds: int = 5, seed: int = 0, l2: float = 1.0,
    class_weight: str | None = "balanced", max_iter: int = 100, max_rows: int | None = None,
    warm: LinearProbe | None = None,
) -> float | None:
    """Mean accuracy over ``folds`` folds (a fixed shuffle by ``seed`` of at most ``max_rows`` rows), each
    fold's probe fitted on the others; None with fewer than ``2 * folds`` rows or a single class. ``y``: class
    indices. Folds are fitted over the classes present only (an absent class only slows L-BFGS down) and, with a
    fitted ``warm`` probe over all classes, warm-started from it: the objective is convex, so each fold still
    reaches its own optimum."""
    present, y_present = np.unique(np.asarray(y), return_inverse=True)
    if y_present.size < 2 * folds or present.size < 2:
        return None
    order = np.random.default_rng(seed).permutation(y_present.size)[:max_rows]
    parts = np.array_split(order, folds)
    correct = 0
    for k, test in enumerate(parts):
        train = np.concatenate([f for j, f in enumerate(parts) if j != k])
        probe = LinearProbe(present.size, l2, class_weight, max_iter)
        if warm is not None and warm.weight is not None and warm.bias is not None:
            probe.weight = warm.weight[:, present].copy()
            probe.bias = warm.bias[present].copy()
        probe.fit(x[train], y_present[train])
        correct += int((probe.predict(x[test]) == y_present[test]).sum())
    return correct / sum(f.size for f in parts)


def subset_curve(
    x: np.ndarray, y: np.ndarray, sizes: Sequence[int], repeats: int = 8, seed: int = 0, l2: float = 1.0,
    class_weight: str | None = "balanced", max_iter: int = 60,
) -> list[tuple[int, float]]:
    """Learning curve over random subsets of the labelled rows: for each size ``m`` (fewer than the rows),
    the mean accuracy over ``repeats`` draws of a probe fitted on ``m`` rows drawn at random and scored on
    the rest. Every probe compared with this function sees the same draws (the same ``seed``). Draws with a
    single class are fitted as the constant predictor of that class."""
    y = np.asarray(y)
    present, yi = np.unique(y, return_inverse=True)
    rng = np.random.default_rng(seed)
    draws = {m: [rng.permutation(yi.size) for _ in range(repeats)] for m in sizes if 0 < m < yi.size}
    curve = []
    for m, orders in draws.items():
        scores = []
        for order in orders:
            train, test = order[:m], order[m:]
            classes = np.unique(yi[train])
            if classes.size < 2:
                scores.append(float((yi[test] == classes[0]).mean()))
                continue
            remap = np.searchsorted(classes, yi[train])
            probe = LinearProbe(classes.size, l2, class_weight, max_iter).fit(x[train], remap)
            scores.append(float((classes[probe.predict(x[test])] == yi[test]).mean()))
        curve.append((int(m), float(np.mean(scores))))
    return curve


def labels_to_reach(curve: Sequence[tuple[int, float]], target: float) -> float | None:
    """The smallest number of labels at which a learning curve (sorted by size) reaches ``target``, linearly
    interpolated between measured sizes; None when it never does."""
    previous: tuple[int, float] | None = None
    for m, acc in sorted(curve):
        if acc >= target:
            if previous is None or acc == previous[1]:
                return float(m)
            m0, a0 = previous
            return float(m0 + (target - a0) / (acc - a0) * (m - m0))
        previous = (m, acc)
    return None
