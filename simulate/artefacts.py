"""Detector artefacts that survive into drizzled images: cosmic-ray residuals and hot pixels, one band each.

Both are LEGUS class 4 ("spurious detection ... artifacts"). They are sharp (not blurred by the PSF, since they
arise in the detector) and exist in a single band, which is how annotators recognise them. Positions are 0-based
pixels (numpy / astropy origin 0); fluxes are e-/s.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class Artefact:
    """A cosmic ray or hot pixel: its centre, band index, total flux and the pixels it sets."""

    x: float
    y: float
    subtype: str
    band: int
    flux: float
    rows: np.ndarray
    cols: np.ndarray
    values: np.ndarray


def _log_uniform(rng: np.random.Generator, low: float, high: float) -> float:
    return float(math.exp(rng.uniform(math.log(low), math.log(high))))


def cosmic_ray(x: float, y: float, band: int, size: int, rng: np.random.Generator) -> Artefact:
    """A straight track 1.5-12 px long, its charge spread bilinearly over the pixels it crosses."""
    length, angle = _log_uniform(rng, 1.5, 12.0), rng.uniform(0.0, math.pi)
    flux = _log_uniform(rng, 2.0, 40.0)
    steps = np.linspace(-0.5, 0.5, max(int(length * 4), 2))
    px, py = x + steps * length * math.cos(angle), y + steps * length * math.sin(angle)
    x0, y0 = np.floor(px).astype(int), np.floor(py).astype(int)
    fx, fy = px - x0, py - y0
    rows = np.concatenate([y0, y0, y0 + 1, y0 + 1])
    cols = np.concatenate([x0, x0 + 1, x0, x0 + 1])
    weights = np.concatenate([(1 - fx) * (1 - fy), fx * (1 - fy), (1 - fx) * fy, fx * fy]) / steps.size
    inside = (rows >= 0) & (rows < size) & (cols >= 0) & (cols < size)
    return Artefact(x, y, "cosmic_ray", band, flux, rows[inside], cols[inside], flux * weights[inside])


def hot_pixel(x: float, y: float, band: int, rng: np.random.Generator) -> Artefact:
    """One pixel (the one containing (x, y)) with a 0.3-10 e-/s excess."""
    flux = _log_uniform(rng, 0.3, 10.0)
    col, row = int(round(x)), int(round(y))
    return Artefact(float(col), float(row), "hot_pixel", band, flux, np.array([row]), np.array([col]),
                    np.array([flux]))


def add_artefact(stack: np.ndarray, artefact: Artefact) -> None:
    """Add the artefact's pixels into its band of the (bands, ny, nx) stack."""
    np.add.at(stack[artefact.band], (artefact.rows, artefact.cols), artefact.values.astype(stack.dtype))
