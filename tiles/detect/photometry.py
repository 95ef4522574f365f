"""Circular-aperture photometry of detected sources in every band, and the LEGUS concentration index.

Positions are **0-based** pixel coordinates (numpy / astropy origin 0, sep's convention: the first pixel is
centred on 0.0; FITS 1-based = 0-based + 1). Apertures are exact circle-pixel overlaps (``sep.sum_circle``
with ``subpix=0``) on background-subtracted data; the flux error is the background rms map summed in
quadrature over the aperture (no source Poisson term, as no gain is known for a generic image). Masked (NaN)
pixels inside an aperture are replaced by the mean of the unmasked ones (sep's correction); a source whose
centre pixel is masked in a band, e.g. outside that band's footprint, gets NaN there.

Magnitudes are ``zeropoint - 2.5 log10(flux)`` (Vega when the zeropoint is the band's Vega zeropoint, else
instrumental with zeropoint 0), NaN for a non-positive flux. The concentration index is LEGUS's (Adamo et al.
2017): CI = m(r = 1 px) - m(r = 3 px) in V (F555W), which separates stars (CI ~ 1.2 on HST/ACS) from
clusters, whose light is more extended (larger CI).
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence

import numpy as np
import sep

from tiles.detect.errors import DetectionError
from tiles.detect.image import BandPlane

CI_RADII = (1.0, 3.0)
"""Inner and outer aperture radii (px) of the LEGUS concentration index."""
CI_BAND = "F555W"
"""LEGUS measured CI in V; with no F555W band the (first) detection band is used."""
MAG_ERR_FACTOR = 2.5 / math.log(10.0)


def ci_band(bands: Sequence[str], detect_bands: Sequence[str]) -> str:
    """The band CI is measured in: F555W when present, else the first detection band."""
    return CI_BAND if CI_BAND in bands else detect_bands[0]


def aperture_fluxes(plane: BandPlane, x: np.ndarray, y: np.ndarray,
                    radii: Sequence[float]) -> tuple[dict[float, np.ndarray], dict[float, np.ndarray]]:
    """Flux and error in circles of each radius (px) around 0-based (x, y); NaN where the centre is masked."""
    ny, nx = plane.mask.shape
    col = np.clip(np.floor(x + 0.5).astype(np.int64), 0, nx - 1)
    row = np.clip(np.floor(y + 0.5).astype(np.int64), 0, ny - 1)
    centre_masked = plane.mask[row, col] if len(x) else np.zeros(0, dtype=bool)
    fluxes: dict[float, np.ndarray] = {}
    errors: dict[float, np.ndarray] = {}
    for radius in radii:
        if len(x) == 0:
            fluxes[radius], errors[radius] = np.zeros(0), np.zeros(0)
            continue
        flux, err, _ = sep.sum_circle(plane.data, x, y, float(radius), err=plane.rms, mask=plane.mask, subpix=0)
        fluxes[radius] = np.where(centre_masked, np.nan, flux).astype(np.float64)
        errors[radius] = np.where(centre_masked, np.nan, err).astype(np.float64)
    return fluxes, errors


def magnitudes(flux: np.ndarray, error: np.ndarray, zeropoint: float = 0.0) -> tuple[np.ndarray, np.ndarray]:
    """Magnitude ``zeropoint - 2.5 log10(flux)`` and its error 1.0857 * error / flux; NaN unless flux > 0."""
    flux = np.asarray(flux, dtype=np.float64)
    positive = np.isfinite(flux) & (flux > 0)
    safe = np.where(positive, flux, 1.0)
    mag = np.where(positive, zeropoint - 2.5 * np.log10(safe), np.nan)
    mag_err = np.where(positive, MAG_ERR_FACTOR * np.asarray(error, dtype=np.float64) / safe, np.nan)
    return mag, mag_err


def concentration_index(inner_flux: np.ndarray, outer_flux: np.ndarray) -> np.ndarray:
    """CI = m(inner) - m(outer) = 2.5 log10(F_outer / F_inner); NaN unless both fluxes are positive."""
    inner_mag, _ = magnitudes(inner_flux, np.zeros_like(inner_flux))
    outer_mag, _ = magnitudes(outer_flux, np.zeros_like(outer_flux))
    return inner_mag - outer_mag


def photometry_radii(aperture_radii: Sequence[float], phot_radius: float) -> list[float]:
    """Every radius measured: the requested apertures, the magnitude aperture and the CI apertures, sorted."""
    radii = {float(r) for r in aperture_radii} | {float(phot_radius)} | set(CI_RADII)
    return sorted(radii)


def check_zeropoints(zeropoints: Mapping[str, float] | None, bands: Sequence[str]) -> dict[str, float]:
    """Zeropoint per band: 0 for every band (instrumental) when None; else every band must have one."""
    if zeropoints is None:
        return {band: 0.0 for band in bands}
    missing = [band for band in bands if band not in zeropoints]
    extra = [band for band in zeropoints if band not in bands]
    if missing or extra:
        raise DetectionError(
            ("zeropoints miss band(s) " + ", ".join(missing) if missing else "zeropoints name unknown band(s) "
             + ", ".join(extra)) + f": give one Vega zeropoint for each of {', '.join(bands)}, or none for "
            "instrumental magnitudes")
    values = {band: float(zeropoints[band]) for band in bands}
    bad = [band for band, value in values.items() if not math.isfinite(value)]
    if bad:
        raise DetectionError(f"zeropoint of {', '.join(bad)} is not a finite number")
    return values
