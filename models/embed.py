"""Embeddings of every source from a (pretrained) encoder, in batches, as a numpy array."""

from __future__ import annotations

import numpy as np
import torch
from torch import nn

from models.device import autocast, autocast_dtype, resolve_device


@torch.no_grad()
def embed(
    encoder: nn.Module,
    cutouts: np.ndarray | torch.Tensor,
    batch_size: int = 1024,
    device: str | torch.device | None = None,
    precision: str = "auto",
) -> np.ndarray:
    """(N, bands, H, W) cutouts in noise units -> (N, out_dim) float32 embeddings, encoder in eval mode.

    The encoder is moved to ``device`` (default: CUDA when present) and left there in eval mode; batches go
    through one at a time so 15,000 sources never need more than one batch of activations.
    """
    dev = resolve_device(device)
    encoder = encoder.to(dev).eval()
    dtype = autocast_dtype(dev, precision)
    data = cutouts if isinstance(cutouts, torch.Tensor) else torch.as_tensor(np.asarray(cutouts, np.float32))
    chunks = []
    for start in range(0, data.shape[0], batch_size):
        x = data[start : start + batch_size].to(dev, non_blocking=True).float()
        with autocast(dev, dtype):
            chunks.append(encoder(x).float().cpu())
    if not chunks:
        return np.zeros((0, int(getattr(encoder, "out_dim", 0))), dtype=np.float32)
    return torch.cat(chunks).numpy()
