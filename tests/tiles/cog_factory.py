"""Test helper: small float32 COGs laid out as the ingest writes them (flipped rows, NaN nodata, no CRS)."""

from __future__ import annotations

import warnings
from pathlib import Path

import numpy as np
import rasterio
from rasterio.errors import NotGeoreferencedWarning
from rasterio.io import MemoryFile
from rio_cogeo.cogeo import cog_translate
from rio_cogeo.profiles import cog_profiles


def write_cog(path: Path, fits_planes: np.ndarray, overview_resampling: str = "average") -> Path:
    """Write ``fits_planes`` (bands, ny, nx) or (ny, nx), FITS 0-based row order, as a flipped float32 COG.

    COG row r holds FITS row ny - 1 - r, so the map shows FITS y up (the ingest's convention).
    """
    planes = np.asarray(fits_planes, dtype=np.float32)
    if planes.ndim == 2:
        planes = planes[None]
    count, ny, nx = planes.shape
    profile = {
        "driver": "GTiff",
        "dtype": "float32",
        "count": count,
        "height": ny,
        "width": nx,
        "nodata": float("nan"),
    }
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", NotGeoreferencedWarning)
        warnings.simplefilter("ignore", PendingDeprecationWarning)
        with MemoryFile() as memfile:
            with memfile.open(**profile) as mem:
                mem.write(planes[:, ::-1, :])
            with memfile.open() as src:
                cog_translate(
                    src,
                    str(path),
                    cog_profiles.get("deflate") | {"blockxsize": 256, "blockysize": 256},
                    overview_resampling=overview_resampling,
                    quiet=True,
                    in_memory=True,
                )
    with rasterio.open(path) as check:
        assert check.count == count and check.width == nx and check.height == ny
    return path
