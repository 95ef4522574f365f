"""Band-dependent point spread functions as Gaussian mixtures: a core, extended wings and diffraction spikes.

The drizzled HST PSF at 0.04"/px has a core of FWHM ~2.1 px in the WFC3/UVIS ultraviolet and 2.4-2.7 px in
ACS/WFC B, V and I, and wings that carry 20-30 per cent of the light: strongest in the UV (scattered light) and
in F814W (the ACS red halo), see the WFC3 and ACS instrument handbooks' encircled-energy tables. The wings are
three Gaussians of 2, 4.5 and 10 core widths (a Moffat-like tail). The V-band shape is tuned so that a star's
concentration index (V mag in a 1 px radius minus 3 px, measured as LEGUS does) is ~1.25, where the stellar
locus of the LEGUS catalogues sits (its CI histogram rises from 1.2).

Diffraction spikes are four thin elongated Gaussians along two diagonals (the secondary-mirror spider). They are
part of every point source; the renderer drops Gaussians whose peak is far below the noise, so spikes are longer
the brighter the star, as on real images (see :data:`SPIKE_FRACTION` for the magnitudes where they show).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import cache

import numpy as np

from simulate.bands import BAND_NAMES

FWHM_TO_SIGMA = 1.0 / (2.0 * math.sqrt(2.0 * math.log(2.0)))
WING_SCALES = (2.0, 4.5, 10.0)
WING_SHARES = (0.5, 0.33, 0.17)
SPIKE_ANGLE_DEG = 45.0
SPIKE_SIGMAS = ((4.0, 0.45), (12.0, 0.45), (40.0, 0.5))
"""(along, across) widths in pixels of the spike Gaussians."""
SPIKE_SHARES = (0.6, 0.3, 0.1)
"""Their shares of the spike light: together a spike whose brightness falls off about as 1/r^2 along it (the
far field of a straight vane's diffraction) out to ~80 px."""
SPIKE_FRACTION = 0.02
"""Light in the spikes: the share of HST's pupil its four spider vanes block (~2%: 0.8 m x ~2.5 cm each over
~4 m^2), which diffraction sends along them (Babinet). With :data:`SPIKE_SHARES` a spike reaches half the V
pixel noise 4-8 px from the core of a V ~ 22-23 star (M_V ~ -7 at 8 Mpc, LEGUS's typical class 4 star: a line
of such pixels is plain to the eye) and outshines the halo beyond ~10 px: spikes on most catalogued stars, not
only on the few brightest."""


@dataclass(frozen=True)
class BandPsfShape:
    """Core FWHM (px), fraction of light in the wings, fraction in the diffraction spikes."""

    core_fwhm: float
    wing_fraction: float
    spike_fraction: float


PSF_SHAPES: dict[str, BandPsfShape] = {
    "F275W": BandPsfShape(2.1, 0.30, SPIKE_FRACTION),
    "F336W": BandPsfShape(2.1, 0.26, SPIKE_FRACTION),
    "F435W": BandPsfShape(2.4, 0.20, SPIKE_FRACTION),
    "F555W": BandPsfShape(2.5, 0.20, SPIKE_FRACTION),
    "F814W": BandPsfShape(2.7, 0.30, SPIKE_FRACTION),
}


@dataclass(frozen=True)
class Psf:
    """Unit-flux Gaussian mixture: ``weights`` (J,) and covariances ``covs`` (J, 2, 2) in pixel units."""

    band: str
    weights: np.ndarray
    covs: np.ndarray


def _rotated(along: float, across: float, angle_rad: float) -> np.ndarray:
    c, s = math.cos(angle_rad), math.sin(angle_rad)
    rot = np.array([[c, -s], [s, c]])
    return rot @ np.diag([along**2, across**2]) @ rot.T


@cache
def band_psf(band: str, spikes: bool = False) -> Psf:
    """The PSF of one band; with ``spikes`` the diffraction-spike Gaussians take their share of the light."""
    if band not in PSF_SHAPES:
        raise ValueError(f"no PSF for band {band!r}: bands are {', '.join(BAND_NAMES)}")
    shape = PSF_SHAPES[band]
    sigma = shape.core_fwhm * FWHM_TO_SIGMA
    weights = [1.0 - shape.wing_fraction] + [shape.wing_fraction * share for share in WING_SHARES]
    covs = [np.eye(2) * sigma**2] + [np.eye(2) * (sigma * scale) ** 2 for scale in WING_SCALES]
    if spikes:
        weights = [w * (1.0 - shape.spike_fraction) for w in weights]
        for angle in (SPIKE_ANGLE_DEG, SPIKE_ANGLE_DEG + 90.0):
            for (along, across), share in zip(SPIKE_SIGMAS, SPIKE_SHARES, strict=True):
                weights.append(shape.spike_fraction * share / 2)
                covs.append(_rotated(along, across, math.radians(angle)))
    return Psf(band, np.asarray(weights), np.asarray(covs))


def psf_image(band: str, half: int = 12) -> np.ndarray:
    """The PSF sampled on a (2 half + 1)^2 grid centred on the middle pixel, for inspection and tests."""
    yy, xx = np.mgrid[-half:half + 1, -half:half + 1].astype(float)
    psf = band_psf(band)
    image = np.zeros_like(xx)
    for weight, cov in zip(psf.weights, psf.covs, strict=True):
        total = cov + np.eye(2) / 12.0
        inv = np.linalg.inv(total)
        quad = inv[0, 0] * xx**2 + 2 * inv[0, 1] * xx * yy + inv[1, 1] * yy**2
        image += weight * np.exp(-0.5 * quad) / (2 * math.pi * math.sqrt(np.linalg.det(total)))
    return image


@cache
def coarse_psf(band: str, spikes: bool = False) -> Psf:
    """Two-Gaussian version of a band's PSF with the same flux and second moments in its core (core + first
    wing) and in its halo (outer wings, and spikes if any): for convolving source components much broader than
    the core, where the detail is lost anyway."""
    psf = band_psf(band, spikes)
    groups = ([0, 1], list(range(2, len(psf.weights))))
    weights, covs = [], []
    for group in groups:
        w = psf.weights[group]
        weights.append(w.sum())
        covs.append(np.einsum("j,jab->ab", w, psf.covs[group]) / w.sum())
    return Psf(band, np.asarray(weights), np.asarray(covs))


@dataclass(frozen=True)
class PsfSet:
    """The PSFs of all bands stacked: ``weights`` (bands, J), ``covs`` (bands, J, 2, 2), in band order."""

    weights: np.ndarray
    covs: np.ndarray


@cache
def psf_set(spikes: bool = False, coarse: bool = False) -> PsfSet:
    """Stacked PSFs of :data:`BAND_NAMES` (full or :func:`coarse_psf`, with or without spikes)."""
    psfs = [(coarse_psf if coarse else band_psf)(name, spikes) for name in BAND_NAMES]
    return PsfSet(np.stack([p.weights for p in psfs]), np.stack([p.covs for p in psfs]))
