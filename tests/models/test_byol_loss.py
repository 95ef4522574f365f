"""BYOL loss: zero for aligned pairs, symmetric, scale-invariant, never NaN."""

from __future__ import annotations

import pytest
import torch

from models.byol_loss import byol_loss, decorrelation_loss, normalised_mse


def test_zero_for_identical_normalised_inputs() -> None:
    p = torch.randn(8, 16)
    assert byol_loss(p, p, p, p).item() < 1e-6
    assert byol_loss(p, 2 * p, 3 * p, 0.5 * p).item() < 1e-6  # only directions count


def test_symmetric_in_the_two_views() -> None:
    p1, p2, z1, z2 = (torch.randn(8, 16) for _ in range(4))
    assert torch.allclose(byol_loss(p1, p2, z1, z2), byol_loss(p2, p1, z2, z1))


def test_opposite_directions_give_the_maximum() -> None:
    p = torch.randn(4, 16)
    assert torch.allclose(normalised_mse(p, -p), torch.full((4,), 4.0))


def test_no_nan_for_zero_vectors_and_no_gradient_to_targets() -> None:
    p = torch.zeros(4, 16, requires_grad=True)
    z = torch.randn(4, 16, requires_grad=True)
    loss = byol_loss(p, p, z, z)
    loss.backward()
    assert torch.isfinite(loss) and torch.isfinite(p.grad).all()
    assert z.grad is None


def test_decorrelation_is_small_for_whitened_and_large_for_collapsed_features() -> None:
    g = torch.Generator().manual_seed(0)
    white = torch.randn(4096, 16, generator=g)
    assert float(decorrelation_loss(white)) < 0.05
    one_direction = torch.randn(4096, 1, generator=g) * torch.ones(1, 16)  # 16 copies of one dimension
    assert float(decorrelation_loss(one_direction)) > 10.0
    narrow = 0.1 * torch.randn(4096, 16, generator=g)  # uncorrelated but with little spread: the variance term
    assert float(decorrelation_loss(narrow)) == pytest.approx(0.9, abs=0.02)
    assert float(decorrelation_loss(white[:1])) == 0.0


def test_decorrelation_gradient_spreads_a_collapsed_batch() -> None:
    g = torch.Generator().manual_seed(1)
    base = torch.randn(256, 1, generator=g)
    y = (base * torch.ones(1, 8) + 0.01 * torch.randn(256, 8, generator=g)).requires_grad_(True)
    opt = torch.optim.Adam([y], lr=0.05)
    before = float(decorrelation_loss(y))
    for _ in range(200):
        opt.zero_grad()
        decorrelation_loss(y).backward()
        opt.step()
    assert float(decorrelation_loss(y)) < 0.2 * before
    singular = torch.linalg.svdvals(y.detach() - y.detach().mean(0))
    assert float(singular[1] / singular[0]) > 0.2  # no longer one direction
