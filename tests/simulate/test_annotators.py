"""Synthetic annotators: calibrated to LEGUS's human-to-mode agreement, measured on sampled votes."""

from __future__ import annotations

import numpy as np
import pytest

from models.agreement import VoteTable, human_to_mode_agreement
from simulate.annotators import LEGUS_BINARY, calibrate, confusion_for, expected_agreement, simulate_votes

PRIOR = [0.3, 0.25, 0.25, 0.2]


@pytest.mark.parametrize("k", [3, 4, 5])
def test_calibrated_to_legus(k: int) -> None:
    panel = calibrate(PRIOR, k=k)
    assert panel.expected()["4class"] == pytest.approx(0.750, abs=1e-6)
    assert panel.expected()["binary"] == pytest.approx(0.872, abs=1e-6)
    assert panel.confusion.sum(axis=2) == pytest.approx(np.ones((k, 4)))
    assert np.all(np.diff(panel.accuracy) > 0)  # people differ: evenly spread skills


def test_sampled_votes_reach_the_target() -> None:
    panel = calibrate(PRIOR, k=3)
    rng = np.random.default_rng(0)
    truth = rng.choice(4, 6000, p=PRIOR)
    votes = VoteTable.from_triples(simulate_votes(truth, panel.confusion, rng), 6000, 3, 4)
    assert human_to_mode_agreement(votes.counts()) == pytest.approx(0.750, abs=0.01)
    assert human_to_mode_agreement(votes.mapped(LEGUS_BINARY, 2).counts()) == pytest.approx(0.872, abs=0.01)
    accuracy = [np.mean(votes.classes[votes.raters == j] == truth[votes.items[votes.raters == j]]) for j in range(3)]
    assert accuracy == pytest.approx(panel.accuracy.tolist(), abs=0.03)


def test_expected_agreement_of_perfect_and_random_annotators() -> None:
    perfect = np.stack([np.eye(4)] * 3)
    assert expected_agreement(perfect, PRIOR) == {"4class": 1.0, "binary": 1.0}
    uniform = np.full((3, 4, 4), 0.25)
    # three uniform votes: P(all differ) = 3/8 -> top 1, P(all same) = 1/16 -> 3, else 2
    assert expected_agreement(uniform, PRIOR)["4class"] == pytest.approx((3 / 8 * 1 + 9 / 16 * 2 + 1 / 16 * 3) / 3)


def test_confusion_structure() -> None:
    m = confusion_for(0.7, 0.5)
    assert m[0].tolist() == pytest.approx([0.7, 0.15, 0.075, 0.075])
    assert m[3].tolist() == pytest.approx([0.075, 0.075, 0.15, 0.7])


def test_balanced_subsets_per_source() -> None:
    panel = calibrate(PRIOR, k=5)
    votes = simulate_votes(np.zeros(101, dtype=int), panel.confusion, np.random.default_rng(1), per_source=3)
    per_rater = np.bincount([v[1] for v in votes], minlength=5)
    assert per_rater.sum() == 303 and per_rater.max() - per_rater.min() <= 1
    assert all(np.bincount([v[0] for v in votes]) == 3)
    with pytest.raises(ValueError, match="per_source"):
        simulate_votes([0], panel.confusion, np.random.default_rng(1), per_source=6)


def test_unreachable_target_is_refused() -> None:
    with pytest.raises(ValueError, match="binary agreement"):
        calibrate(PRIOR, k=3, target={"4class": 0.75, "binary": 0.76})


def test_galaxy_truth_is_the_simulators_catalogue(tmp_path) -> None:  # type: ignore[no-untyped-def]
    from collections import Counter

    from simulate import simulate
    from simulate.annotators import galaxy_truth

    classes, mags = galaxy_truth(size=512, seed=3)
    result = simulate(tmp_path / "sim", size=512, seed=3)
    assert dict(Counter(classes.tolist())) == {c: n for c, n in result.class_counts.items() if n}
    assert np.isfinite(mags[classes < 4]).all()
