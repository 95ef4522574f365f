"""Writing a simulated field: one FITS image per band, the truth catalogue, atomically.

Images follow the HST drizzled-product conventions a reader of LEGUS data expects: float32 in e-/s
(``BUNIT = 'ELECTRONS/S'``), a TAN WCS with a CD matrix at 0.04"/px (with a small rotation), ``PHOTFLAM`` /
``PHOTPLAM`` / ``PHOTZPT`` for STmag-based flux calibration, ``EXPTIME``, ``FILTER``, ``TELESCOP``, ``INSTRUME``.
Everything is written into a hidden temporary folder beside the target and renamed into place at the end, so a
crash never leaves a half-written field behind.
"""

from __future__ import annotations

import math
import os
import shutil
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import numpy as np
from astropy.io import fits
from astropy.table import Table
from astropy.wcs import WCS

from simulate.bands import BANDS, PIXEL_SCALE_ARCSEC, Band
from simulate.errors import SimulationError

GALAXY_NAME = "simgal"
FIELD_CENTRE_DEG = (187.5124, 8.0471)
"""Sky position of the image centre: a plausible high-latitude field, not a real galaxy."""
ROTATION_DEG = 7.5
TRUTH_NAME = "truth.ecsv"


def field_wcs(size: int) -> WCS:
    """TAN WCS of a ``size`` x ``size`` field: reference pixel at the centre (FITS 1-based CRPIX), north rotated
    by :data:`ROTATION_DEG` from +y, east to the left."""
    wcs = WCS(naxis=2)
    wcs.wcs.ctype = ["RA---TAN", "DEC--TAN"]
    wcs.wcs.crpix = [(size + 1) / 2.0, (size + 1) / 2.0]
    wcs.wcs.crval = list(FIELD_CENTRE_DEG)
    scale = PIXEL_SCALE_ARCSEC / 3600.0
    c, s = math.cos(math.radians(ROTATION_DEG)), math.sin(math.radians(ROTATION_DEG))
    wcs.wcs.cd = [[-scale * c, scale * s], [scale * s, scale * c]]
    wcs.wcs.radesys = "ICRS"
    wcs.wcs.equinox = 2000.0
    return wcs


def band_header(band: Band, wcs: WCS, seed: int, distance_mpc: float) -> fits.Header:
    """Primary header of one band: WCS, photometric keywords, exposure and provenance."""
    header = wcs.to_header()
    header["BUNIT"] = ("ELECTRONS/S", "count rate, sky subtracted (drizzled)")
    header["TELESCOP"] = ("HST", "simulated")
    header["INSTRUME"] = (band.instrument, "simulated")
    header["DETECTOR"] = (band.detector, "simulated")
    header["FILTER"] = (band.name, "LEGUS " + band.legus_name + " band")
    header["EXPTIME"] = (band.exptime, "[s] total exposure time")
    header["NCOMBINE"] = (band.n_exposures, "exposures combined")
    header["PHOTFLAM"] = (band.photflam, "[erg/s/cm2/A] per e-/s, inverse sensitivity")
    header["PHOTPLAM"] = (band.photplam, "[Angstrom] pivot wavelength")
    header["PHOTZPT"] = (-21.10, "ST magnitude zero point")
    header["VEGAZPT"] = (band.vega_zp, "Vega mag of 1 e-/s (zeropoint used to simulate)")
    header["SIMULATE"] = (True, "this is not a real observation")
    header["SIMSEED"] = (seed, "random seed of the simulation")
    header["SIMDIST"] = (distance_mpc, "[Mpc] distance of the simulated galaxy")
    header["OBJECT"] = (GALAXY_NAME, "simulated galaxy")
    header.add_comment("Simulated LEGUS-like HST image made by skylabel (simulate); not a real observation.")
    header.add_comment("Sources follow LEGUS class priors; see truth.ecsv in the same folder for every object.")
    return header


def band_path(folder: Path, band: Band) -> Path:
    """``<folder>/<galaxy>_<band>.fits``, lower-case band as in HST file names."""
    return folder / f"{GALAXY_NAME}_{band.name.lower()}.fits"


def write_band(folder: Path, band: Band, image: np.ndarray, wcs: WCS, seed: int, distance_mpc: float) -> Path:
    """Write one float32 band image; returns its path."""
    path = band_path(folder, band)
    fits.PrimaryHDU(np.asarray(image, dtype=np.float32), header=band_header(band, wcs, seed, distance_mpc)).writeto(
        path, overwrite=True)
    return path


def write_truth(folder: Path, table: Table) -> Path:
    """Write the truth catalogue as ECSV (keeps units and column descriptions)."""
    path = folder / TRUTH_NAME
    table.write(path, format="ascii.ecsv", overwrite=True)
    return path


def check_target(out_dir: Path) -> None:
    """Refuse a target that exists and holds something other than a previous simulation."""
    if out_dir.exists() and not out_dir.is_dir():
        raise SimulationError(f"{out_dir} exists and is a file: give a folder path for the simulated field")
    if out_dir.is_dir() and any(out_dir.iterdir()) and not (out_dir / TRUTH_NAME).exists():
        raise SimulationError(f"{out_dir} already holds files that are not a simulated field; "
                              "choose a new or empty folder")


@contextmanager
def atomic_folder(out_dir: Path) -> Iterator[Path]:
    """Yield a temporary folder beside ``out_dir``; on success it replaces ``out_dir`` in one rename."""
    out_dir = Path(out_dir)
    check_target(out_dir)
    out_dir.parent.mkdir(parents=True, exist_ok=True)
    temporary = out_dir.parent / f".{out_dir.name}.tmp-{os.getpid()}-{uuid.uuid4().hex[:8]}"
    temporary.mkdir()
    try:
        yield temporary
        check_target(out_dir)
        old = None
        if out_dir.exists():
            old = out_dir.parent / f".{out_dir.name}.old-{uuid.uuid4().hex[:8]}"
            out_dir.rename(old)
        temporary.rename(out_dir)
        if old is not None:
            shutil.rmtree(old, ignore_errors=True)
    finally:
        if temporary.exists():
            shutil.rmtree(temporary, ignore_errors=True)


def all_band_paths(folder: Path) -> dict[str, Path]:
    """Band name -> image path of a simulated field folder."""
    return {band.name: band_path(folder, band) for band in BANDS}
