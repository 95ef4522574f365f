"""The pixel-space tile pyramid of an image, as rio-tiler serves it and as the browser map must describe it.

rio-tiler's ``ImageReader`` reads a non-georeferenced COG through a ``LocalTileMatrixSet``: tiles of 256 x 256
pixels, ``minzoom`` 0, ``maxzoom`` = number of halvings of the image until its smaller side fits in one tile
(``rasterio.rio.overview.get_maximum_overview_level(width, height, minsize=256)``), and at zoom ``z`` one tile
pixel spans ``2 ** (maxzoom - z)`` image pixels. Tile ``(z, x, y)`` starts at COG column ``256 * x * res`` and
COG row ``256 * y * res`` counted from the COG's top-left corner, rows growing downwards.

Three pixel conventions meet here; every function says which one it takes or returns:

* **FITS 0-based** (numpy / astropy ``origin=0``): pixel ``(x, y)`` is column ``x``, row ``y`` of the FITS
  array, its centre at integer coordinates, y growing *upwards* on screen as in DS9. (FITS header keywords
  such as CRPIX are 1-based: add 1.)
* **COG pixels**: the renditions are stored flipped vertically so that the map shows FITS y up:
  COG row ``r`` = FITS 0-based row ``height - 1 - r``; columns are the same.
* **Map coordinates** (what OpenLayers uses, one map unit = one image pixel): ``map_x = x + 0.5`` and
  ``map_y = y + 0.5`` for the centre of FITS 0-based pixel ``(x, y)``, so the image covers the extent
  ``[0, 0, width, height]`` and pixel ``(x, y)`` covers ``[x, x + 1] x [y, y + 1]``. The tile grid's origin is
  the top-left corner ``[0, height]`` and the tile row index grows downwards (OpenLayers' XYZ convention).

Worked example, a 1000 x 600 image (width x height): ``maxzoom`` = 2 (600 -> 300 -> 150 fits 256), so
resolutions are ``[4, 2, 1]`` map units per tile pixel for z = 0, 1, 2. At z = 2 tile (x=1, y=0) covers COG
columns 256..511 and COG rows 0..255, i.e. FITS 0-based columns 256..511 and rows 599-255 = 344..599, i.e. the
map box ``[256, 344, 512, 600]``. At z = 0 the single tile (0, 0) spans 1024 x 1024 image pixels and covers
the whole image (the part beyond x = 1000 and below y = 0 is transparent). The map centre of FITS pixel
(0, 0) is (0.5, 0.5); its corners are (0, 0) and (1, 1).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

from tiles.errors import TileOutsideError, TilesError

TILE_SIZE = 256
"""Tile width and height in pixels, rio-tiler's ``LocalTileMatrixSet`` default."""


def max_zoom(width: int, height: int, tile_size: int = TILE_SIZE) -> int:
    """Number of halvings until the smaller side fits one tile (rasterio's ``get_maximum_overview_level``).

    At ``maxzoom`` one tile pixel is one image pixel. Kept identical to rio-tiler so that the grid
    the browser is told about is the grid the server cuts tiles on.
    """
    level, factor = 0, 1
    while min(width // factor, height // factor) > tile_size:
        factor *= 2
        level += 1
    return level


def resolution(width: int, height: int, z: int, tile_size: int = TILE_SIZE) -> float:
    """Image pixels per tile pixel at zoom ``z`` (also map units per screen pixel at that zoom)."""
    return 2.0 ** (max_zoom(width, height, tile_size) - z)


def tile_grid(width: int, height: int, tile_size: int = TILE_SIZE) -> dict[str, Any]:
    """Tile grid description for OpenLayers (``ol/tilegrid/TileGrid`` options), in map coordinates.

    ``resolutions[z]`` = ``2 ** (maxzoom - z)`` map units (image pixels) per tile pixel, ``extent`` =
    ``[0, 0, width, height]``, ``origin`` = top-left ``[0, height]``; tile rows grow downwards.
    """
    _check_size(width, height)
    top = max_zoom(width, height, tile_size)
    return {
        "tile_size": tile_size,
        "minzoom": 0,
        "maxzoom": top,
        "resolutions": [2.0 ** (top - z) for z in range(top + 1)],
        "extent": [0, 0, width, height],
        "origin": [0, height],
    }


@dataclass(frozen=True)
class PixelWindow:
    """Pixels a tile covers, as half-open FITS 0-based index ranges clipped to the image.

    Columns ``x_start <= x < x_stop`` and rows ``y_start <= y < y_stop`` (FITS 0-based, y up).
    """

    x_start: int
    x_stop: int
    y_start: int
    y_stop: int

    @property
    def width(self) -> int:
        return self.x_stop - self.x_start

    @property
    def height(self) -> int:
        return self.y_stop - self.y_start


def _cog_span(width: int, height: int, z: int, x: int, y: int, tile_size: int) -> tuple[float, ...]:
    """Unclipped COG pixel edges (col0, col1, row0, row1) of tile (z, x, y); rows counted from the top."""
    span = tile_size * resolution(width, height, z, tile_size)
    return x * span, (x + 1) * span, y * span, (y + 1) * span


def tile_exists(width: int, height: int, z: int, x: int, y: int, tile_size: int = TILE_SIZE) -> bool:
    """True when tile (z, x, y) of OpenLayers' XYZ scheme overlaps the image (same test as rio-tiler)."""
    if z < 0 or x < 0 or y < 0:
        return False
    col0, _, row0, _ = _cog_span(width, height, z, x, y, tile_size)
    return col0 < width and row0 < height


def tile_pixel_bounds(width: int, height: int, z: int, x: int, y: int, tile_size: int = TILE_SIZE) -> PixelWindow:
    """FITS 0-based pixel window covered by tile (z, x, y), clipped to the image.

    The COG rows ``[row0, row1)`` of the tile are FITS rows ``[height - row1, height - row0)`` because the
    COG is stored flipped. Above ``maxzoom`` a tile covers fractions of pixels; every pixel it touches is
    included. Raises :class:`TileOutsideError` when the tile does not overlap the image.
    """
    _check_size(width, height)
    if not tile_exists(width, height, z, x, y, tile_size):
        raise TileOutsideError(
            f"tile z={z} x={x} y={y} lies outside the {width}x{height} image "
            f"(zoom levels 0..{max_zoom(width, height, tile_size)})"
        )
    col0, col1, row0, row1 = _cog_span(width, height, z, x, y, tile_size)
    cog_row_start = math.floor(row0)
    cog_row_stop = min(math.ceil(row1), height)
    return PixelWindow(
        x_start=math.floor(col0),
        x_stop=min(math.ceil(col1), width),
        y_start=height - cog_row_stop,
        y_stop=height - cog_row_start,
    )


def _check_size(width: int, height: int) -> None:
    if width < 1 or height < 1:
        raise TilesError(f"image size {width}x{height} is empty: an image needs at least one pixel")
