"""Label-efficiency pieces: accuracies and the strategies, on a real LEGUS catalogue and tiny cutouts."""

from __future__ import annotations

import numpy as np
import pytest

from models.embed import embed
from models.encoders import build_encoder
from models.errors import ConfigError, LabelError
from models.evaluate import STRATEGIES, BenchmarkData, accuracy_4class, accuracy_binary, label_efficiency
from models.features import mask_missing
from tests.conftest import shared_file
from tests.models.synthetic import blobs, tiny_resnet

KEYS = {"strategy", "n_labels", "seed", "accuracy_binary", "accuracy_4class"}


def test_accuracies() -> None:
    true = np.array([1, 2, 3, 4])
    assert accuracy_4class(np.array([1, 2, 3, 4]), true) == 1.0
    assert accuracy_4class(np.array([2, 1, 4, 3]), true) == 0.0
    assert accuracy_binary(np.array([2, 1, 4, 3]), true) == 1.0  # right side of cluster / non-cluster
    assert accuracy_binary(np.array([3, 1, 1, 3]), true) == 0.5


@pytest.fixture(scope="module")
def legus() -> BenchmarkData:
    """NGC 628-E: standard 35-column layout, visual class (mode) in 1-based column 34."""
    path = shared_file("legus/hlsp_legus_hst_acs-wfc3_ngc628-e_multiband_v1_padagb-mwext-avgapcor.tab")
    table = np.loadtxt(path)
    table = table[np.isin(table[:, 33], [1, 2, 3, 4])]
    mags = mask_missing(table[:, [5, 7, 9, 11, 13]])
    features = np.c_[mags, mags[:, :-1] - mags[:, 1:], table[:, 15]]  # magnitudes, colours, CI
    order = np.random.default_rng(0).permutation(len(table))
    return BenchmarkData(labels=table[:, 33].astype(int), train=order[100:], evaluation=order[:100],
                         features=features)


def test_catalogue_features_alone(legus: BenchmarkData) -> None:
    options = {"epochs": 2, "min_steps": 20}
    rows = label_efficiency(legus, budgets=(20, 100, "all"), seeds=(0,), finetune_options=options)
    assert all(set(r) == KEYS for r in rows)
    assert [(r["strategy"], r["n_labels"]) for r in rows[:3]] == [("scratch", 20), ("scratch", 100),
                                                                  ("scratch", legus.train.size)]
    assert len(rows) == 4 * 3
    probe_all = next(r for r in rows if r["strategy"] == "byol_probe" and r["n_labels"] == legus.train.size)
    majority = np.isin(legus.labels[legus.evaluation], [3, 4]).mean()
    assert probe_all["accuracy_binary"] > max(majority, 1 - majority)  # colours and CI carry information


def test_image_strategies_with_a_tiny_encoder() -> None:
    x, y = blobs(120, seed=2)
    encoder = build_encoder(tiny_resnet())
    data = BenchmarkData(labels=y + 1, train=np.arange(80), evaluation=np.arange(80, 120), classes=(1, 2),
                         cutouts=x, embeddings=embed(encoder, x, device="cpu"))
    rows = label_efficiency(data, budgets=(10, 40), seeds=(0, 1), scratch_encoder=tiny_resnet(),
                            finetune_options={"min_steps": 5})
    assert len(rows) == 4 * 2 * 2
    assert {r["strategy"] for r in rows} == set(STRATEGIES)
    assert all(0.0 <= r["accuracy_4class"] <= 1.0 for r in rows)


def test_bad_requests_are_explained(legus: BenchmarkData) -> None:
    with pytest.raises(ConfigError, match="unknown strategies \\['supervised'\\]"):
        label_efficiency(legus, strategies=["supervised"])
    bad = BenchmarkData(labels=np.array([0, 1, 2]), train=np.array([0, 1]), evaluation=np.array([2]),
                        features=np.zeros((3, 2)))
    with pytest.raises(LabelError, match="labels \\[0\\] are not among the classes"):
        label_efficiency(bad)
    with pytest.warns(UserWarning, match="exceed the training pool"):
        label_efficiency(legus, strategies=["byol_probe"], budgets=(20, 100_000), seeds=(0,))
