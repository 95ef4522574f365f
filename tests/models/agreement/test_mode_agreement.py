"""Human-to-mode agreement as the paper defines it, confusion matrices, self-agreement and bins."""

from __future__ import annotations

import math

import numpy as np
import pytest

from models.agreement import (
    agreement_by_bins,
    confusion_matrix,
    human_to_mode_agreement,
    per_rater_confusion,
    self_agreement,
)
from models.agreement.mode_agreement import per_item_agreement
from models.agreement.votes import VoteTable, mean_class, modes
from tests.models.agreement.votes_factory import random_votes

LEGUS_BINARY = [0, 0, 1, 1]


def test_fraction_of_annotations_agreeing_with_their_mode() -> None:
    # 3/3 agree, 2 of 3, 1 of 2 (a tie: whichever class is the mode, one vote agrees), the single vote skipped
    counts = np.array([[3, 0, 0, 0], [2, 1, 0, 0], [0, 0, 1, 1], [0, 1, 0, 0]])
    assert human_to_mode_agreement(counts) == pytest.approx((3 + 2 + 1) / 8)
    assert human_to_mode_agreement(counts, min_votes=1) == pytest.approx(7 / 9)
    assert math.isnan(human_to_mode_agreement(np.zeros((2, 4), dtype=int)))


def test_binary_mapping_merges_classes_before_the_mode() -> None:
    votes = VoteTable.from_triples([(0, 0, 0), (0, 1, 1), (0, 2, 1), (1, 0, 2), (1, 1, 3), (1, 2, 0)],
                                   n_classes=4)
    assert human_to_mode_agreement(votes.counts()) == pytest.approx(3 / 6)
    binary = votes.mapped(LEGUS_BINARY, 2)
    assert binary.counts().tolist() == [[3, 0], [1, 2]]
    assert human_to_mode_agreement(binary.counts()) == pytest.approx(5 / 6)


def test_agreement_equals_a_direct_count_over_annotations() -> None:
    votes, _ = random_votes(80, 5, 4, seed=3, per_item=3)
    counts = votes.counts()
    mode, _ = modes(counts)
    direct = np.mean(votes.classes == mode[votes.items])  # every item has 3 votes
    assert human_to_mode_agreement(counts) == pytest.approx(direct)


def test_modes_mean_class_and_item_agreement() -> None:
    counts = np.array([[0, 2, 1, 0], [1, 1, 0, 0], [0, 0, 0, 0]])
    mode, tied = modes(counts)
    assert mode.tolist() == [1, 0, -1]
    assert tied.tolist() == [False, True, False]
    assert mean_class(counts)[:2] == pytest.approx([(2 * 2 + 3) / 3, 1.5])
    assert math.isnan(mean_class(counts)[2])
    assert per_item_agreement(counts)[:2] == pytest.approx([2 / 3, 0.5])


def test_confusion_rows_are_the_reference() -> None:
    m = confusion_matrix(np.array([0, 0, 1, -1]), np.array([0, 1, 1, 0]), 2)
    assert m.tolist() == [[1, 1], [0, 1]]


def test_per_rater_confusion_sums_to_the_rater_votes() -> None:
    votes, truth = random_votes(50, 4, 4, seed=5, per_item=3)
    conf = per_rater_confusion(votes, truth)
    for r in range(4):
        assert conf[r].sum() == (votes.raters == r).sum()
        mine = votes.raters == r
        assert conf[r].trace() == (votes.classes[mine] == truth[votes.items[mine]]).sum()


def test_self_agreement() -> None:
    assert self_agreement(np.array([1, 2, 3, 3]), np.array([1, 2, 4, 3])) == (0.75, 4)
    value, n = self_agreement(np.array([]), np.array([]))
    assert math.isnan(value) and n == 0


def test_agreement_by_bins() -> None:
    counts = np.array([[3, 0], [2, 1], [1, 1], [3, 0]])
    mags = np.array([20.0, 21.5, 21.9, np.nan])
    bins = agreement_by_bins(counts, mags, [19, 21, 23, 25])
    assert [b["n_items"] for b in bins] == [1, 2, 0]
    assert bins[0]["agreement"] == 1.0
    assert bins[1]["agreement"] == pytest.approx(3 / 5)
    assert math.isnan(bins[2]["agreement"])


def test_vote_table_refuses_two_votes_by_one_rater() -> None:
    with pytest.raises(ValueError, match="only one vote"):
        VoteTable.from_triples([(0, 0, 1), (0, 0, 2)])
    with pytest.raises(ValueError, match="classes must lie"):
        VoteTable.from_triples([(0, 0, 5)], n_classes=4)


def test_disagreement_reasons() -> None:
    from models.agreement.disagreement import QueueRule, disagreements

    counts = np.array([[3, 0, 0, 0], [1, 1, 1, 0], [2, 0, 0, 1], [1, 1, 0, 0], [1, 0, 0, 0], [2, 1, 0, 0]])
    mode = np.array([0, 0, 0, 0, 0, 0])
    posterior = np.array([0.99, 0.5, 0.9, 0.9, 0.9, 0.7])
    reasons = disagreements(counts, mode, posterior, QueueRule())
    assert reasons[0] == []
    assert reasons[1] == ["no_majority", "low_agreement", "mode_mean_gap", "low_posterior"]
    assert reasons[2] == ["mode_mean_gap"]  # 1, 1, 4: mean 2
    assert reasons[3] == ["no_majority", "low_agreement"]
    assert reasons[4] == []  # one vote: not judged yet
    assert reasons[5] == ["low_posterior"]


def test_quantile_edges() -> None:
    from models.agreement import quantile_edges

    values = np.array([24.0 + 0.05 * i for i in range(20)] + [np.nan])
    edges = quantile_edges(values)
    assert len(edges) == 5 and edges[0] == 24.0 and edges[-1] == pytest.approx(24.95)
    bins = agreement_by_bins(np.ones((21, 1), dtype=int) * 2, values, edges)
    assert [b["n_sources"] for b in bins] == [5, 5, 5, 5]  # the last bin is closed: the brightest counts
    assert quantile_edges(values, max_bins=10, min_per_bin=5) == edges  # at least 5 a bin
    assert len(quantile_edges(values[:7])) == 2  # too few for two bins: one
    assert quantile_edges(np.array([np.nan])) == []
    tied = quantile_edges(np.array([20.0] * 12 + [21.0] * 3))
    assert tied[0] == 20.0 and tied[-1] == 21.0 and len(tied) >= 2  # ties never straddle an edge
    one = quantile_edges(np.array([3.0] * 6))
    assert one == [3.0, 3.0] and agreement_by_bins(np.ones((6, 1), dtype=int) * 2, np.full(6, 3.0), one)[0][
        "n_sources"] == 6
