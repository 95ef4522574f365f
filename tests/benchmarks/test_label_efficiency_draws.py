"""Label draws, acquisition, paired bootstrap intervals, labels to human level, the encoder cache."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import torch

from benchmarks.label_efficiency.bootstrap import Resamples, labels_to_level, paired_difference, summary_row
from benchmarks.label_efficiency.draws import acquire, draw_order, probe_curves
from benchmarks.label_efficiency.encoder_cache import cached_encoder, config_hash
from benchmarks.label_efficiency.report import build_summary, human_level
from models.encoders import build_encoder


def _separable(n: int = 400, d: int = 8, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    y = rng.integers(1, 5, n)
    x = rng.normal(size=(n, d))
    x[:, :4] += 3.0 * np.eye(4)[y - 1]
    return ((x - x.mean(0)) / x.std(0)).astype(np.float32), y


def test_draws_are_nested_permutations_shared_by_every_method() -> None:
    pool = np.arange(10, 60)
    a, b = draw_order(pool, 3), draw_order(pool, 3)
    assert np.array_equal(a, b) and sorted(a.tolist()) == pool.tolist()
    assert not np.array_equal(a, draw_order(pool, 4))


def test_probe_curves_shape_and_all_scored_once() -> None:
    x, y = _separable()
    pool, ev = np.arange(300), np.arange(300, 400)
    curves = probe_curves(x, y, pool, ev, [20, 300], 4, ("random", "entropy", "pseudo_labels"))
    assert curves[("random", 20)][0].shape == (4, 100) and curves[("random", 300)][0].shape == (1, 100)
    assert ("entropy", 300) not in curves and ("entropy", 20) in curves  # "all" is the same for every strategy
    assert curves[("random", 300)][1].mean() > 0.8 > 0.4 > 0.25  # a separable toy is learnt


@pytest.mark.parametrize("strategy", ["entropy", "cluster_entropy", "kcenter"])
def test_acquisition_picks_distinct_pool_sources_up_to_the_budget(strategy: str) -> None:
    x, y = _separable()
    pool = np.arange(50, 350)
    order = draw_order(pool, 0)
    picked = acquire(strategy, x, y, pool, order, [20, 50], 0)
    assert picked.size == 50 and np.unique(picked).size == 50 and np.isin(picked, pool).all()
    assert np.array_equal(np.sort(picked[:10]), np.sort(order[:10]))  # starts from the draw's random half


@pytest.mark.parametrize("strategy", ["entropy", "cluster_entropy", "kcenter"])
def test_one_walk_serves_every_budget(strategy: str) -> None:
    """The picks towards a larger budget begin with exactly the picks of a run that stops at a smaller one,
    so the benchmark walks once per draw and slices."""
    x, y = _separable()
    pool = np.arange(50, 350)
    order = draw_order(pool, 3)
    short = acquire(strategy, x, y, pool, order, [20, 50], 3)
    long = acquire(strategy, x, y, pool, order, [20, 50, 100], 3)
    assert long.size == 100 and np.array_equal(long[:50], short)
    with pytest.raises(ValueError, match="must lie in 1..300"):
        acquire(strategy, x, y, pool, order, [20, 301], 3)


def test_entropy_asks_the_binary_question_unless_told_otherwise(monkeypatch) -> None:
    """The acquisition probe answers cluster or not (the paper's case-study question, so entropy is that
    classifier's); ``question="4class"`` gives the four classes' probabilities instead."""
    import benchmarks.label_efficiency.draws as draws

    seen: list[tuple[int, ...]] = []
    real = draws.select

    def spy(name, probs, k, mask, **kw):  # noqa: ANN001, ANN003 - a pass-through recorder
        seen.append(probs.shape)
        return real(name, probs, k, mask, **kw)

    monkeypatch.setattr(draws, "select", spy)
    x, y = _separable()
    pool = np.arange(300)
    order = draw_order(pool, 0)
    binary = acquire("entropy", x, y, pool, order, [20, 50], 0)
    assert {s[1] for s in seen} == {2} and len(seen) >= 4  # at least two rounds per budget
    seen.clear()
    four = acquire("entropy", x, y, pool, order, [20, 50], 0, question="4class")
    assert {s[1] for s in seen} == {4}
    assert not np.array_equal(np.sort(binary), np.sort(four))
    with pytest.raises(ValueError, match="question 'colour' unknown"):
        acquire("entropy", x, y, pool, order, [20], 0, question="colour")


def test_paired_bootstrap_interval_covers_the_mean_and_pairs_the_difference() -> None:
    rng = np.random.default_rng(0)
    a = rng.random((50, 500)) < 0.7
    b = a.copy()
    b[:, :50] = ~b[:, :50]  # b differs from a on the same 50 sources of every draw
    res = Resamples.make(50, 500)
    row = summary_row("m", "random", 20, 20, a, a, res)
    assert row["binary"]["lo"] < row["binary"]["mean"] < row["binary"]["hi"]
    assert row["binary"]["hi"] - row["binary"]["lo"] < 0.1
    diff = paired_difference(a, b, res)
    assert diff["mean"] == pytest.approx(a.mean() - b.mean(), abs=1e-4)
    assert diff["lo"] <= diff["mean"] <= diff["hi"]
    few = summary_row("net", "random", 20, 20, a[:3], a[:3], res)  # fewer draws: still an interval
    assert few["n_draws"] == 3 and few["binary"]["lo"] < few["binary"]["hi"]


def test_labels_to_level_interpolates_in_log_labels() -> None:
    curve = [(20, 0.70), (50, 0.80), (100, 0.90)]
    assert labels_to_level(curve, 0.85) == pytest.approx(np.sqrt(50 * 100), rel=1e-3)
    assert labels_to_level(curve, 0.6) == 20.0 and labels_to_level(curve, 0.95) is None


def test_summary_rows_follow_the_interface() -> None:
    correct = np.ones((5, 40), dtype=bool)
    curves = {"byol_probe": {("random", 20): (correct[:, :], correct), ("random", 100): (correct[:1], correct[:1])},
              "scratch": {("random", 20): (~correct[:2], ~correct[:2])}}
    summary, _ = build_summary(curves, pool=100, n_eval=40, draws=5)
    assert {"method", "strategy", "n_labels", "binary", "4class"} <= set(summary[0])
    assert set(summary[0]["binary"]) == {"mean", "lo", "hi"}
    assert [r["budget"] for r in summary] == [20, "all", 20]
    assert human_level(summary) == {"byol_probe": 20.0, "scratch": None}


def test_encoder_cache_trains_once_per_configuration(tmp_path: Path) -> None:
    calls = []

    def train():
        calls.append(1)
        torch.manual_seed(len(calls))
        return build_encoder({"kind": "resnet", "widths": [8, 8, 8, 8], "out_dim": 8}), {"steps": 3}

    payload = {"steps": 3, "encoder": {"kind": "resnet"}}
    a, info_a = cached_encoder(tmp_path, "byol", payload, train, lambda _: None)
    b, info_b = cached_encoder(tmp_path, "byol", payload, train, lambda _: None)
    assert len(calls) == 1 and not info_a["cache"]["hit"] and info_b["cache"]["hit"]
    x = torch.randn(2, 5, 32, 32)
    assert torch.equal(a(x), b(x)) and info_b["steps"] == 3
    cached_encoder(tmp_path, "byol", {**payload, "steps": 4}, train, lambda _: None)
    assert len(calls) == 2 and config_hash(payload) != config_hash({**payload, "steps": 4})
