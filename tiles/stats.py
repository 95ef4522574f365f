"""Stretch statistics of a band or rendition channel, computed once per image.

The renderer stretches every tile with the same numbers (percentile cuts, IRAF zscale, ...), so tiles never
show seams. The statistics are computed from a bounded subsample of the whole image, gathered while the
image is streamed window by window (:class:`StatsAccumulator`): a 10,000 x 10,000 band is never in memory.

Stats dict format (JSON-able, never NaN; ``None`` where there are no finite pixels)::

    {"quantiles": [1001 floats: percentiles 0.0, 0.1, ..., 100.0 of the finite values],
     "zscale": [lo, hi],      # IRAF zscale (astropy.visualization.ZScaleInterval)
     "median": float, "std": float (robust: 1.4826 * MAD), "min": float, "max": float,
     "n_valid": int}           # finite pixels in the sample

``quantile_at(stats, p)`` reads the percentile ``p`` (0..100) back, interpolating between the 0.1 steps.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
from astropy.visualization import ZScaleInterval

N_QUANTILES = 1001
"""Percentiles 0.0, 0.1, ..., 100.0."""

DEFAULT_MAX_SAMPLES = 4_000_000
"""Upper bound of the streamed subsample (16 MB as float32): enough for 0.1-percentile resolution."""

MAD_TO_STD = 1.4826
"""Scale of the median absolute deviation to a Gaussian standard deviation."""


def _float_or_none(value: float) -> float | None:
    value = float(value)
    return value if math.isfinite(value) else None


def empty_stats() -> dict[str, Any]:
    """Statistics of a channel with no finite pixels: every value None, ``n_valid`` 0."""
    return {
        "quantiles": None,
        "zscale": None,
        "median": None,
        "std": None,
        "min": None,
        "max": None,
        "n_valid": 0,
    }


def channel_stats(sample: np.ndarray) -> dict[str, Any]:
    """Stretch statistics of the finite values of ``sample`` (any shape; NaN and inf are ignored).

    ZScale runs on the flattened finite values (the astropy implementation takes its own at most 1000-point
    regular subsample), as IRAF does on the image.
    """
    values = np.asarray(sample, dtype=np.float64).ravel()
    values = values[np.isfinite(values)]
    if values.size == 0:
        return empty_stats()
    quantiles = np.percentile(values, np.linspace(0.0, 100.0, N_QUANTILES))
    median = float(np.median(values))
    mad = float(np.median(np.abs(values - median)))
    lo, hi = ZScaleInterval().get_limits(values)
    return {
        "quantiles": [float(q) for q in quantiles],
        "zscale": [_float_or_none(lo), _float_or_none(hi)],
        "median": median,
        "std": MAD_TO_STD * mad,
        "min": float(values.min()),
        "max": float(values.max()),
        "n_valid": int(values.size),
    }


def quantile_at(stats: dict[str, Any], percentile: float) -> float | None:
    """Value at ``percentile`` (0..100) from ``stats["quantiles"]``, linearly interpolated; None if empty."""
    quantiles = stats.get("quantiles")
    if not quantiles:
        return None
    p = min(max(float(percentile), 0.0), 100.0)
    grid = np.linspace(0.0, 100.0, len(quantiles))
    return float(np.interp(p, grid, np.asarray(quantiles, dtype=np.float64)))


class StatsAccumulator:
    """Builds a bounded regular subsample of an image streamed in windows (strips of rows).

    Every window contributes the pixels on a fixed grid of stride ``step`` in both axes, aligned to the
    image (0-based array rows/columns: row ``r`` is kept when ``r % step == 0``), so the result does not
    depend on how the image is cut into windows. ``step`` is chosen from the full image shape so that about
    ``max_samples`` pixels at most are kept in total.
    """

    def __init__(self, shape: tuple[int, int], max_samples: int = DEFAULT_MAX_SAMPLES) -> None:
        ny, nx = shape
        total = max(ny * nx, 1)
        self.step = max(1, math.ceil(math.sqrt(total / max_samples)))
        self._parts: list[np.ndarray] = []

    def add(self, window: np.ndarray, row_offset: int, col_offset: int = 0) -> None:
        """Add a 2-D window whose top-left pixel is at 0-based (row_offset, col_offset) of the image."""
        r0 = (-row_offset) % self.step
        c0 = (-col_offset) % self.step
        part = np.asarray(window)[r0 :: self.step, c0 :: self.step]
        part = part[np.isfinite(part)].astype(np.float32, copy=False)
        if part.size:
            self._parts.append(part.copy())

    def sample(self) -> np.ndarray:
        """The finite subsampled values gathered so far (1-D float32)."""
        if not self._parts:
            return np.empty(0, dtype=np.float32)
        return np.concatenate(self._parts)

    def stats(self) -> dict[str, Any]:
        """:func:`channel_stats` of the gathered subsample."""
        return channel_stats(self.sample())
