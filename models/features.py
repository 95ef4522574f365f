"""Catalogue features (colours, concentration index, magnitudes) standardised for the probe, NaN-safe.

LEGUS-style catalogues mark missing photometry with sentinels (99.999 = not detected, 66.666 = outside the
band's footprint); pass them as ``missing_values`` so they become NaN first. After standardisation a missing
value is 0 (the column mean), so it neither dominates nor breaks the linear probe.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from models.errors import ConfigError

LEGUS_MISSING = (99.999, 66.666)


def mask_missing(features: np.ndarray, missing_values: Sequence[float] = LEGUS_MISSING) -> np.ndarray:
    """Copy of ``features`` as float64 with sentinel values (and inf) replaced by NaN."""
    out = np.array(features, dtype=np.float64, copy=True)
    for value in missing_values:
        out[np.isclose(out, value, rtol=0.0, atol=1e-6)] = np.nan
    out[~np.isfinite(out)] = np.nan
    return out


@dataclass(frozen=True)
class FeatureScaler:
    """Column means and standard deviations (NaN ignored); JSON-able via :meth:`to_dict`."""

    mean: tuple[float, ...]
    std: tuple[float, ...]

    @classmethod
    def fit(cls, features: np.ndarray) -> FeatureScaler:
        """Fit on (N, F) features; all-NaN or constant columns get mean 0 / std 1 (they become all 0)."""
        x = np.asarray(features, dtype=np.float64)
        if x.ndim != 2:
            raise ConfigError(f"features have shape {x.shape}: expected (sources, features)")
        finite = np.isfinite(x)
        count = finite.sum(axis=0)
        safe = np.where(finite, x, 0.0)
        mean = np.where(count > 0, safe.sum(axis=0) / np.maximum(count, 1), 0.0)
        var = np.where(finite, (x - mean) ** 2, 0.0).sum(axis=0) / np.maximum(count, 1)
        std = np.sqrt(var)
        std = np.where((count > 0) & (std > 1e-12), std, 1.0)
        return cls(tuple(float(v) for v in mean), tuple(float(v) for v in std))

    def transform(self, features: np.ndarray) -> np.ndarray:
        """(N, F) -> standardised float32; NaN/inf become 0 (the mean)."""
        x = np.asarray(features, dtype=np.float64)
        if x.ndim != 2 or x.shape[1] != len(self.mean):
            raise ConfigError(
                f"features have shape {x.shape}, the scaler was fitted on {len(self.mean)} columns"
            )
        z = (x - np.asarray(self.mean)) / np.asarray(self.std)
        return np.where(np.isfinite(z), z, 0.0).astype(np.float32)

    def to_dict(self) -> dict:
        return {"mean": list(self.mean), "std": list(self.std)}

    @classmethod
    def from_dict(cls, d: dict) -> FeatureScaler:
        return cls(tuple(float(v) for v in d["mean"]), tuple(float(v) for v in d["std"]))


def standardise(features: np.ndarray) -> np.ndarray:
    """Fit a :class:`FeatureScaler` on ``features`` and return them standardised (NaN-safe)."""
    return FeatureScaler.fit(features).transform(features)


def combine(embeddings: np.ndarray, features: np.ndarray | None = None) -> np.ndarray:
    """Embeddings with (already standardised) catalogue features appended as extra columns, float32."""
    emb = np.asarray(embeddings, dtype=np.float32)
    if features is None:
        return emb
    feats = np.asarray(features, dtype=np.float32)
    if feats.ndim != 2 or feats.shape[0] != emb.shape[0]:
        raise ConfigError(
            f"features have shape {feats.shape} but there are {emb.shape[0]} embeddings: "
            "give one feature row per source, in the same order"
        )
    return np.concatenate([emb, feats], axis=1)
