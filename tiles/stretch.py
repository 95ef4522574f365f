"""Display stretches: float pixel values to [0, 1], the way astronomers expect from DS9 and astropy.

Every function is pure numpy on float32 arrays shaped (channels, rows, columns), vectorised and working in
place on one output buffer (a 256 x 256 x 3 tile takes about a millisecond). The row order does not matter
here: the functions are per pixel, except Lupton's which mixes channels of the same pixel only.

Conventions, identical to ``astropy.visualization`` so that a user can reproduce a tile in a notebook:

* the limits ``(lo, hi)`` of each channel first map the data linearly, ``x = (v - lo) / (hi - lo)``
  (``ManualInterval(lo, hi)``), then the stretch maps ``x`` clipped to [0, 1]:
  ``linear`` y = x; ``sqrt`` y = sqrt(x); ``log`` y = log(a x + 1) / log(a + 1) (``LogStretch(a)``, DS9's log
  with exponent a, default 1000); ``asinh`` y = asinh(x / a) / asinh(1 / a) (``AsinhStretch(a)``, softening
  a, default 0.1: linear below about a, logarithmic above);
* ``lupton`` is the colour-preserving asinh of Lupton et al. 2004 (PASP 116, 133), as
  ``astropy.visualization.make_lupton_rgb``: the intensity I = mean of the channels' x is stretched,
  F(I) = asinh(Q I) / asinh(Q), each channel becomes x * F(I) / I (0 where I <= 0, negatives clipped) and a
  pixel whose largest channel exceeds 1 is scaled down as a whole, so saturated stars keep their colour.
  Lupton's "minimum" is ``lo`` and his linear "stretch" is ``hi - lo`` of each channel; the only departure
  from astropy's ``LuptonAsinhStretch`` is the overall brightness factor, 1 / asinh(Q) instead of
  0.1 / asinh(0.1 Q), chosen so that an intensity at the upper limit is white, as with the other stretches.
  On one channel it is exactly ``asinh`` with a = 1 / Q.
* an optional display ``gamma`` then gives y ** (1 / gamma) (gamma > 1 brightens the faint end).

NaN (no data) stays NaN in the output; the renderer turns it into transparency.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from tiles.errors import StretchParameterError

STRETCHES: tuple[str, ...] = ("linear", "log", "sqrt", "asinh", "lupton")
DEFAULT_A: dict[str, float] = {"log": 1000.0, "asinh": 0.1}
"""Astropy's defaults: ``LogStretch(a=1000)``, ``AsinhStretch(a=0.1)``."""
DEFAULT_Q = 8.0
"""``make_lupton_rgb``'s default softening Q."""

Limits = Sequence[tuple[float, float]]


def normalize(data: np.ndarray, limits: Limits) -> np.ndarray:
    """``(v - lo) / (hi - lo)`` per channel of ``data`` (channels, rows, cols) as a new float32 array.

    Not clipped (Lupton's intensity needs the raw ratio); NaN stays NaN.
    """
    if data.ndim != 3:
        raise StretchParameterError(f"expected data shaped (channels, rows, cols), got shape {data.shape}")
    if len(limits) != data.shape[0]:
        raise StretchParameterError(
            f"the image has {data.shape[0]} channel(s) but {len(limits)} pair(s) of limits were given: "
            "give one (vmin, vmax) per channel"
        )
    lo = np.array([pair[0] for pair in limits], dtype=np.float64)
    hi = np.array([pair[1] for pair in limits], dtype=np.float64)
    if not (np.all(np.isfinite(lo)) and np.all(np.isfinite(hi)) and np.all(hi > lo)):
        pairs = ", ".join(f"({a:g}, {b:g})" for a, b in zip(lo, hi, strict=True))
        raise StretchParameterError(f"limits {pairs} are invalid: each channel needs finite lo < hi")
    shape = (-1, 1, 1)
    out = np.subtract(data, lo.astype(np.float32).reshape(shape), dtype=np.float32)
    np.multiply(out, (1.0 / (hi - lo)).astype(np.float32).reshape(shape), out=out)
    return out


def linear(x: np.ndarray) -> np.ndarray:
    """y = x clipped to [0, 1], in place (``LinearStretch``)."""
    return np.clip(x, 0.0, 1.0, out=x)


def sqrt(x: np.ndarray) -> np.ndarray:
    """y = sqrt(x), x clipped to [0, 1], in place (``SqrtStretch``)."""
    np.clip(x, 0.0, 1.0, out=x)
    return np.sqrt(x, out=x)


def log(x: np.ndarray, a: float = DEFAULT_A["log"]) -> np.ndarray:
    """y = log(a x + 1) / log(a + 1), x clipped to [0, 1], in place (``LogStretch(a)``, DS9 log)."""
    np.clip(x, 0.0, 1.0, out=x)
    np.multiply(x, np.float32(a), out=x)
    np.log1p(x, out=x)
    return np.multiply(x, np.float32(1.0 / np.log1p(a)), out=x)


def asinh(x: np.ndarray, a: float = DEFAULT_A["asinh"]) -> np.ndarray:
    """y = asinh(x / a) / asinh(1 / a), x clipped to [0, 1], in place (``AsinhStretch(a)``)."""
    np.clip(x, 0.0, 1.0, out=x)
    np.multiply(x, np.float32(1.0 / a), out=x)
    np.arcsinh(x, out=x)
    return np.multiply(x, np.float32(1.0 / np.arcsinh(1.0 / a)), out=x)


def lupton(x: np.ndarray, q: float = DEFAULT_Q) -> np.ndarray:
    """Colour-preserving asinh of the mean intensity (Lupton et al. 2004), in place on normalised ``x``.

    ``x`` is (channels, rows, cols) from :func:`normalize`. The intensity is the mean of the channels that
    are not NaN, and a NaN channel stays NaN, so a pixel missing one band shows the others undimmed.
    """
    nan = np.isnan(x)
    has_nan = bool(nan.any())
    if has_nan:
        x[nan] = 0.0
        valid = np.maximum(x.shape[0] - np.count_nonzero(nan, axis=0), 1).astype(np.float32)
        intensity = np.divide(np.sum(x, axis=0, dtype=np.float32), valid)
    else:
        intensity = np.mean(x, axis=0, dtype=np.float32)
    positive = intensity > 0
    np.maximum(intensity, np.float32(1e-30), out=intensity)
    ratio = np.multiply(intensity, np.float32(q))
    np.arcsinh(ratio, out=ratio)
    np.multiply(ratio, np.float32(1.0 / np.arcsinh(q)), out=ratio)
    np.divide(ratio, intensity, out=ratio)
    ratio[~positive] = 0.0
    np.multiply(x, ratio, out=x)
    np.maximum(x, 0.0, out=x)
    peak = np.max(x, axis=0)
    np.maximum(peak, 1.0, out=peak)
    np.divide(x, peak, out=x)
    if has_nan:
        x[nan] = np.nan
    return x


def stretch_channels(
    data: np.ndarray,
    limits: Limits,
    stretch: str = "asinh",
    a: float | None = None,
    q: float = DEFAULT_Q,
    gamma: float = 1.0,
) -> np.ndarray:
    """Map raw pixel values (channels, rows, cols) to display values in [0, 1] (float32, NaN kept).

    ``limits`` holds one (lo, hi) per channel in data units; ``a`` is the log exponent or the asinh
    softening (astropy's defaults when None), ``q`` Lupton's softening, ``gamma`` a display gamma.
    """
    if stretch not in STRETCHES:
        raise StretchParameterError(f"unknown stretch {stretch!r}: choose one of {', '.join(STRETCHES)}")
    x = normalize(np.asarray(data), limits)
    if stretch == "linear":
        linear(x)
    elif stretch == "sqrt":
        sqrt(x)
    elif stretch == "log":
        log(x, DEFAULT_A["log"] if a is None else a)
    elif stretch == "asinh":
        asinh(x, DEFAULT_A["asinh"] if a is None else a)
    else:
        lupton(x, q)
    if gamma != 1.0:
        np.power(x, np.float32(1.0 / gamma), out=x)
    return x
