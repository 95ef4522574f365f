"""The tile grid must be the one rio-tiler cuts tiles on, described in map coordinates (FITS y up)."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
from rio_tiler.io import ImageReader

from tests.tiles.cog_factory import write_cog
from tiles.errors import TileOutsideError
from tiles.tilegrid import PixelWindow, max_zoom, tile_exists, tile_grid, tile_pixel_bounds

pytestmark = pytest.mark.filterwarnings("ignore:Use `@` matmul:PendingDeprecationWarning")  # affine in rasterio


def test_worked_example_of_the_module_docstring() -> None:
    grid = tile_grid(1000, 600)
    assert grid == {
        "tile_size": 256,
        "minzoom": 0,
        "maxzoom": 2,
        "resolutions": [4.0, 2.0, 1.0],
        "extent": [0, 0, 1000, 600],
        "origin": [0, 600],
    }
    assert tile_pixel_bounds(1000, 600, 2, 1, 0) == PixelWindow(256, 512, 344, 600)
    assert tile_pixel_bounds(1000, 600, 0, 0, 0) == PixelWindow(0, 1000, 0, 600)


@pytest.mark.parametrize(("width", "height"), [(100, 80), (256, 256), (257, 300), (4096, 4096), (5000, 1200)])
def test_maxzoom_matches_rio_tiler(width: int, height: int) -> None:
    from rio_tiler.io.rasterio import LocalTileMatrixSet

    assert max_zoom(width, height) == LocalTileMatrixSet(width=width, height=height).maxzoom


@pytest.fixture(scope="module")
def index_cog(tmp_path_factory: pytest.TempPathFactory):
    """A 600 x 1000 (ny x nx) COG whose value is x + 10000 * y (FITS 0-based indices)."""
    ny, nx = 600, 1000
    yy, xx = np.mgrid[0:ny, 0:nx]
    path = write_cog(tmp_path_factory.mktemp("grid") / "index.tif", (xx + 10000 * yy).astype(np.float32))
    return path, nx, ny


def test_tile_exists_agrees_with_rio_tiler(index_cog) -> None:
    path, nx, ny = index_cog
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        with ImageReader(str(path)) as reader:
            for z in range(0, reader.maxzoom + 2):
                for x in range(0, 6):
                    for y in range(0, 5):
                        assert tile_exists(nx, ny, z, x, y) == reader.tile_exists(x, y, z), (z, x, y)
    assert not tile_exists(nx, ny, 0, -1, 0)
    assert not tile_exists(nx, ny, -1, 0, 0)


@pytest.mark.parametrize(("x", "y"), [(0, 0), (1, 0), (3, 2), (2, 1)])
def test_pixel_bounds_are_the_pixels_rio_tiler_returns(index_cog, x: int, y: int) -> None:
    path, nx, ny = index_cog
    z = max_zoom(nx, ny)
    window = tile_pixel_bounds(nx, ny, z, x, y)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        with ImageReader(str(path)) as reader:
            values = reader.tile(x, y, z).array.filled(np.nan)[0]
    finite = values[np.isfinite(values)]
    cols, rows = finite % 10000, finite // 10000
    assert (cols.min(), cols.max() + 1) == (window.x_start, window.x_stop)
    assert (rows.min(), rows.max() + 1) == (window.y_start, window.y_stop)
    assert finite.size == window.width * window.height
    # top-left of the tile (COG row 0 of the tile) is the highest FITS row: y up on the map
    assert values[0, 0] == window.x_start + 10000 * (window.y_stop - 1)


def test_outside_tiles_raise_a_domain_error() -> None:
    with pytest.raises(TileOutsideError, match="outside the 1000x600 image"):
        tile_pixel_bounds(1000, 600, 2, 4, 0)
    with pytest.raises(TileOutsideError):
        tile_pixel_bounds(1000, 600, 1, 0, 2)


def test_overzoomed_tile_covers_fractions_of_pixels() -> None:
    # z = maxzoom + 1: a tile spans 128 image pixels
    assert tile_pixel_bounds(1000, 600, 3, 1, 0) == PixelWindow(128, 256, 472, 600)
