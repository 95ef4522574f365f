"""The coefficients equal the reference implementations on the same votes (statsmodels, krippendorff,
scikit-learn), including missing votes, unequal votes per item and the undefined cases."""

from __future__ import annotations

import math

import krippendorff
import numpy as np
import pytest
from sklearn.metrics import cohen_kappa_score
from statsmodels.stats.inter_rater import fleiss_kappa as sm_fleiss_kappa

from models.agreement import cohen_kappa, fleiss_kappa, krippendorff_alpha, pairwise_cohen_kappa
from models.agreement.votes import VoteTable
from tests.models.agreement.votes_factory import random_votes


@pytest.mark.parametrize("seed", range(5))
@pytest.mark.parametrize("n_classes", [2, 4])
def test_fleiss_equals_statsmodels(seed: int, n_classes: int) -> None:
    votes, _ = random_votes(40, 3 + seed % 3, n_classes, seed)
    counts = votes.counts()
    assert fleiss_kappa(counts) == pytest.approx(sm_fleiss_kappa(counts, method="fleiss"), abs=1e-12)


def test_fleiss_with_unequal_votes_uses_the_general_form() -> None:
    counts = np.array([[3, 0, 0], [1, 1, 0], [0, 2, 2], [1, 0, 0]])  # the last item (1 vote) is skipped
    kept = counts[:3]
    n = kept.sum(1)
    p_bar = (((kept**2).sum(1) - n) / (n * (n - 1))).mean()
    p_j = kept.sum(0) / n.sum()
    expected = (p_bar - (p_j**2).sum()) / (1 - (p_j**2).sum())
    assert fleiss_kappa(counts) == pytest.approx(expected)


@pytest.mark.parametrize("seed", range(5))
@pytest.mark.parametrize("per_item", [None, 3])
def test_krippendorff_equals_the_package(seed: int, per_item: int | None) -> None:
    votes, _ = random_votes(50, 5, 4, seed, per_item=per_item)
    expected = krippendorff.alpha(reliability_data=votes.matrix(), level_of_measurement="nominal")
    assert krippendorff_alpha(votes.counts()) == pytest.approx(expected, abs=1e-12)


def test_krippendorff_skips_unpairable_items() -> None:
    votes = VoteTable.from_triples([(0, 0, 1), (0, 1, 1), (1, 0, 0), (1, 1, 1), (2, 2, 0), (3, 0, 0), (3, 1, 0)])
    expected = krippendorff.alpha(reliability_data=votes.matrix(), level_of_measurement="nominal")
    assert krippendorff_alpha(votes.counts()) == pytest.approx(expected)


@pytest.mark.parametrize("seed", range(5))
def test_cohen_equals_scikit_learn(seed: int) -> None:
    rng = np.random.default_rng(seed)
    a = rng.integers(0, 4, 60)
    b = np.where(rng.random(60) < 0.6, a, rng.integers(0, 4, 60))
    assert cohen_kappa(a, b, 4) == pytest.approx(cohen_kappa_score(a, b), abs=1e-12)


def test_pairwise_cohen_on_shared_items_only() -> None:
    votes, _ = random_votes(60, 4, 4, seed=7, per_item=3)
    matrix = votes.matrix()
    table = pairwise_cohen_kappa(votes)
    assert len(table) == 6
    for row in table:
        both = ~np.isnan(matrix[row["a"]]) & ~np.isnan(matrix[row["b"]])
        assert row["n"] == both.sum()
        assert row["kappa"] == pytest.approx(cohen_kappa_score(matrix[row["a"], both], matrix[row["b"], both]))


def test_undefined_cases_are_nan() -> None:
    unanimous = np.array([[3, 0], [3, 0]])
    assert math.isnan(fleiss_kappa(unanimous))
    assert math.isnan(krippendorff_alpha(unanimous))
    assert math.isnan(fleiss_kappa(np.array([[1, 0], [0, 1]])))
    assert math.isnan(cohen_kappa(np.array([1]), np.array([1]), 2))
    assert math.isnan(cohen_kappa(np.array([1, 1]), np.array([1, 1]), 2))


def test_perfect_agreement_is_one_and_disagreement_below_zero() -> None:
    perfect = np.array([[3, 0, 0], [0, 3, 0], [0, 0, 3]])
    assert fleiss_kappa(perfect) == pytest.approx(1.0)
    assert krippendorff_alpha(perfect) == pytest.approx(1.0)
    split = np.array([[1, 1], [1, 1], [1, 1]])
    assert fleiss_kappa(split) < 0
    assert krippendorff_alpha(split) < 0
