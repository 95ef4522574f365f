"""Test helper: tiny FITS files (big-endian, as FITS files are) with a TAN, SIP or CAR WCS."""

from __future__ import annotations

import gzip
import shutil
from pathlib import Path

import numpy as np
from astropy.io import fits
from astropy.wcs import WCS


def tan_header(
    nx: int, ny: int, scale_arcsec: float = 0.04, ra: float = 150.1, dec: float = 2.2, shift_px: float = 0.0
) -> fits.Header:
    """A TAN WCS whose reference pixel sits at the image centre (+ ``shift_px`` in x)."""
    w = WCS(naxis=2)
    w.wcs.ctype = ["RA---TAN", "DEC--TAN"]
    w.wcs.crval = [ra, dec]
    w.wcs.crpix = [nx / 2 + 0.5 + shift_px, ny / 2 + 0.5]
    s = scale_arcsec / 3600
    w.wcs.cd = [[-s, 0.0], [0.0, s]]
    return w.to_header()


def sip_header(nx: int, ny: int) -> fits.Header:
    """A TAN-SIP header with small second-order distortion terms (as in HST ``_flt`` / ``_drc`` files)."""
    header = tan_header(nx, ny)
    header["CTYPE1"], header["CTYPE2"] = "RA---TAN-SIP", "DEC--TAN-SIP"
    header["A_ORDER"], header["B_ORDER"] = 2, 2
    header["A_2_0"], header["A_0_2"], header["B_1_1"] = 1e-5, -2e-5, 3e-5
    return header


def car_header(nx: int, ny: int) -> fits.Header:
    """A plate carree (CAR) header in galactic coordinates."""
    w = WCS(naxis=2)
    w.wcs.ctype = ["GLON-CAR", "GLAT-CAR"]
    w.wcs.crval = [30.0, 0.0]
    w.wcs.crpix = [nx / 2 + 0.5, ny / 2 + 0.5]
    w.wcs.cdelt = [-0.01, 0.01]
    return w.to_header()


def write_fits(path: Path, data: np.ndarray, header: fits.Header | None = None, **cards: object) -> Path:
    """``data`` as the primary HDU (its dtype kept: pass ``>f4``, ``>i2`` ...), extra header ``cards``."""
    hdu = fits.PrimaryHDU(data, header=header.copy() if header is not None else None)
    for key, value in cards.items():
        hdu.header[key] = value
    hdu.writeto(path, overwrite=True)
    return path


def gzip_file(path: Path) -> Path:
    """A gzipped copy ``<path>.gz``."""
    target = path.with_name(path.name + ".gz")
    with path.open("rb") as src, gzip.open(target, "wb") as dst:
        shutil.copyfileobj(src, dst)
    return target


def band_data(ny: int, nx: int, seed: int = 0, level: float = 1.0) -> np.ndarray:
    """Noise around ``level`` as big-endian float32."""
    return np.random.default_rng(seed).normal(level, 0.1, (ny, nx)).astype(">f4")
