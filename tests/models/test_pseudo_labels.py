"""Pseudo-labels: confident unlabelled sources only, schedules, class balance, kept apart."""

from __future__ import annotations

import numpy as np
import pytest

from models.errors import ConfigError
from models.pseudo_labels import PseudoLabelSchedule, select_pseudo_labels


def test_only_confident_unlabelled_sources_most_confident_first() -> None:
    probs = np.array([[0.99, 0.01], [0.6, 0.4], [0.02, 0.98], [0.995, 0.005], [0.97, 0.03]])
    labelled = np.array([False, False, False, True, False])
    pl = select_pseudo_labels(probs, labelled, threshold=0.95)
    assert pl.indices.tolist() == [0, 2, 4] and pl.classes.tolist() == [0, 1, 0]
    assert pl.mask.tolist() == [True, False, True, False, True]
    assert select_pseudo_labels(probs, labelled, 0.95, max_count=1).indices.tolist() == [0]


def test_class_balanced_takes_as_many_of_each_class() -> None:
    probs = np.array([[0.99, 0.01]] * 8 + [[0.03, 0.97]] * 2)
    pl = select_pseudo_labels(probs, np.zeros(10, bool), 0.9, class_balanced=True)
    assert np.bincount(pl.classes).tolist() == [2, 2]


def test_schedule_lowers_threshold_and_grows_count() -> None:
    s = PseudoLabelSchedule(start=0.99, end=0.9, rounds=4, max_count=10)
    assert [round(s.threshold(r), 3) for r in range(6)] == [0.99, 0.96, 0.93, 0.9, 0.9, 0.9]
    assert [s.count_cap(r) for r in range(3)] == [10, 20, 30]
    assert PseudoLabelSchedule.from_dict(s.to_dict()) == s
    with pytest.raises(ConfigError, match="thresholds must lie in"):
        PseudoLabelSchedule(start=1.5)


def test_unknown_schedule_keys_are_named() -> None:
    with pytest.raises(ConfigError, match=r"unknown pseudo-label schedule keys \['threshold'\]: use start, end"):
        PseudoLabelSchedule.from_dict({"threshold": 0.9, "rounds": 2})
