"""Detector noise of a drizzled HST image, in e-/s.

Each band is observed for ``exptime`` seconds in ``n_exposures`` exposures: the electrons collected from source,
galaxy, sky and dark current are Poisson distributed, each exposure adds Gaussian read noise, and the drizzled
product is the count rate with the sky (and dark) level subtracted (MDRIZSKY), so blank sky averages zero.
"""

from __future__ import annotations

import math

import numpy as np

from simulate.bands import Band


def pixel_noise(band: Band) -> float:
    """Standard deviation (e-/s) of a blank-sky pixel: sky and dark Poisson noise plus read noise."""
    electrons = (band.sky_rate + band.dark_rate) * band.exptime
    return math.sqrt(electrons + band.n_exposures * band.read_noise**2) / band.exptime


def observe(signal: np.ndarray, band: Band, rng: np.random.Generator) -> np.ndarray:
    """Noisy float32 e-/s image of a noiseless ``signal`` (e-/s), background-subtracted like a drizzled file."""
    background = band.sky_rate + band.dark_rate
    expected = (np.maximum(signal, 0.0, dtype=np.float64) + background) * band.exptime
    counts = rng.poisson(expected).astype(np.float32)
    del expected
    read = rng.standard_normal(signal.shape, dtype=np.float32)
    read *= np.float32(band.read_noise * math.sqrt(band.n_exposures))
    counts += read
    counts *= np.float32(1.0 / band.exptime)
    counts -= np.float32(background)
    return counts
