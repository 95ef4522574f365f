"""Resampling bands onto the pixel grid of a reference band (``build_image(..., reproject=True)``).

The function is ``reproject.reproject_adaptive`` with ``conserve_flux=True``:

- HST/JWST pixels hold a flux per pixel (e-/s, or erg/s/cm^2/A after PHOTFLAM), so moving a band onto a grid
  with pixels N times smaller must divide each value by N to keep the flux of a source (its photometry, and the
  colour balance of the composite) unchanged. ``conserve_flux=True`` rescales by the Jacobian of the pixel
  transformation; ``reproject_exact`` would conserve surface brightness instead (the per-pixel values) and is
  restricted to celestial images, and ``reproject_interp`` neither conserves flux nor anti-aliases when a fine
  band is brought onto a coarse grid.
- The adaptive, anti-aliased algorithm (DeForest 2004) handles both directions (coarse -> fine and fine ->
  coarse) with one method, unlike plain interpolation.

Blank input pixels (NaN) are left out of the averaging (``bad_value_mode="ignore"``); output pixels that fall
outside the input image are NaN. Each resampled band is written to a float32 ``.npy`` under the work folder
(a temporary, removed with it) and read back in windows like any band, so the rest of the ingest does not
change. A band being resampled is held whole in memory (one at a time).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np

from tiles.fitsio import FitsBand, RowReader
from tiles.grid import GRID_TOLERANCE_PX, grid_offset_px, pixel_scale_arcsec


def _npy_reader(path: Path) -> RowReader:
    def read(start: int, stop: int) -> np.ndarray:
        data = np.load(path, mmap_mode="r")
        try:
            return np.array(data[start:stop], dtype=np.float32)
        finally:
            del data

    return read


def on_grid(band: FitsBand, reference: FitsBand) -> bool:
    """True when ``band`` already shares the reference grid (same shape, WCS within tolerance)."""
    if band.shape != reference.shape or band.wcs is None or reference.wcs is None:
        return False
    return grid_offset_px(reference.wcs, band.wcs, reference.shape) < GRID_TOLERANCE_PX


def regrid_band(band: FitsBand, reference: FitsBand, work_dir: Path) -> FitsBand:
    """``band`` resampled onto the grid of ``reference`` (flux-conserving), stored under ``work_dir``."""
    from reproject import reproject_adaptive  # imported here: slow to import, and only needed to resample

    assert band.wcs is not None and reference.wcs is not None, "choose_reference checks every band has a WCS"
    data = band.read_rows(0, band.shape[0])
    path = work_dir / f"{band.name}.regrid.npy"
    output = np.lib.format.open_memmap(path, mode="w+", dtype=np.float32, shape=reference.shape)
    try:
        reproject_adaptive(
            (data, band.wcs),
            reference.wcs,
            shape_out=reference.shape,
            conserve_flux=True,
            bad_value_mode="ignore",
            output_array=output,
            return_footprint=False,
        )
        output.flush()
    finally:
        del output
    return dataclasses.replace(
        band,
        shape=reference.shape,
        wcs=reference.wcs,
        reader=_npy_reader(path),
        warnings=[*band.warnings],
    )


def regrid_bands(
    bands: Sequence[FitsBand],
    reference: FitsBand,
    work_dir: Path,
    progress: Callable[[str, float], None] | None = None,
) -> tuple[list[FitsBand], list[str]]:
    """Every band on the reference grid (bands already on it are kept as they are), and one note per band
    that was resampled, for the manifest's warnings."""
    work_dir.mkdir(parents=True, exist_ok=True)
    result: list[FitsBand] = []
    notes: list[str] = []
    for i, band in enumerate(bands):
        if band is reference or on_grid(band, reference):
            result.append(band)
            continue
        if progress:
            progress(f"resampling {band.name} onto the grid of {reference.name}", i / len(bands))
        result.append(regrid_band(band, reference, work_dir))
        notes.append(
            f"band {band.name} ({band.shape[1]}x{band.shape[0]}, {pixel_scale_arcsec(band.wcs):.3f}\"/px) "  # type: ignore[arg-type]
            f"was resampled onto the grid of {reference.name} ({reference.shape[1]}x{reference.shape[0]}, "
            f"{pixel_scale_arcsec(reference.wcs):.3f}\"/px) with reproject_adaptive (flux-conserving)"  # type: ignore[arg-type]
        )
    return result, notes
