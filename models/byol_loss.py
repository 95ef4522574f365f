"""BYOL's loss (Grill et al. 2020, eq. 2): the symmetric normalised mean squared error, on tensors only."""

from __future__ import annotations

import torch
import torch.nn.functional as F


def normalised_mse(prediction: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
    """Per-sample ``|| p/|p| - z/|z| ||^2 = 2 - 2 cos(p, z)`` (B,); in [0, 4], 0 when p and z are parallel."""
    p = F.normalize(prediction.float(), dim=-1, eps=1e-8)
    z = F.normalize(target.float(), dim=-1, eps=1e-8)
    return (2.0 - 2.0 * (p * z).sum(dim=-1)).clamp_min(0.0)


def byol_loss(p1: torch.Tensor, p2: torch.Tensor, z1: torch.Tensor, z2: torch.Tensor) -> torch.Tensor:
    """Symmetrised BYOL loss ``mean(nmse(p1, z2) + nmse(p2, z1))`` (scalar, in [0, 8]).

    ``p1, p2`` are the online predictions of views 1 and 2, ``z1, z2`` the target projections of the same
    views. Targets are detached here so no gradient reaches the target network even if a caller forgets
    no_grad.
    """
    return (normalised_mse(p1, z2.detach()) + normalised_mse(p2, z1.detach())).mean()


def decorrelation_loss(y: torch.Tensor, eps: float = 1e-4) -> torch.Tensor:
    """VICReg's variance and covariance terms (Bardes et al. 2022) on a batch of representations (B, D).

    ``mean_j relu(1 - std_j) + sum_{i != j} cov_ij^2 / D``: zero when every dimension has unit spread and no two
    dimensions correlate. Added to BYOL's loss (``BYOLConfig.decorrelation``) it works against the dimensional
    collapse a short BYOL run shows (an encoder whose embedding spans a handful of directions); it needs no
    negatives and no larger batch.
    """
    y = y.float()
    b, d = y.shape
    if b < 2:
        return y.new_zeros(())
    y = y - y.mean(dim=0)
    std = torch.sqrt(y.var(dim=0) + eps)
    variance = torch.relu(1.0 - std).mean()
    cov = (y.T @ y) / (b - 1)
    off = cov - torch.diag(torch.diagonal(cov))
    return variance + off.pow(2).sum() / d
