import warnings
from pathlib import Path

import numpy as np
import pytest
import rasterio
from rasterio.errors import NotGeoreferencedWarning
from rio_cogeo.cogeo import cog_validate
from rio_tiler.io import ImageReader

from tiles.cog import BLOCK, GDAL_ENV, CogWriter, cog_strips, strip_rows

pytestmark = pytest.mark.filterwarnings(
    "ignore::rasterio.errors.NotGeoreferencedWarning", "ignore::PendingDeprecationWarning"
)


def write(path: Path, planes: np.ndarray, work: Path) -> Path:
    count, ny, nx = planes.shape
    with rasterio.Env(**GDAL_ENV):
        writer = CogWriter(path, (ny, nx), count, work)
        for _, _, fits_start, fits_stop in cog_strips(ny, nx):
            writer.write_fits_rows(fits_start, planes[:, fits_start:fits_stop])
        writer.finish()
    return path


def read(path: Path) -> np.ndarray:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", NotGeoreferencedWarning)
        with rasterio.open(path) as src:
            return src.read()


def test_strips_cover_every_row_once_in_cog_order() -> None:
    height = 1300
    strips = list(cog_strips(height, 5000))
    step = strip_rows(5000)
    assert step % BLOCK == 0 and step * 5000 <= 4_000_000 + BLOCK * 5000
    assert [s[:2] for s in strips] == [(a, min(a + step, height)) for a in range(0, height, step)]
    assert [s[2:] for s in strips] == [(height - b, height - a) for a, b in (s[:2] for s in strips)]
    assert strip_rows(100) % BLOCK == 0 and strip_rows(100) > BLOCK


def test_cog_is_valid_flipped_with_nan_nodata_and_averaged_overviews(tmp_path: Path) -> None:
    ny, nx = 1100, 700
    planes = np.random.default_rng(0).normal(1.0, 0.1, (3, ny, nx)).astype(np.float32)
    planes[:, :4, :4] = np.nan
    planes[1, 1000, 600] = 500.0  # FITS 0-based (x=600, y=1000)
    path = write(tmp_path / "out.tif", planes, tmp_path)
    assert cog_validate(path, quiet=True) == (True, [], [])
    assert list(tmp_path.iterdir()) == [path]  # the temporary strips are gone
    stored = read(path)
    assert stored[1, ny - 1 - 1000, 600] == 500.0
    np.testing.assert_array_equal(stored[:, ::-1, :], planes)
    with rasterio.open(path) as src:
        assert src.profile["blockxsize"] == BLOCK and src.profile["compress"] == "zstd"
        assert np.isnan(src.nodata) and src.dtypes == ("float32",) * 3 and src.crs is None
        assert src.overviews(1)[0] == 2 and src.tags()["OVERVIEW_RESAMPLING"] == "AVERAGE"
        half = src.read(2, out_shape=(ny // 2, nx // 2))
    top_left_fits = planes[1, ny - 2 :, :2]  # the 2x2 block that becomes overview pixel (0, 0)
    assert half[0, 0] == pytest.approx(top_left_fits.mean(), rel=1e-5)


def test_rio_tiler_image_reader_opens_it(tmp_path: Path) -> None:
    planes = np.arange(600 * 520, dtype=np.float32).reshape(1, 600, 520)
    path = write(tmp_path / "one.tif", planes, tmp_path)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", NotGeoreferencedWarning)
        with ImageReader(str(path)) as reader:
            tile = reader.tile(0, 0, reader.maxzoom)
    assert tile.data.shape == (1, 256, 256)
    assert tile.data[0, 0, 0] == planes[0, 599, 0]  # top-left of the map = last FITS row, first column


def test_close_after_failure_removes_the_strips(tmp_path: Path) -> None:
    writer = CogWriter(tmp_path / "x.tif", (10, 10), 1, tmp_path)
    writer.close()
    assert list(tmp_path.iterdir()) == []
