"""Supervised training of a whole network (fine-tuning / scratch baseline) on a tiny CPU run."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from models.encoders import build_encoder
from models.errors import LabelError
from models.finetune import finetune, predict_proba_network
from tests.models.synthetic import blobs, tiny_resnet


def test_finetune_learns_round_versus_elongated() -> None:
    x, y = blobs(160, seed=1)
    encoder = build_encoder(tiny_resnet())
    before = [p.detach().clone() for p in encoder.parameters()]
    model = finetune(encoder, x[:120], y[:120], 2, epochs=1, min_steps=60, lr=3e-3, batch_size=32)
    probs = predict_proba_network(model, x[120:])
    assert probs.shape == (40, 2) and np.allclose(probs.sum(1), 1, atol=1e-5)
    assert (probs.argmax(1) == y[120:]).mean() > 0.8
    assert all(torch.equal(a, b) for a, b in zip(before, encoder.parameters(), strict=True))  # copy trained


def test_labels_must_match_cutouts() -> None:
    x, y = blobs(4)
    with pytest.raises(LabelError, match="4 cutouts and 3 labels"):
        finetune(build_encoder(tiny_resnet()), x, y[:3], 2)
