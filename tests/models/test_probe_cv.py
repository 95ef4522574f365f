"""The tuned probe: CV picks a strong penalty for noise and a weak one for a clean signal; both heads."""

from __future__ import annotations

import numpy as np

from models.probe_cv import L2_GRID, TunedProbe, choose_l2, stratified_folds


def _data(n: int, d: int, signal: float, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    y = rng.integers(1, 5, n)
    x = rng.normal(size=(n, d))
    x[:, :4] += signal * np.eye(4)[y - 1]
    return ((x - x.mean(0)) / x.std(0)).astype(np.float32), y


def test_folds_are_stratified_and_cover_every_row() -> None:
    y = np.repeat([0, 1, 2], [9, 6, 3])
    fold = stratified_folds(y, 3, np.random.default_rng(0))
    assert sorted(np.bincount(fold).tolist()) == [6, 6, 6]
    assert all(np.bincount(fold[y == c], minlength=3).tolist() == [n // 3] * 3 for c, n in ((0, 9), (1, 6), (2, 3)))


def test_cv_prefers_a_strong_penalty_on_noise_and_a_weaker_one_on_signal() -> None:
    noise_x, noise_y = _data(60, 200, 0.0)
    signal_x, signal_y = _data(200, 20, 4.0)
    noisy = choose_l2(noise_x, noise_y - 1, 4)
    clean = choose_l2(signal_x, signal_y - 1, 4)
    assert noisy == L2_GRID[0] and clean < noisy


def test_tuned_probe_heads_learn_binary_and_four_classes() -> None:
    x, y = _data(300, 16, 3.0)
    probe = TunedProbe().fit(x[:200], y[:200])
    classes, cluster = probe.predict(x[200:])
    assert (classes == y[200:]).mean() > 0.8
    assert (cluster == np.isin(y[200:], (1, 2))).mean() > 0.85
    assert probe.predict_proba(x[200:]).shape == (100, 4)


def test_tuned_probe_copes_with_a_class_seen_once() -> None:
    x, y = _data(20, 8, 3.0)
    y[:] = np.r_[[1], np.full(9, 2), np.full(10, 4)]
    probe = TunedProbe().fit(x, y)
    assert set(probe.predict(x)[0].tolist()) <= {1, 2, 3, 4}
