"""EMA target update and BYOL's cosine tau schedule."""

from __future__ import annotations

import pytest
import torch

from models.momentum import cosine_tau, ema_update


def test_cosine_schedule_goes_from_0996_to_1() -> None:
    assert cosine_tau(0, 100) == pytest.approx(0.996)
    assert cosine_tau(50, 100) == pytest.approx(0.998)
    assert cosine_tau(100, 100) == pytest.approx(1.0)
    taus = [cosine_tau(k, 100) for k in range(101)]
    assert all(a <= b for a, b in zip(taus, taus[1:], strict=False))


def test_ema_update_moves_target_by_one_minus_tau() -> None:
    online, target = torch.nn.Linear(3, 2), torch.nn.Linear(3, 2)
    before = target.weight.detach().clone()
    ema_update(target, online, tau=0.9)
    assert torch.allclose(target.weight, 0.9 * before + 0.1 * online.weight)
    ema_update(target, online, tau=1.0)  # tau = 1: frozen
    assert torch.allclose(target.weight, 0.9 * before + 0.1 * online.weight)


def test_tau_for_run_leaves_one_percent_of_the_initial_target_whatever_the_length() -> None:
    from models.momentum import initial_weight_left, tau_for_run

    assert initial_weight_left(400, 0.996) > 0.4  # BYOL's rate on a short run: the old 45 % problem
    for steps in (200, 400, 1500):
        assert initial_weight_left(steps, tau_for_run(steps)) < 0.015
    assert tau_for_run(170_000) == 0.996  # long runs (the paper's) keep BYOL's rate
    assert tau_for_run(400) < tau_for_run(1000) < 0.996


def test_byol_config_auto_tau_follows_the_steps() -> None:
    from models.momentum import tau_for_run
    from models.train_byol import BYOLConfig, base_tau

    assert base_tau(BYOLConfig(steps=400)) == tau_for_run(400)
    assert base_tau(BYOLConfig(steps=400, tau_base=0.99)) == 0.99
