"""What the probe saves against a probe on photometric features alone, measured on the labels so far.

The model panel's accuracy-versus-labels plot shows, beside the probe's cross-validated accuracy, what the
same labels give a linear probe on the photometric features astronomers classify by without the AI
(magnitudes and the concentration index), and how many labels the probe needed to match it. Both learning
curves are measured on the same random subsets of the labelled sources (each probe fitted on ``m`` labels
drawn at random, scored on the rest): the features' accuracy at the largest subset is the target, and the
number of labels saved is that subset's size minus the (interpolated) size at which the probe's own curve
reaches the target. It is a measurement in the labelled set, not an extrapolation: zero when the probe does
not beat the features, unknown (None) with too few labels to draw a curve.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from models.probe_cv import kfold_accuracy, labels_to_reach, subset_curve

MIN_LABELS = 20
"""Fewer labels than this give no curve: 4-label subsets scored on 16 say nothing."""
MAX_LABELS = 1000
"""The curves use at most this many labels (a fixed random subset): enough for the plot, bounded in time."""


@dataclass(frozen=True)
class FeatureComparison:
    features_only_accuracy: float | None  # k-fold, on the same folds as the probe's own accuracy
    labels_compared: int | None  # the largest subset size of the curves
    target_accuracy: float | None  # the lower of the two curves' ends: an accuracy both reach
    probe_labels_to_target: float | None
    features_labels_to_target: float | None
    labels_saved: int | None  # features' labels - probe's labels to the target; negative: the probe costs labels

    def metrics(self) -> dict[str, float | int | None]:
        return {"features_only_accuracy": self.features_only_accuracy, "labels_compared": self.labels_compared,
                "target_accuracy": self.target_accuracy, "probe_labels_to_target": self.probe_labels_to_target,
                "features_labels_to_target": self.features_labels_to_target, "labels_saved": self.labels_saved}


def curve_sizes(n: int, points: int = 8) -> list[int]:
    """Subset sizes from 4 to the largest that leaves a fifth (at least 5) of ``n`` labels to score on."""
    top = n - max(5, n // 5)
    if top < 4:
        return []
    return sorted({int(round(v)) for v in np.geomspace(4, top, points)})


def compare_with_features(
    probe_x: np.ndarray, features_x: np.ndarray, y: np.ndarray, folds: int = 5, seed: int = 0,
    l2: float = 1.0, class_weight: str | None = "balanced", repeats: int = 8,
) -> FeatureComparison:
    """``probe_x`` and ``features_x``: the two probes' standardised inputs of the labelled rows, ``y`` their
    class indices (in the order the probe's own cross-validation folds them)."""
    features_only = kfold_accuracy(features_x, y, folds, seed, l2, class_weight)
    n = int(y.size)
    if n < MIN_LABELS or np.unique(y).size < 2:
        return FeatureComparison(features_only, None, None, None, None, None)
    keep = np.random.default_rng(seed).permutation(n)[:MAX_LABELS]
    sizes = curve_sizes(keep.size)
    probe_curve = subset_curve(probe_x[keep], y[keep], sizes, repeats, seed, l2, class_weight)
    features_curve = subset_curve(features_x[keep], y[keep], sizes, repeats, seed, l2, class_weight)
    target = min(probe_curve[-1][1], features_curve[-1][1])
    probe_n = labels_to_reach(probe_curve, target)
    features_n = labels_to_reach(features_curve, target)
    assert probe_n is not None and features_n is not None  # each curve ends at or above the target
    return FeatureComparison(features_only, sizes[-1], round(target, 4), round(probe_n, 1), round(features_n, 1),
                             int(round(features_n - probe_n)))
