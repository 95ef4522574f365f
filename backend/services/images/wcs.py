"""An image's celestial WCS as the transforms :mod:`backend.catalogues.crossmatch` takes.

A thin adapter over :mod:`tiles.wcs` (the one WCS implementation): pixels are FITS 0-based (astropy
origin 0), the sky side ICRS degrees whatever the header's own frame.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
from astropy.wcs import WCS

from backend.db.tables import Image
from tiles.errors import NoCelestialWcsError
from tiles.wcs import load_wcs, pix2world, world2pix

Transform = Callable[[np.ndarray, np.ndarray], tuple[np.ndarray, np.ndarray]]


def image_wcs(image: Image) -> WCS | None:
    """The image's celestial WCS, or None when it has none (a pixel-only image)."""
    if not image.wcs_header:
        return None
    try:
        return load_wcs(image.wcs_header)
    except NoCelestialWcsError:
        return None


def pixel_transforms(wcs: WCS) -> tuple[Transform, Transform]:
    """``(world2pix, pix2world)`` on numpy arrays: ICRS degrees <-> 0-based pixels."""

    def to_pixels(ra: np.ndarray, dec: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        x, y = world2pix(wcs, ra, dec)
        return np.asarray(x, dtype=float), np.asarray(y, dtype=float)

    def to_sky(x: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        ra, dec = pix2world(wcs, x, y)
        return np.asarray(ra, dtype=float), np.asarray(dec, dtype=float)

    return to_pixels, to_sky
