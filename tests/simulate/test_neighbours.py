"""Crowding by class and catalogue-level separability, the two new ``simulate --validate`` figures."""

from __future__ import annotations

import math

import numpy as np

from simulate.neighbours import crowding_fractions, has_neighbour
from simulate.separability import binary_auc, photometric_features


def test_a_neighbour_counts_only_when_close_and_bright_enough() -> None:
    x = np.array([0.0, 4.0, 30.0, 38.0, 100.0])
    y = np.zeros(5)
    v = np.array([20.0, 21.0, 20.0, 22.0, 20.0])  # 21 = 0.40x the flux of 20; 22 = 0.16x
    assert has_neighbour(x, y, v, 5.0).tolist() == [True, True, False, False, False]
    assert has_neighbour(x, y, v, 10.0).tolist() == [True, True, False, True, False]  # 38 sees the brighter 30
    v_nan = v.copy()
    v_nan[1] = np.nan
    assert not has_neighbour(x, y, v_nan, 5.0)[0]  # no V magnitude: not catalogued


def test_crowding_fractions_per_class() -> None:
    x = np.array([0.0, 3.0, 50.0, 90.0, 200.0, 300.0])
    y = np.zeros(6)
    v = np.full(6, 20.0)
    classes = np.array([3, 4, 1, 1, 2, 0])  # the class 0 row is catalogued but not counted
    fractions = crowding_fractions(x, y, v, classes)
    assert fractions[3] == [1.0, 1.0] and fractions[4] == [1.0, 1.0]
    assert fractions[1] == [0.0, 0.0] and fractions[2] == [0.0, 0.0]
    only = crowding_fractions(x, y, v, classes, counted=np.array([True, False, True, True, True, True]))
    assert math.isnan(only[4][0])


def test_separability_auc_rises_with_a_photometric_difference() -> None:
    rng = np.random.default_rng(0)
    n = 400
    classes = rng.integers(1, 5, n)
    mags = rng.normal(22.0, 1.0, (n, 5))
    ci = rng.normal(1.5, 0.2, n)
    assert abs(binary_auc(photometric_features(mags, ci), classes) - 0.5) < 0.1
    ci = ci + 0.4 * np.isin(classes, (3, 4))  # non-clusters more extended
    assert binary_auc(photometric_features(mags, ci), classes) > 0.8
    assert math.isnan(binary_auc(photometric_features(mags[:50], ci[:50]), classes[:50]))  # too few
