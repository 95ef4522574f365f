"""Do the bands share one pixel grid? Which band's grid do the others get resampled onto?

Two bands share a grid when they have the same shape and their WCS agree: the four corners and the centre of
the image (0-based pixel coordinates, astropy origin 0), mapped to the sky through one WCS and back through the
other, land within ``GRID_TOLERANCE_PX`` of where they started. Distortions (SIP, lookup tables) take part in
both directions (``pixel_to_world_values`` / ``world_to_pixel_values`` are astropy's ``all_pix2world`` family).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from astropy.wcs import WCS
from astropy.wcs.utils import proj_plane_pixel_scales

from tiles.errors import BandNameError, GridMismatchError
from tiles.fitsio import FitsBand

GRID_TOLERANCE_PX = 0.01
"""Largest offset, in pixels, between two WCS for the bands to count as one grid."""

REPROJECT_HINT = "bands must share one pixel grid (use --reproject to resample them onto one grid)"


def shape_text(shape: tuple[int, int]) -> str:
    """``NAXIS1xNAXIS2`` (width x height), as FITS headers and DS9 state image sizes."""
    return f"{shape[1]}x{shape[0]}"


def grid_offset_px(wcs_a: WCS, wcs_b: WCS, shape: tuple[int, int]) -> float:
    """Largest pixel offset over the corners and centre of an image of ``shape`` (ny, nx) mapped to the sky by
    ``wcs_a`` and back to pixels by ``wcs_b`` (origin 0). ``inf`` when a point does not map back."""
    ny, nx = shape
    x = np.array([0.0, nx - 1.0, 0.0, nx - 1.0, (nx - 1) / 2.0])
    y = np.array([0.0, 0.0, ny - 1.0, ny - 1.0, (ny - 1) / 2.0])
    try:
        world = wcs_a.pixel_to_world_values(x, y)
        xb, yb = wcs_b.world_to_pixel_values(*world)
    except Exception:  # astropy raises NoConvergence and friends for points a WCS cannot invert
        return float("inf")
    offsets = np.hypot(np.asarray(xb) - x, np.asarray(yb) - y)
    return float(np.max(offsets)) if np.all(np.isfinite(offsets)) else float("inf")


def pixel_scale_arcsec(wcs: WCS) -> float:
    """Mean pixel scale (arcsec per pixel) at the reference point."""
    return float(np.mean(proj_plane_pixel_scales(wcs)) * 3600.0)


def grid_mismatches(bands: Sequence[FitsBand], tolerance: float = GRID_TOLERANCE_PX) -> list[str]:
    """Why the bands are not on one grid (empty when they are), measured against the first band."""
    if not bands:
        return []
    first = bands[0]
    if any(band.shape != first.shape for band in bands):
        return [f"band {band.name} has shape {shape_text(band.shape)}" for band in bands]
    problems = []
    for band in bands[1:]:
        if first.wcs is None or band.wcs is None:
            continue
        offset = grid_offset_px(first.wcs, band.wcs, first.shape)
        if offset >= tolerance:
            shown = "does not map" if not np.isfinite(offset) else f"is offset by up to {offset:.3g} px"
            problems.append(f"band {band.name} {shown} from {first.name} (same shape {shape_text(first.shape)})")
    return problems


def check_same_grid(bands: Sequence[FitsBand], tolerance: float = GRID_TOLERANCE_PX) -> list[str]:
    """Raise :class:`GridMismatchError` unless every band has the same shape and WCS; return warnings
    (bands whose WCS is missing could only be compared by shape)."""
    problems = grid_mismatches(bands, tolerance)
    if problems:
        raise GridMismatchError(f"{', '.join(problems)}: {REPROJECT_HINT}")
    missing = [band.name for band in bands if band.wcs is None]
    if missing and len(missing) < len(bands):
        return [f"bands {', '.join(missing)} have no celestial WCS: only their shapes were checked"]
    return []


def choose_reference(bands: Sequence[FitsBand], name: str | None = None) -> FitsBand:
    """The band whose grid the others are resampled onto: ``name``, else the finest pixel scale (the first
    such band on ties). Every band needs a celestial WCS to be resampled."""
    no_wcs = [band.name for band in bands if band.wcs is None]
    if no_wcs:
        raise GridMismatchError(
            f"bands {', '.join(no_wcs)} have no celestial WCS, so they cannot be resampled onto one grid: "
            "give bands that already share one pixel grid"
        )
    if name is not None:
        for band in bands:
            if band.name == name:
                return band
        known = ", ".join(band.name for band in bands)
        raise BandNameError(f"reference band {name!r} is not one of the bands ({known})")
    return min(bands, key=lambda band: pixel_scale_arcsec(band.wcs))  # type: ignore[arg-type]
