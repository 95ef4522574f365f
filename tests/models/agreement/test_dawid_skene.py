"""Dawid-Skene EM against crowd-kit's ``DawidSkene`` as an oracle on the same votes, and its behaviour."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from models.agreement import dawid_skene
from models.agreement.votes import VoteTable
from tests.models.agreement.votes_factory import random_votes

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning", "ignore::FutureWarning",
                                  "ignore:.*keyword.*deprecated")
crowdkit = pytest.importorskip("crowdkit.aggregation", reason="crowd-kit is a test dependency (pip install crowd-kit)")


def skewed_votes(seed: int, n_items: int = 120, n_raters: int = 5) -> tuple[VoteTable, np.ndarray]:
    """Raters of different skill: one near-perfect, one who calls every class 2 a 1, the rest noisy."""
    rng = np.random.default_rng(seed)
    truth = rng.choice(4, n_items, p=[0.4, 0.3, 0.2, 0.1])
    triples = []
    for item in range(n_items):
        for r in rng.permutation(n_raters)[:3]:
            t = truth[item]
            if r == 0:
                cls = t if rng.random() < 0.95 else rng.integers(0, 4)
            elif r == 1:
                cls = 0 if t == 1 else (t if rng.random() < 0.8 else rng.integers(0, 4))
            else:
                cls = t if rng.random() < 0.65 else rng.integers(0, 4)
            triples.append((item, int(r), int(cls)))
    return VoteTable.from_triples(triples, n_items, n_raters, 4), truth


def oracle(votes: VoteTable, gold: dict[int, int] | None = None):  # type: ignore[no-untyped-def]
    frame = pd.DataFrame({"task": votes.items, "worker": votes.raters, "label": votes.classes})
    true_labels = pd.Series(gold) if gold else None
    return crowdkit.DawidSkene(n_iter=100, tol=1e-5).fit(frame, true_labels=true_labels)


@pytest.mark.parametrize("seed", range(4))
def test_posteriors_and_confusions_equal_crowd_kit(seed: int) -> None:
    votes, _ = skewed_votes(seed)
    mine = dawid_skene(votes, smoothing=0.0)
    ref = oracle(votes)
    ref_post = ref.probas_.sort_index()[[0, 1, 2, 3]].to_numpy()
    assert mine.n_iter == len(ref.loss_history_)
    assert np.abs(mine.posteriors - ref_post).max() < 1e-6
    assert mine.labels.tolist() == ref.labels_.sort_index().to_numpy().tolist()
    assert mine.priors == pytest.approx(ref.priors_.sort_index().to_numpy(), abs=1e-8)
    for r in range(votes.n_raters):
        errors = ref.errors_.loc[r]  # rows: observed label, columns: true label
        for given in errors.index:
            for true in errors.columns:
                assert mine.confusion[r, true, given] == pytest.approx(errors.loc[given, true], abs=1e-6)


def test_gold_items_are_held_and_seed_the_skills() -> None:
    votes, truth = skewed_votes(11)
    gold_items = {i: int(truth[i]) for i in range(0, 120, 6)}
    gold = np.full(votes.n_items, -1)
    gold[list(gold_items)] = list(gold_items.values())
    mine = dawid_skene(votes, gold=gold, smoothing=0.0)
    ref = oracle(votes, gold_items)
    ref_post = ref.probas_.sort_index()[[0, 1, 2, 3]].to_numpy()
    assert np.abs(mine.posteriors - ref_post).max() < 1e-6
    assert (mine.labels[list(gold_items)] == list(gold_items.values())).all()


def test_skill_beats_majority_when_raters_differ() -> None:
    """The model learns that rater 0 is reliable and rater 1 merges 2 into 1: better than the vote."""
    wins = 0
    for seed in range(6):
        votes, truth = skewed_votes(100 + seed, n_items=300)
        counts = votes.counts()
        majority = counts.argmax(axis=1)
        ds = dawid_skene(votes)
        wins += (ds.labels == truth).mean() >= (majority == truth).mean()
        assert ds.confusion[0].trace() / 4 > ds.confusion[2].trace() / 4
    assert wins >= 5


def test_smoothing_keeps_every_cell_positive_and_rows_normalised() -> None:
    votes, _ = random_votes(20, 3, 4, seed=2)
    ds = dawid_skene(votes)
    assert (ds.confusion > 0).all()
    assert ds.confusion.sum(axis=2) == pytest.approx(np.ones((3, 4)))
    assert ds.posteriors.sum(axis=1) == pytest.approx(np.ones(20))
