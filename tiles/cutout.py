"""Stretched cutouts around a source, for the source panel: full resolution, same stretch as the map.

The window is given in **FITS 0-based** pixels: ``size`` x ``size`` pixels centred on the pixel nearest to
(x, y) (pixel centres at integers; for an even size the centre pixel is the one just right of / above the
middle). The picture has y up like the map (its top row is the highest FITS row, because the COG is stored
flipped), parts outside the image are transparent, and the image-wide limits from the ingest statistics are
used, so a cutout looks like the map around the source rather than being re-stretched on its own.
"""

from __future__ import annotations

import math
import os
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
from rasterio.windows import Window

from tiles.errors import TilesError
from tiles.params import StretchParams
from tiles.readers import READERS
from tiles.render import encode, stretch_to_rgba

MAX_CUTOUT = 1024
"""Largest cutout side in pixels: the panel shows tens of pixels; bigger requests are mistakes."""


def read_cutout(cog_path: str | os.PathLike[str], x: float, y: float, size: int) -> np.ndarray:
    """Float32 (bands, size, size) around FITS 0-based (x, y), COG row order (y up), NaN outside the image."""
    if not 1 <= size <= MAX_CUTOUT:
        raise TilesError(f"cutout size {size} is out of range: use 1 to {MAX_CUTOUT} pixels")
    if not (math.isfinite(x) and math.isfinite(y)):
        raise TilesError(f"cutout centre ({x}, {y}) is not a finite pixel position")
    x0 = math.floor(x + 0.5) - size // 2  # first FITS column
    y0 = math.floor(y + 0.5) - size // 2  # first (lowest) FITS row
    with READERS.reader(cog_path) as reader:
        dataset = reader.dataset
        assert dataset is not None  # ImageReader opens it on construction
        height, nodata = dataset.height, dataset.nodata
        window = Window(x0, height - (y0 + size), size, size)  # COG rows are FITS rows flipped
        inside = x0 >= 0 and y0 >= 0 and x0 + size <= dataset.width and y0 + size <= height
        data = dataset.read(
            window=window,
            boundless=not inside,
            fill_value=nodata if nodata is not None else np.nan,
            out_dtype=np.float32,
        )
    if nodata is not None and not math.isnan(nodata):
        data[data == nodata] = np.nan
    return data


def cutout_rgba(
    cog_path: str | os.PathLike[str],
    stats_list: Sequence[Mapping[str, Any]],
    x: float,
    y: float,
    size: int,
    params: StretchParams,
) -> np.ndarray:
    """The stretched cutout as RGBA uint8 (size, size, 4); alpha 0 outside the image or where blank."""
    return stretch_to_rgba(read_cutout(cog_path, x, y, size), stats_list, params)


def cutout_png(
    cog_path: str | os.PathLike[str],
    stats_list: Sequence[Mapping[str, Any]],
    x: float,
    y: float,
    size: int,
    params: StretchParams,
) -> bytes:
    """PNG of the ``size`` x ``size`` FITS 0-based window centred on (x, y), stretched like the map tiles."""
    return encode(cutout_rgba(cog_path, stats_list, x, y, size, params), "png", grey=len(stats_list) == 1)
