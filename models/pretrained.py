"""A pretrained encoder as a file: its spec, weights and the band normalisation it was trained with.

What the web app's worker and a notebook need after BYOL: ``load_encoder(path)`` returns the network and the
:class:`~models.normalise.BandNormalisation` dict to put new cutouts in the same noise units. It reads both
an encoder export (``save_encoder``, a few MB) and a full BYOL training checkpoint (the online encoder).
Everything is plain data, loaded with ``weights_only=True``.
"""

from __future__ import annotations

from pathlib import Path

import torch
from torch import nn

from models.checkpoint import load_checkpoint, save_checkpoint
from models.encoders import build_encoder
from models.errors import CheckpointError

ENCODER_FORMAT = "skylabel-encoder-v1"
BYOL_FORMAT = "skylabel-byol-v1"


def save_encoder(path: str | Path, encoder: nn.Module, normalisation: dict | None = None) -> Path:
    """Write ``encoder`` (built by :func:`models.encoders.build_encoder`) with its spec and normalisation."""
    state = {k: v.detach().cpu().contiguous() for k, v in encoder.state_dict().items()}
    return save_checkpoint(path, {
        "format": ENCODER_FORMAT, "encoder_spec": dict(encoder.spec),  # type: ignore[arg-type]
        "state_dict": state,
        "normalisation": normalisation,
    })


def load_encoder(path: str | Path, device: str | torch.device = "cpu") -> tuple[nn.Module, dict | None]:
    """(encoder in eval mode on ``device``, normalisation dict or None) from an export or BYOL checkpoint."""
    payload = load_checkpoint(path)
    fmt = payload.get("format")
    if fmt == ENCODER_FORMAT:
        state = payload["state_dict"]
    elif fmt == BYOL_FORMAT:
        prefix = "encoder."
        state = {k[len(prefix):]: v for k, v in payload["networks"].items() if k.startswith(prefix)}
    else:
        raise CheckpointError(f"{path} has format {fmt!r}: expected {ENCODER_FORMAT!r} or {BYOL_FORMAT!r}")
    encoder = build_encoder(payload["encoder_spec"])
    encoder.load_state_dict(state)
    return encoder.to(device).eval(), payload.get("normalisation")
