"""Small synthetic multi-band FITS images with a TAN WCS, for API and CLI tests."""

from __future__ import annotations

from pathlib import Path

import numpy as np
from astropy.io import fits
from astropy.wcs import WCS

BRIGHT = (37, 151)  # FITS 0-based (x, y) of a pixel much brighter than everything else


def tan_header(width: int, height: int, ra: float = 150.1, dec: float = 2.2, scale_arcsec: float = 0.04) -> fits.Header:
    w = WCS(naxis=2)
    w.wcs.ctype = ["RA---TAN", "DEC--TAN"]
    w.wcs.crval = [ra, dec]
    w.wcs.crpix = [width / 2 + 0.5, height / 2 + 0.5]
    angle = np.deg2rad(12.0)
    s = scale_arcsec / 3600
    w.wcs.cd = [[-s * np.cos(angle), s * np.sin(angle)], [s * np.sin(angle), s * np.cos(angle)]]
    return w.to_header()


def write_band(path: Path, width: int = 300, height: int = 200, seed: int = 0, photflam: float | None = 1e-19,
               header: fits.Header | None = None, bright: tuple[int, int] | None = BRIGHT) -> Path:
    rng = np.random.default_rng(seed)
    data = rng.normal(1.0, 0.1, (height, width)).astype(">f4")  # big-endian, as FITS files are
    if bright is not None:
        data[bright[1], bright[0]] = 1000.0
    hdr = header if header is not None else tan_header(width, height)
    hdr = hdr.copy()
    hdr["BUNIT"] = "ELECTRONS/S"
    if photflam is not None:
        hdr["PHOTFLAM"] = photflam
        hdr["PHOTPLAM"] = 5000.0
    hdr["EXPTIME"] = 1000.0
    fits.PrimaryHDU(data, header=hdr).writeto(path, overwrite=True)
    return path


def write_bands(folder: Path, names=("F435W", "F555W", "F814W"), **kwargs) -> dict[str, Path]:  # type: ignore[no-untyped-def]
    folder.mkdir(parents=True, exist_ok=True)
    return {name: write_band(folder / f"{name}.fits", seed=i, **kwargs) for i, name in enumerate(names)}
