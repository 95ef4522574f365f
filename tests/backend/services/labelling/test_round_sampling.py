"""Choosing and sharing out a round's sources (backend/services/labelling/round_sampling.py): GeoJSON regions
in 0-based pixels, boundary-inclusive containment, seeded samples, balanced assignment, queues with repeats."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

from backend.errors import InputError
from backend.services.labelling.round_sampling import assign, bounds, inside, queue_order, region_rings, sample

SQUARE = {"type": "Polygon", "coordinates": [[[0, 0], [10, 0], [10, 10], [0, 10], [0, 0]]]}
TRIANGLE = {"type": "Polygon", "coordinates": [[[20, 0], [30, 0], [25, 8]]]}


def test_rings_of_polygons_multipolygons_and_features() -> None:
    rings = region_rings([SQUARE, {"type": "Feature", "properties": {}, "geometry": TRIANGLE},
                          {"type": "MultiPolygon", "coordinates": [SQUARE["coordinates"], TRIANGLE["coordinates"]]}])
    assert len(rings) == 4 and rings[0].shape == (5, 2) and rings[1].shape == (3, 2)
    assert bounds(rings) == (0.0, 0.0, 30.0, 10.0)


@pytest.mark.parametrize(("regions", "message"), [
    ([], "sample.regions is empty: draw at least one polygon on the map"),
    ([{"type": "Point", "coordinates": [1, 2]}], r"sample.regions\[0\] must be a GeoJSON Polygon or MultiPolygon"),
    ([SQUARE, "not a dict"], r"sample.regions\[1\] must be a GeoJSON Polygon"),
    ([{"type": "Polygon", "coordinates": [[[0, 0], [1, "a"], [2, 2]]]}], r"sample.regions\[0\] has a ring that is not"),
    ([{"type": "Polygon", "coordinates": [[[0, 0, 0], [1, 1, 1], [2, 0, 0]]]}], "of finite numbers"),
    ([{"type": "Polygon", "coordinates": [[[0, 0], [float("nan"), 1], [2, 0]]]}], "of finite numbers"),
    ([{"type": "Polygon", "coordinates": [[[0, 0], [1, 1], [0, 0], [1, 1]]]}], "a ring needs 3 to 10000 vertices"),
    ([{"type": "Polygon", "coordinates": []}], "has a ring that is not"),
])
def test_bad_regions_say_which_and_why(regions: list[Any], message: str) -> None:
    with pytest.raises(InputError, match=message):
        region_rings(regions)


def test_inside_counts_the_boundary_and_any_ring() -> None:
    rings = region_rings([SQUARE, TRIANGLE])
    points = np.array([[5, 5], [0, 0], [10, 5], [10.01, 5], [25, 4], [25, 8.5], [15, 5], [-0.01, 0]])
    assert inside(rings, points).tolist() == [True, True, True, False, True, False, False, False]
    clockwise = region_rings([{"type": "Polygon", "coordinates": [SQUARE["coordinates"][0][::-1]]}])
    assert inside(clockwise, points).tolist()[:4] == [True, True, True, False]  # winding does not matter
    assert inside(rings, np.array([5.0, 5.0])).tolist() == [True]


def test_samples_are_seeded_distinct_and_capped() -> None:
    ids = list(range(100, 150))
    first = sample(ids, 10, np.random.default_rng(7))
    assert first == sample(ids, 10, np.random.default_rng(7)) and len(set(first)) == 10 and set(first) <= set(ids)
    assert first != sample(ids, 10, np.random.default_rng(8))
    assert sorted(sample(ids[:5], 10, np.random.default_rng(0))) == ids[:5]  # fewer than n: all, shuffled
    assert sample([], 3, np.random.default_rng(0)) == []


def test_assignment_gives_k_distinct_annotators_and_balanced_loads() -> None:
    sources, annotators = list(range(1, 11)), [101, 102, 103, 104]
    shared = assign(sources, annotators, 3, np.random.default_rng(1))
    loads = [len(v) for v in shared.values()]
    assert sum(loads) == 30 and max(loads) - min(loads) <= 1  # 10 * 3 / 4: 7 or 8 each
    for source in sources:
        holders = [a for a, got in shared.items() if source in got]
        assert len(holders) == 3
    assert all(len(set(v)) == len(v) for v in shared.values())  # nobody gets a source twice
    assert shared == assign(sources, annotators, 3, np.random.default_rng(1))
    assert assign(sources, annotators, 4, np.random.default_rng(0)) == {a: sources for a in annotators}
    with pytest.raises(InputError, match="k = 5 votes per source needs at least 5 annotators, the round has 4"):
        assign(sources, annotators, 5, np.random.default_rng(0))


def test_queues_repeat_some_sources_at_least_a_third_later() -> None:
    sources = list(range(1, 13))
    queue = queue_order(sources, 3, np.random.default_rng(2))
    firsts = [s for s, repeat in queue if not repeat]
    repeats = [s for s, repeat in queue if repeat]
    assert sorted(firsts) == sources and len(repeats) == 3 and len(set(repeats)) == 3
    for source in repeats:
        first = queue.index((source, False))
        again = queue.index((source, True))
        assert again - first >= len(sources) // 3  # enough between the two showings not to remember
    assert queue == queue_order(sources, 3, np.random.default_rng(2))
    assert [s for s, _ in queue_order(sources, 0, np.random.default_rng(2))] == firsts  # same order, no repeats
    assert queue_order([5], 2, np.random.default_rng(0)) == [(5, False)]  # one source cannot be repeated apart
    assert queue_order([], 2, np.random.default_rng(0)) == []
