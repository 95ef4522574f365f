"""Classes follow what is rendered: a compact cluster with light on it looks asymmetric, several peaks an
association; the thresholds are what the simulator's class 2 clusters look like."""

from __future__ import annotations

import numpy as np

from simulate.appearance import MAX_OFFSET_PX, ROUND_AXIS_RATIO, rendered_shape, revise_classes
from simulate.priors import load_priors
from simulate.sources import asymmetric_clusters, compact_clusters


def _clusters(n: int, label: int, seed: int = 0) -> list:
    rng = np.random.default_rng(seed)
    xy = rng.uniform(100.0, 200.0, (n, 2))
    make = compact_clusters if label == 1 else asymmetric_clusters
    return make(xy, load_priors().classes[label], 29.5, rng)


def test_an_isolated_compact_cluster_looks_round() -> None:
    for source in _clusters(20, 1):
        q, offset = rendered_shape(source)
        assert q > 0.99 and offset < 0.01


def test_thresholds_are_the_median_look_of_class_2() -> None:
    shapes = np.array([rendered_shape(s) for s in _clusters(300, 2, seed=3)])
    assert abs(np.median(shapes[:, 0]) - ROUND_AXIS_RATIO) < 0.02
    assert abs(np.median(shapes[:, 1]) - MAX_OFFSET_PX) < 0.04


def test_a_bright_neighbour_on_a_compact_cluster_makes_it_class_2_two_make_it_class_3() -> None:
    main, lump, far, peak_a, peak_b, lone = _clusters(6, 1, seed=5)
    for s, (x, y) in zip((main, lump, far, peak_a, peak_b, lone), [(50, 50), (52, 50.5), (58, 50), (150, 150),
                                                                    (80, 80), (300, 300)], strict=True):
        s.x, s.y = float(x), float(y)
    flux = np.ones(6)
    revise = [main, lump, far, lone]
    changed = revise_classes(revise, flux[:4])
    assert main.label == 2 and lone.label == 1 and changed["lopsided"] >= 1
    cluster, a, b = _clusters(3, 1, seed=6)
    cluster.x, cluster.y, a.x, a.y, b.x, b.y = 10.0, 10.0, 13.0, 10.0, 10.0, 13.5
    changed = revise_classes([cluster, a, b], np.array([1.0, 0.5, 0.5]))
    assert cluster.label == 3 and changed["several_peaks"] >= 1
