"""Aperture photometry as LEGUS did it, shared by the CI calibration and the validation.

LEGUS (Adamo et al. 2017) measured the concentration index CI = m_V(r = 1 px) - m_V(r = 3 px) and magnitudes in a
4 px radius aperture with the sky in an annulus at 7 px, 1 px wide, then added an average aperture correction
from isolated clusters. Positions are 0-based pixel coordinates (numpy / sep convention: the first pixel is
centred on 0.0); apertures are exact circle-pixel overlaps (sep ``subpix=0``).
"""

from __future__ import annotations

import numpy as np
import sep
from numpy.typing import ArrayLike

from tiles.detect import image as detect_image
from tiles.detect import photometry as detect_photometry

CI_INNER_RADIUS, CI_OUTER_RADIUS = detect_photometry.CI_RADII
PHOT_RADIUS = 4.0
SKY_ANNULUS = (7.0, 8.0)


def _native(data: np.ndarray) -> np.ndarray:
    """sep needs C-contiguous, native-endian float data (FITS gives big-endian)."""
    return np.ascontiguousarray(data, dtype=np.float32)


def subtract_background(data: np.ndarray, box: int = 64) -> tuple[np.ndarray, float]:
    """Image minus sep's mesh background (``box`` px meshes, 3x3 median filter) as float32, and the
    background's global rms (the pixel noise of blank sky): detection's own step, so both measure alike."""
    plane = detect_image.subtract_background(data, box, 3)
    return plane.data, plane.global_rms


def circle_flux(data: np.ndarray, x: ArrayLike, y: ArrayLike, radius: float) -> np.ndarray:
    """Flux in circular apertures of ``radius`` px at 0-based (x, y), exact overlap."""
    flux, _, _ = sep.sum_circle(_native(data), np.asarray(x, float), np.asarray(y, float), radius, subpix=0)
    return np.asarray(flux, dtype=float)


def concentration_index(data: np.ndarray, x: ArrayLike, y: ArrayLike) -> np.ndarray:
    """CI = -2.5 log10(F(1 px) / F(3 px)) on background-subtracted data; NaN where a flux is not positive
    (detection's :func:`tiles.detect.photometry.concentration_index` on the two aperture fluxes)."""
    inner = circle_flux(data, x, y, CI_INNER_RADIUS)
    outer = circle_flux(data, x, y, CI_OUTER_RADIUS)
    return detect_photometry.concentration_index(inner, outer)


def aperture_photometry(data: np.ndarray, x: ArrayLike, y: ArrayLike,
                        variance: float | np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Flux (and its error) in the LEGUS 4 px aperture with the local sky from the 7-8 px annulus."""
    flux, err, _ = sep.sum_circle(_native(data), np.asarray(x, float), np.asarray(y, float), PHOT_RADIUS,
                                  var=variance, bkgann=SKY_ANNULUS, subpix=0)
    return np.asarray(flux, dtype=float), np.asarray(err, dtype=float)
