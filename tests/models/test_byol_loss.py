"""BYOL loss: zero for aligned pairs, symmetric, scale-invariant, never NaN."""

from __future__ import annotations

import torch

from models.byol_loss import byol_loss, normalised_mse


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
