"""The probe against photometric features alone (models/labels_saved.py, models/probe_cv.py): learning curves
on the same random subsets, the labels needed to reach an accuracy both reach, and their difference."""

from __future__ import annotations

import numpy as np
import pytest

from models.labels_saved import MIN_LABELS, compare_with_features, curve_sizes
from models.probe_cv import kfold_accuracy, labels_to_reach, subset_curve


def _rows(n: int, informative: float, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """``n`` rows of 6 columns, two classes; column 0 is shifted by +-``informative`` with the class."""
    rng = np.random.default_rng(seed)
    y = np.arange(n) % 2
    x = rng.normal(size=(n, 6))
    x[:, 0] += np.where(y == 1, informative, -informative)
    return x.astype(np.float32), y


def test_labels_to_reach_interpolates_and_says_never() -> None:
    curve = [(4, 0.5), (8, 0.6), (16, 0.8)]
    assert labels_to_reach(curve, 0.5) == 4.0
    assert labels_to_reach(curve, 0.7) == pytest.approx(12.0)
    assert labels_to_reach(curve, 0.81) is None


def test_curve_sizes_leave_labels_to_score_on() -> None:
    assert curve_sizes(8) == []
    sizes = curve_sizes(100)
    assert sizes[0] == 4 and sizes[-1] == 80 and sizes == sorted(set(sizes))


def test_a_learning_curve_rises_with_labels_on_an_informative_input() -> None:
    x, y = _rows(200, 1.0, 0)
    curve = dict(subset_curve(x, y, [4, 16, 64, 160], repeats=6))
    assert curve[160] > curve[4] and curve[160] > 0.75
    noise = dict(subset_curve(_rows(200, 0.0, 1)[0], y, [4, 160], repeats=6))
    assert abs(noise[160] - 0.5) < 0.12


def test_kfold_accuracy_needs_two_rows_per_fold_and_two_classes() -> None:
    x, y = _rows(9, 2.0, 0)
    assert kfold_accuracy(x, y, folds=5) is None
    assert kfold_accuracy(x, np.zeros(9, dtype=np.int64), folds=2) is None
    acc = kfold_accuracy(*_rows(60, 3.0, 0), folds=5)
    assert acc is not None and acc > 0.9


def test_a_probe_on_a_better_input_saves_labels() -> None:
    y = _rows(120, 0.0, 0)[1]
    good = _rows(120, 1.5, 1)[0]  # the probe's embeddings separate the classes well
    weak = _rows(120, 0.35, 2)[0]  # the features barely do
    better = compare_with_features(good, weak, y)
    assert better.labels_compared == 96 and better.labels_saved is not None and better.labels_saved > 20
    assert better.features_only_accuracy is not None and better.features_only_accuracy < 0.75
    worse = compare_with_features(weak, good, y)  # the other way round, the probe costs labels
    assert worse.labels_saved is not None and worse.labels_saved < -20
    assert worse.target_accuracy == better.target_accuracy  # the same draws: the same target, mirrored
    assert worse.labels_saved == -better.labels_saved


def test_too_few_labels_give_no_curve() -> None:
    x, y = _rows(MIN_LABELS - 1, 1.0, 0)
    small = compare_with_features(x, x, y)
    assert small.labels_saved is None and small.labels_compared is None
    assert small.features_only_accuracy is not None  # the k-fold accuracy still is measured
