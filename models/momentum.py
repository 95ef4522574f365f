"""BYOL's target network update and its schedule, as free functions (lightly's habit)."""

from __future__ import annotations

import math

import torch
from torch import nn


def cosine_tau(step: int, total_steps: int, base: float = 0.996, final: float = 1.0) -> float:
    """EMA rate at ``step`` (0-based) of ``total_steps``: ``final - (final - base)(cos(pi k / K) + 1) / 2``.

    Grill et al. 2020, section 3.2: tau rises from ``base`` (0.996) at step 0 to ``final`` (1.0) at the end.
    """
    if total_steps <= 0:
        return final
    k = min(max(step, 0), total_steps)
    return final - (final - base) * (math.cos(math.pi * k / total_steps) + 1.0) / 2.0


def tau_for_run(total_steps: int, residual: float = 0.01, longest: float = 0.996) -> float:
    """Base EMA rate that suits a run of ``total_steps``: at most BYOL's 0.996, lower for short runs.

    Under :func:`cosine_tau` the target keeps ``prod_k tau_k ~ exp(-(1 - base) K / 2)`` of its random
    initial weights after K steps. BYOL's 0.996 suits its ~10^5 steps (the paper's 170,000) but leaves 45 %
    of the initialisation after 400 steps; this picks ``base = 1 - 2 ln(1 / residual) / K`` so that
    ``residual`` (1 %) is left, capped at ``longest`` (0.996 from about 2,300 steps on).
    """
    if total_steps <= 0:
        return longest
    return min(longest, max(0.0, 1.0 - 2.0 * math.log(1.0 / residual) / total_steps))


def initial_weight_left(total_steps: int, base: float) -> float:
    """Share of the target's initial weights left after a cosine-scheduled run: ``prod_k tau_k``."""
    return math.exp(sum(math.log(max(cosine_tau(k, total_steps, base), 1e-300)) for k in range(total_steps)))


@torch.no_grad()
def ema_update(target: nn.Module, online: nn.Module, tau: float) -> None:
    """``target <- tau * target + (1 - tau) * online`` for parameters; buffers are copied from ``online``.

    The two modules must have the same architecture (the target starts as a deep copy of the online network).
    """
    for t, o in zip(target.parameters(), online.parameters(), strict=True):
        t.lerp_(o.detach(), 1.0 - tau)
    for tb, ob in zip(target.buffers(), online.buffers(), strict=True):
        tb.copy_(ob)


def freeze(module: nn.Module) -> nn.Module:
    """Turn off gradients of every parameter of ``module`` (the BYOL target) and return it."""
    for p in module.parameters():
        p.requires_grad_(False)
    return module
