"""Cutouts: the FITS 0-based window around a source, y up, stretched exactly like the map tiles."""

from __future__ import annotations

import io
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from tests.tiles.cog_factory import write_cog
from tiles.cutout import cutout_png, cutout_rgba, read_cutout
from tiles.errors import TilesError
from tiles.params import StretchParams
from tiles.render import render_tile_array
from tiles.stats import channel_stats

pytestmark = pytest.mark.filterwarnings("ignore:Use `@` matmul:PendingDeprecationWarning")  # affine in rasterio

NY, NX = 300, 400


@pytest.fixture(scope="module")
def index_cog(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, np.ndarray]:
    yy, xx = np.mgrid[0:NY, 0:NX]
    values = (xx + 10000 * yy).astype(np.float32)
    return write_cog(tmp_path_factory.mktemp("cutout") / "index.tif", values), values


def test_window_is_centred_on_the_nearest_pixel_with_y_up(index_cog) -> None:
    path, _ = index_cog
    data = read_cutout(path, 10.2, 20.7, 5)[0]  # centre pixel (10, 21)
    assert data.shape == (5, 5)
    assert data[0, 0] == 8 + 10000 * 23  # top-left: lowest column, highest row
    assert data[-1, 0] == 8 + 10000 * 19 and data[2, 2] == 10 + 10000 * 21
    even = read_cutout(path, 10.0, 20.0, 4)[0]
    assert even[-1, 0] == 8 + 10000 * 18 and even[0, -1] == 11 + 10000 * 21


def test_outside_the_image_is_nan_and_transparent(index_cog) -> None:
    path, values = index_cog
    data = read_cutout(path, 0.0, 0.0, 4)[0]  # columns -2..1, rows -2..1
    assert np.isnan(data[:, :2]).all() and np.isnan(data[2:, :]).all()
    assert data[1, 2] == 0.0 and data[0, 3] == 1 + 10000 * 1
    rgba = cutout_rgba(path, [channel_stats(values)], 0.0, 0.0, 4, StretchParams())
    assert (rgba[2:, :, 3] == 0).all() and (rgba[:2, 2:, 3] == 255).all()


def test_cutout_matches_the_map_tile(index_cog) -> None:
    path, values = index_cog
    stats = [channel_stats(values)]
    params = StretchParams(stretch="sqrt", limits="zscale")
    tile = render_tile_array(path, stats, 1, 0, 0, params)  # maxzoom 1: tile (0, 0) is COG rows/cols 0..255
    cut = cutout_rgba(path, stats, 100.0, 250.0, 9, params)  # COG rows 299-254..299-246 = 45..53, cols 96..104
    np.testing.assert_array_equal(cut, tile[45:54, 96:105])


def test_png_and_size_limits(index_cog) -> None:
    path, values = index_cog
    png = cutout_png(path, [channel_stats(values)], 200.0, 150.0, 33, StretchParams())
    image = Image.open(io.BytesIO(png))
    assert image.format == "PNG" and image.size == (33, 33) and image.mode == "L"
    with pytest.raises(TilesError, match="cutout size 0 is out of range"):
        read_cutout(path, 1.0, 1.0, 0)
    with pytest.raises(TilesError, match="not a finite pixel position"):
        read_cutout(path, float("nan"), 1.0, 8)
