"""The five LEGUS bands: photometric calibration, exposure and detector properties.

LEGUS (Calzetti et al. 2015, AJ 149, 51) imaged each field in WFC3/UVIS F275W and F336W and, new or from the
archive, ACS/WFC F435W, F555W and F814W; every band was drizzled onto one 0.0396"/px grid, in e-/s.

Zeropoints (Vega magnitude of a source giving 1 e-/s, infinite aperture):

* WFC3/UVIS F275W, F336W: the STScI WFC3/UVIS zeropoint tables of 2012 (UVIS1, infinite aperture), the values
  derived in WFC3 ISR 2009-31 and revised on the WFC3 photometric-calibration page; VEGAMAG 22.6322 and 23.4836,
  ABMAG 24.1305 and 24.6682, STMAG 22.6034 and 23.6044.
* ACS/WFC F435W, F555W, F814W: the ACS Zeropoint Calculator (Bohlin 2012, ACS ISR 2011-03/2012-01 era, post-SM4);
  VEGAMAG 25.76695, 25.72747, 25.51994 and ABMAG 25.65777, 25.7184, 25.94333, with the pivot wavelengths of the
  ACS Instrument Handbook (4329, 5361, 8045 A).

PHOTFLAM (erg/s/cm2/A per e-/s) and PHOTPLAM (A) are then written consistently with these zeropoints through the
definitions ABMAG = -2.5 log10(PHOTFLAM) - 21.10 - 5 log10(PHOTPLAM) + 18.6921 and STMAG = ABMAG -
18.6921 + 5 log10(PHOTPLAM) (HST data handbooks); for the WFC3 bands PHOTPLAM follows from ABMAG - STMAG.

Extinction ratios A_band / A_V are Cardelli, Clayton & Mathis (1989, ApJ 345, 245) with R_V = 3.1 at the pivot
wavelength. Exposure times are LEGUS-like (1000-2500 s, the UV band longest); sky and dark rates are per
0.04" drizzled pixel and read noise per exposure, from the instrument handbooks' typical values.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

PIXEL_SCALE_ARCSEC = 0.04
"""Drizzled pixel scale of the simulated images (LEGUS used 0.0396")."""


@dataclass(frozen=True)
class Band:
    """One HST filter as LEGUS observed it; ``vega_zp`` turns Vega magnitudes into e-/s."""

    name: str
    legus_name: str
    instrument: str
    detector: str
    vega_zp: float
    ab_zp: float
    photplam: float
    exptime: float
    n_exposures: int
    read_noise: float
    sky_rate: float
    dark_rate: float
    extinction_ratio: float

    @property
    def photflam(self) -> float:
        """Inverse sensitivity consistent with ``ab_zp`` and ``photplam`` (erg s-1 cm-2 A-1 per e-/s)."""
        return 10.0 ** (-0.4 * (self.ab_zp + 21.10 + 5.0 * math.log10(self.photplam) - 18.6921))

    def rate(self, vega_mag: np.ndarray | float) -> np.ndarray:
        """Count rate (e-/s) of a source of the given Vega magnitude; NaN magnitudes give 0."""
        mag = np.asarray(vega_mag, dtype=np.float64)
        return np.where(np.isfinite(mag), 10.0 ** (-0.4 * (mag - self.vega_zp)), 0.0)

    def magnitude(self, rate: np.ndarray | float) -> np.ndarray:
        """Vega magnitude of a count rate in e-/s; non-positive rates give NaN."""
        value = np.asarray(rate, dtype=np.float64)
        with np.errstate(divide="ignore", invalid="ignore"):
            return np.where(value > 0, self.vega_zp - 2.5 * np.log10(value), np.nan)


def _wfc3_pivot(ab_zp: float, st_zp: float) -> float:
    """Pivot wavelength (A) implied by the AB and ST zeropoints of one filter."""
    return 10.0 ** (0.2 * (st_zp - ab_zp + 18.6921))


BANDS: tuple[Band, ...] = (
    Band("F275W", "NUV", "WFC3", "UVIS", 22.6322, 24.1305, _wfc3_pivot(24.1305, 22.6034),
         2400.0, 3, 3.1, 0.0008, 0.002, 2.027),
    Band("F336W", "U", "WFC3", "UVIS", 23.4836, 24.6682, _wfc3_pivot(24.6682, 23.6044),
         1100.0, 3, 3.1, 0.0025, 0.002, 1.635),
    Band("F435W", "B", "ACS", "WFC", 25.76695, 25.65777, 4329.0, 1400.0, 2, 4.2, 0.013, 0.006, 1.351),
    Band("F555W", "V", "ACS", "WFC", 25.72747, 25.7184, 5361.0, 1100.0, 2, 4.2, 0.032, 0.006, 1.029),
    Band("F814W", "I", "ACS", "WFC", 25.51994, 25.94333, 8045.0, 1000.0, 2, 4.2, 0.058, 0.006, 0.591),
)
"""Bands in wavelength order, the order of every per-band array in the simulator."""

BAND_NAMES: tuple[str, ...] = tuple(band.name for band in BANDS)
V_INDEX = BAND_NAMES.index("F555W")
"""Index of the V band (F555W), the band of the LEGUS concentration index and magnitude cut."""


def distance_modulus(distance_mpc: float) -> float:
    """Distance modulus 5 log10(d / 10 pc) of a distance in Mpc."""
    return 5.0 * math.log10(distance_mpc * 1e6 / 10.0)


def parsec_per_pixel(distance_mpc: float) -> float:
    """Physical size of one 0.04" pixel at the given distance (pc): 1.55 pc at 8 Mpc."""
    return distance_mpc * 1e6 * math.radians(PIXEL_SCALE_ARCSEC / 3600.0)
