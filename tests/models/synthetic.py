"""Tiny networks and synthetic cutouts for fast CPU tests of the learning library."""

from __future__ import annotations

import numpy as np

from models.train_byol import BYOLConfig

TINY_HEAD = [[16, 32, "batch_norm", "relu"], [32, 16, None, None]]


def tiny_resnet(n_bands: int = 3) -> dict:
    return {"kind": "resnet", "n_bands": n_bands, "widths": [8, 16], "out_dim": 16, "groups": 4}


def tiny_starcnet(n_bands: int = 3, size: int = 16) -> dict:
    return {"kind": "starcnet", "n_bands": n_bands, "size": size, "width": 8, "branch_dim": 8, "out_dim": 16,
            "crops": [10, 5], "groups": 4}


def tiny_config(steps: int = 6, batch: int = 16, seed: int = 0) -> BYOLConfig:
    return BYOLConfig(encoder=tiny_resnet(), projector=TINY_HEAD, predictor=TINY_HEAD, steps=steps,
                      batch_size=batch, seed=seed)


def blobs(n: int, size: int = 16, n_bands: int = 3, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Noise-unit cutouts of two kinds: compact round sources (class 0) and elongated ones (class 1)."""
    rng = np.random.default_rng(seed)
    yy, xx = np.mgrid[:size, :size] - (size - 1) / 2
    labels = rng.integers(0, 2, n)
    out = rng.normal(size=(n, n_bands, size, size)).astype(np.float32)
    for i, c in enumerate(labels):
        sx, sy = (1.2, 1.2) if c == 0 else (3.5, 1.0)
        theta = rng.uniform(0, np.pi)
        u = xx * np.cos(theta) + yy * np.sin(theta)
        v = -xx * np.sin(theta) + yy * np.cos(theta)
        profile = np.exp(-0.5 * ((u / sx) ** 2 + (v / sy) ** 2))
        colour = rng.uniform(0.5, 1.5, n_bands)
        out[i] += 30.0 * colour[:, None, None] * profile[None].astype(np.float32)
    return out, labels
