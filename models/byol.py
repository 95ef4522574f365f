"""BYOL's networks (Grill et al. 2020) as a container, without a forward that augments and computes the loss.

The online branch is encoder -> projector -> predictor; the target branch is an EMA copy of
encoder -> projector and gets no gradients. Augmenting, the loss and the EMA update live in
:mod:`models.train_byol`, :mod:`models.byol_loss` and :mod:`models.momentum` so each can be tested and
swapped alone (lightly's habit, not byol-pytorch's all-in-one ``forward``).
"""

from __future__ import annotations

import copy

import torch
from torch import nn

from models.encoders import build_encoder
from models.heads import BYOL_PREDICTOR, BYOL_PROJECTOR, build_head, resize_head
from models.momentum import ema_update, freeze


class BYOLNetworks(nn.Module):
    """Online encoder, projector, predictor and their frozen target copies, built from specs (data)."""

    def __init__(
        self,
        encoder_spec: dict,
        projector: list[list] | None = None,
        predictor: list[list] | None = None,
    ):
        super().__init__()
        self.encoder = build_encoder(encoder_spec)
        self.projector_spec = resize_head(projector or BYOL_PROJECTOR, int(self.encoder.out_dim))  # type: ignore[arg-type]
        self.predictor_spec = [list(layer) for layer in (predictor or BYOL_PREDICTOR)]
        self.projector = build_head(self.projector_spec)
        self.predictor = build_head(self.predictor_spec)
        self.target_encoder = freeze(copy.deepcopy(self.encoder))
        self.target_projector = freeze(copy.deepcopy(self.projector))

    @property
    def encoder_spec(self) -> dict:
        return dict(self.encoder.spec)  # type: ignore[arg-type]

    def online(self, x: torch.Tensor) -> torch.Tensor:
        """Prediction q(g(f(x))) of the online branch (B, predictor out)."""
        return self.predictor(self.projector(self.encoder(x)))

    @torch.no_grad()
    def target(self, x: torch.Tensor) -> torch.Tensor:
        """Projection g'(f'(x)) of the target branch (B, projector out), without gradient."""
        return self.target_projector(self.target_encoder(x))

    def update_target(self, tau: float) -> None:
        """EMA step of both target modules towards their online counterparts."""
        ema_update(self.target_encoder, self.encoder, tau)
        ema_update(self.target_projector, self.projector, tau)

    def online_parameters(self) -> list[nn.Parameter]:
        """Parameters the optimiser updates (the target is excluded)."""
        return [*self.encoder.parameters(), *self.projector.parameters(), *self.predictor.parameters()]
