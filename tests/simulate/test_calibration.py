"""Calibration against LEGUS on a small field: crowding by class within LEGUS's per-field ranges (widened by the
binomial noise of the field's few sources) and the catalogue-level separability within the real fields' range."""

from __future__ import annotations

import math

import pytest

from tests.simulate.fields import validated_field


@pytest.fixture(scope="module")
def report(tmp_path_factory: pytest.TempPathFactory) -> dict:
    return validated_field(tmp_path_factory, "calibration", seed=11)


@pytest.mark.parametrize("label", [1, 2, 3, 4])
def test_crowding_by_class_is_within_legus_ranges(report: dict, label: int) -> None:
    crowd = report["crowding"]
    n = report["classes"][label]["n_sim"]
    for radius, (sim, (lo, hi), pooled) in enumerate(zip(crowd["sim"][label], crowd["legus_range"][label],
                                                         crowd["legus"][label], strict=True)):
        noise = 2.0 * math.sqrt(max(pooled, 0.02) * (1.0 - pooled) / n)  # two binomial sigmas of n sources
        assert lo - noise <= sim <= hi + noise, (label, crowd["radii_px"][radius], sim, (lo, hi), n)


def test_compact_clusters_are_the_most_isolated_as_in_legus(report: dict) -> None:
    sim = report["crowding"]["sim"]
    assert sim[1][1] < sim[3][1] and sim[1][1] < sim[4][1]
    assert sim[1][0] < 0.06  # LEGUS pooled: 1.2% within 5 px; before calibration the simulator had 25%


def test_separability_is_within_the_real_fields_range(report: dict) -> None:
    sep = report["separability"]
    lo, hi = sep["legus_auc_binary_range"]
    assert lo <= sep["sim_auc_binary"] <= hi
