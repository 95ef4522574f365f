"""Pretrained encoder files: export and BYOL checkpoint both give back the trained online encoder."""

from __future__ import annotations

from pathlib import Path

import pytest
import torch

from models.errors import CheckpointError
from models.pretrained import load_encoder, save_encoder
from models.train_byol import train_byol
from tests.models.synthetic import blobs, tiny_config


def test_export_and_checkpoint_load_the_same_encoder(tmp_path: Path) -> None:
    x, _ = blobs(32)
    state = train_byol(x, tiny_config(steps=2), checkpoint_path=tmp_path / "byol.pt",
                       normalisation={"background": [0.0] * 3, "sigma": [1.0] * 3})
    save_encoder(tmp_path / "enc.pt", state.encoder, state.normalisation)
    batch = torch.as_tensor(x[:4])
    expected = state.encoder.eval()(batch)
    for name in ("enc.pt", "byol.pt"):
        encoder, norm = load_encoder(tmp_path / name)
        assert torch.allclose(encoder(batch), expected, atol=1e-6)
        assert norm == {"background": [0.0] * 3, "sigma": [1.0] * 3}


def test_other_files_are_refused(tmp_path: Path) -> None:
    torch.save({"format": "skylabel-session-v1"}, tmp_path / "x.pt")
    with pytest.raises(CheckpointError, match="expected 'skylabel-encoder-v1' or 'skylabel-byol-v1'"):
        load_encoder(tmp_path / "x.pt")
