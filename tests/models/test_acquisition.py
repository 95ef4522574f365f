"""Acquisition functions on constructed cases."""

from __future__ import annotations

import numpy as np
import pytest

from models.acquisition import entropy, kmeans, margin, select
from models.errors import AcquisitionError

ALL = ["random", "entropy", "margin", "kcenter", "cluster_entropy"]


def test_entropy_and_margin_pick_the_most_uncertain() -> None:
    probs = np.array(
        [[0.97, 0.01, 0.01, 0.01], [0.25, 0.25, 0.25, 0.25], [0.5, 0.5, 0.0, 0.0], [0.7, 0.1, 0.1, 0.1]]
    )
    none = np.zeros(4, bool)
    assert select("entropy", probs, 2, none).tolist() == [1, 3]  # 0.94 nats for row 3, 0.69 for row 2
    assert select("margin", probs, 2, none).tolist() == [1, 2]  # rows 1 and 2 have a zero margin
    assert entropy(probs)[1] == pytest.approx(np.log(4))
    assert margin(probs)[2] == 0


@pytest.mark.parametrize("name", ALL)
def test_labelled_sources_are_never_picked(name: str) -> None:
    rng = np.random.default_rng(0)
    probs = rng.dirichlet(np.ones(4), 300)
    emb = rng.normal(size=(300, 8))
    labelled = np.zeros(300, bool)
    labelled[::2] = True
    picks = select(name, probs, 40, labelled, embeddings=emb, rng=1)
    assert picks.size == 40 and np.unique(picks).size == 40
    assert not labelled[picks].any()


def test_kcenter_spreads_over_clusters_where_entropy_piles_up() -> None:
    rng = np.random.default_rng(0)
    centres = np.array([[0, 0], [50, 0], [0, 50], [50, 50], [25, 100]], float)
    group = np.repeat(np.arange(5), 100)
    emb = centres[group] + rng.normal(size=(500, 2))
    probs = np.full((500, 2), 0.5)
    probs[group != 0] = [0.99, 0.01]  # only cluster 0 is uncertain
    none = np.zeros(500, bool)
    assert set(group[select("kcenter", probs, 5, none, embeddings=emb)]) == {0, 1, 2, 3, 4}
    assert set(group[select("entropy", probs, 5, none)]) == {0}
    assert len(set(group[select("cluster_entropy", probs, 5, none, embeddings=emb, rng=0)])) == 5


def test_kcenter_starts_away_from_labelled_ones() -> None:
    emb = np.array([[0.0], [1.0], [2.0], [10.0]])
    labelled = np.array([True, False, False, False])
    assert select("kcenter", np.full((4, 2), 0.5), 1, labelled, embeddings=emb).tolist() == [3]


def test_kmeans_recovers_blobs() -> None:
    rng = np.random.default_rng(0)
    truth = rng.integers(0, 3, 300)
    x = np.array([[0, 0], [20, 0], [0, 20]])[truth] + rng.normal(size=(300, 2))
    found = kmeans(x, 3, rng)
    assert all(np.unique(found[truth == t]).size == 1 for t in range(3))


@pytest.mark.parametrize("k", [1, 2, 7, 60])
def test_kmeans_seeds_as_scipy_does_at_a_fraction_of_the_cost(k: int) -> None:
    """The running-minimum k-means++ draws the same seeds as SciPy's ``kmeans2(minit="++")`` from the same
    generator (hence the same clusters and the same generator state after)."""
    from scipy.cluster.vq import kmeans2

    x = np.random.default_rng(k).normal(size=(400, 16))
    x[:3] *= 8.0  # a few outliers, which k-means++ favours
    ours, theirs = np.random.default_rng(5), np.random.default_rng(5)
    _, expected = kmeans2(x, k, iter=10, minit="++", seed=theirs, missing="warn")
    assert np.array_equal(kmeans(x, k, ours), expected)
    assert ours.uniform() == theirs.uniform()


def test_impossible_requests_are_explained() -> None:
    probs = np.full((3, 2), 0.5)
    with pytest.raises(AcquisitionError, match="only 1 are unlabelled: ask for at most 1"):
        select("entropy", probs, 2, np.array([True, True, False]))
    with pytest.raises(AcquisitionError, match="unknown acquisition strategy 'bald'"):
        select("bald", probs, 1, np.zeros(3, bool))
    with pytest.raises(AcquisitionError, match="needs embeddings"):
        select("kcenter", probs, 1, np.zeros(3, bool))
