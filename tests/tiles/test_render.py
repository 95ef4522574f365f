"""Tile rendering: rio-tiler's pixels, FITS y up, transparency, encodings, pixel readout, reader reuse."""

from __future__ import annotations

import io
import threading
import time
import warnings
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np
import pytest
from astropy.io import fits
from astropy.visualization import AsinhStretch, ManualInterval
from PIL import Image
from rio_tiler.io import ImageReader

from tests.conftest import shared_file
from tests.tiles.cog_factory import write_cog
from tiles.errors import TileOutsideError, TilesError
from tiles.params import StretchParams, resolve_limits
from tiles.readers import READERS, ReaderPool
from tiles.render import read_pixel_values, read_tile, render_tile, render_tile_array
from tiles.stats import channel_stats
from tiles.tilegrid import max_zoom, tile_exists

pytestmark = pytest.mark.filterwarnings("ignore:Use `@` matmul:PendingDeprecationWarning")  # affine in rasterio

NY, NX = 600, 1000


@pytest.fixture(scope="module")
def composite(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, np.ndarray, list[dict]]:
    """A 3-band 600 x 1000 COG (FITS row order planes kept for checks) with a NaN hole and a bright corner."""
    rng = np.random.default_rng(3)
    planes = rng.normal(10.0, 2.0, (3, NY, NX)).astype(np.float32)
    planes[:, 100:140, 200:260] = np.nan  # blank in every band
    planes[1, 300:310, 500:510] = np.nan  # only G missing
    planes[:, 0, 0] = 1000.0  # FITS pixel (0, 0): bottom-left on the map
    path = write_cog(tmp_path_factory.mktemp("render") / "rgb.tif", planes)
    return path, planes, [channel_stats(p) for p in planes]


def _rio_tiler_tile(path: Path, z: int, x: int, y: int) -> np.ndarray:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        with ImageReader(str(path)) as reader:
            image = reader.tile(x, y, z)
    return image.array.filled(np.nan)


def test_read_tile_returns_rio_tilers_pixels_inside_and_at_the_edges(composite) -> None:
    path = composite[0]
    top = max_zoom(NX, NY)
    for z in range(0, top + 2):
        for x in range(0, 9):
            for y in range(0, 6):
                if tile_exists(NX, NY, z, x, y):
                    np.testing.assert_array_equal(read_tile(path, z, x, y), _rio_tiler_tile(path, z, x, y))


def test_the_map_shows_fits_y_up(composite) -> None:
    path, planes, stats = composite
    top = max_zoom(NX, NY)  # 2: FITS row 0 is COG row 599, in tile row 2 at pixel row 599 - 512 = 87
    rgba = render_tile_array(path, stats, top, 0, 2, StretchParams(stretch="linear"))
    assert tuple(rgba[87, 0]) == (255, 255, 255, 255)
    assert (rgba[88:, :, 3] == 0).all()  # below the image: transparent
    assert rgba[86, 0, 0] < 255


def test_limits_and_stretch_are_astropys_on_real_data(tmp_path: Path) -> None:
    band = fits.getdata(shared_file("images/sdss_gri/reprojected_sdss_g.fits")).astype(np.float32)
    path = write_cog(tmp_path / "g.tif", band)
    stats = [channel_stats(band)]
    params = StretchParams(stretch="asinh", a=0.05, pmin=1, pmax=99.5)
    ((lo, hi),) = resolve_limits(params, stats)
    rgba = render_tile_array(path, stats, max_zoom(*band.shape[::-1]), 0, 0, params)
    cog_top_left = band[::-1][:256, :256].astype(np.float64)  # COG rows are FITS rows flipped
    expected = AsinhStretch(a=0.05)(ManualInterval(lo, hi)(cog_top_left), clip=True)
    finite = np.isfinite(cog_top_left)
    got = rgba[..., 0].astype(float)
    assert np.abs(got[finite] - np.round(expected[finite] * 255)).max() <= 1
    assert (rgba[..., 0] == rgba[..., 1]).all() and (rgba[..., 3][~finite] == 0).all()


def test_blank_pixels_are_transparent_and_a_missing_band_shows_the_others(composite) -> None:
    path, _, stats = composite
    top = max_zoom(NX, NY)
    # FITS rows 100..139 are COG rows 460..499 (tile row 1, rows 204..243); cols 200..259 in tile column 0
    rgba = render_tile_array(path, stats, top, 0, 1, StretchParams(stretch="linear"))
    assert (rgba[204:244, 200:260, 3] == 0).all()
    assert (rgba[203, 200:260, 3] == 255).all() and (rgba[244, 200:260, 3] == 255).all()
    # FITS rows 300..309, cols 500..509 miss G only: COG rows 290..299 (tile row 1, 34..43), tile col 1, 244..253
    partial = render_tile_array(path, stats, top, 1, 1, StretchParams(stretch="linear"))[34:44, 244:254]
    assert (partial[..., 3] == 255).all() and (partial[..., 1] == 0).all() and (partial[..., 0] > 0).all()


@pytest.mark.parametrize(("fmt", "mode"), [("webp", "RGBA"), ("png", "RGBA"), ("jpg", "RGB"), ("jpeg", "RGB")])
def test_encodings_decode_with_alpha_where_supported(composite, fmt: str, mode: str) -> None:
    path, _, stats = composite
    data = render_tile(path, stats, 0, 0, 0, StretchParams(), fmt)
    image = Image.open(io.BytesIO(data))
    assert image.format == {"jpg": "JPEG", "jpeg": "JPEG"}.get(fmt, fmt.upper())
    assert image.size == (256, 256) and image.mode == mode
    if mode == "RGBA":
        assert np.asarray(image)[..., 3].min() == 0  # z = 0 spans 1024 px: part of the tile is outside


def test_single_band_png_is_grey_and_opaque_tiles_drop_alpha(tmp_path: Path) -> None:
    band = np.random.default_rng(0).normal(0, 1, (512, 512)).astype(np.float32)
    path = write_cog(tmp_path / "grey.tif", band)
    stats = [channel_stats(band)]
    assert Image.open(io.BytesIO(render_tile(path, stats, 1, 0, 0, StretchParams(), "png"))).mode == "L"
    assert Image.open(io.BytesIO(render_tile(path, stats, 1, 0, 0, StretchParams(), "webp"))).mode == "RGB"


def test_outside_tiles_and_bad_formats_raise_domain_errors(composite) -> None:
    path, _, stats = composite
    for z, x, y in [(2, 4, 0), (2, 0, 3), (-1, 0, 0), (0, -1, 0), (2 + 7, 0, 0)]:
        with pytest.raises(TileOutsideError, match="outside the 1000x600 image"):
            render_tile(path, stats, z, x, y, StretchParams())
    with pytest.raises(TilesError, match="format 'tiff' is not supported"):
        render_tile(path, stats, 0, 0, 0, StretchParams(), "tiff")
    with pytest.raises(TilesError, match="missing: re-ingest"):
        render_tile(path.with_name("gone.tif"), stats, 0, 0, 0, StretchParams())


def test_read_pixel_values_nearest_pixel_none_outside_or_blank(composite, tmp_path: Path) -> None:
    _, planes, _ = composite
    paths = {name: write_cog(tmp_path / f"{name}.tif", planes[i]) for i, name in enumerate(("r", "g"))}
    xs = [0.0, 2.49, 2.5, -0.51, 999.4, 1000.5, 230.0, 505.0]
    ys = [0.0, 7.2, 7.2, 0.0, 599.49, 0.0, 120.0, 305.0]
    values = read_pixel_values(paths, xs, ys)
    r = values["r"]
    assert r[0] == pytest.approx(1000.0)
    assert r[1] == pytest.approx(float(planes[0, 7, 2])) and r[2] == pytest.approx(float(planes[0, 7, 3]))
    assert r[3] is None and r[5] is None  # outside
    assert r[4] == pytest.approx(float(planes[0, 599, 999]))
    assert r[6] is None  # NaN hole
    assert values["g"][7] is None and r[7] == pytest.approx(float(planes[0, 305, 505]))
    assert read_pixel_values(paths, 2.0, 7.0) == {"r": float(planes[0, 7, 2]), "g": float(planes[1, 7, 2])}


def test_readers_are_reused_and_a_replaced_file_is_reread(tmp_path: Path) -> None:
    pool = ReaderPool(max_paths=2)
    path = write_cog(tmp_path / "a.tif", np.ones((64, 64), np.float32))
    with pool.reader(path) as first:
        pass
    with pool.reader(path) as second:
        assert second is first
    assert pool.open_count() == 1
    time.sleep(0.01)
    write_cog(path, np.full((64, 64), 2.0, np.float32))
    with pool.reader(path) as third:
        assert third is not first and third.dataset.read(1)[0, 0] == 2.0
    for name in ("b", "c"):
        with pool.reader(write_cog(tmp_path / f"{name}.tif", np.ones((8, 8), np.float32))):
            pass
    assert pool.open_count() == 2  # least recently used file closed
    pool.close()
    assert pool.open_count() == 0


def test_one_reader_per_file_is_lent_to_one_thread_at_a_time(tmp_path: Path) -> None:
    pool = ReaderPool()
    path = write_cog(tmp_path / "a.tif", np.ones((64, 64), np.float32))
    holding, release = threading.Event(), threading.Event()
    seen: list[object] = []

    def hold() -> None:
        with pool.reader(path) as reader:
            seen.append(reader)
            holding.set()
            release.wait(5)

    def borrow() -> None:
        with pool.reader(path) as reader:
            seen.append(reader)

    first = threading.Thread(target=hold)
    first.start()
    holding.wait(5)
    second = threading.Thread(target=borrow)
    second.start()
    second.join(0.2)
    assert second.is_alive() and len(seen) == 1  # waits for the holder
    release.set()
    first.join(5)
    second.join(5)
    assert len(seen) == 2 and seen[0] is seen[1]
    wide = ReaderPool(per_path=2)
    with wide.reader(path) as a, wide.reader(path) as b:
        assert a is not b
    pool.close()
    wide.close()


def test_concurrent_rendering_matches_sequential(composite) -> None:
    path, _, stats = composite
    jobs = [(z, x, y) for z in range(3) for x in range(4) for y in range(3) if tile_exists(NX, NY, z, x, y)]
    expected = [render_tile_array(path, stats, *job, StretchParams()).tobytes() for job in jobs]
    with ThreadPoolExecutor(4) as pool:
        got = list(pool.map(lambda job: render_tile_array(path, stats, *job, StretchParams()).tobytes(), jobs * 3))
    assert got == expected * 3
    assert READERS.open_count() >= 1


def test_rendering_a_tile_is_fast(composite) -> None:
    path, _, stats = composite
    timings = []
    for x in range(4):
        for y in range(3):
            start = time.perf_counter()
            render_tile(path, stats, 2, x, y, StretchParams(), "webp")
            timings.append(time.perf_counter() - start)
    assert sorted(timings)[len(timings) // 2] < 0.05  # about 5-10 ms on one idle core


@pytest.mark.filterwarnings("ignore::rasterio.errors.NotGeoreferencedWarning")
def test_tiffs_without_nan_nodata_are_masked_too(tmp_path: Path) -> None:
    """Not what the ingest writes, but a hand-made GeoTIFF must not show garbage outside the image."""
    import rasterio

    plain, ints = tmp_path / "plain.tif", tmp_path / "ints.tif"
    with rasterio.open(plain, "w", driver="GTiff", width=300, height=200, count=1, dtype="float32") as dst:
        dst.write(np.full((1, 200, 300), 5.0, np.float32))
    with rasterio.open(ints, "w", driver="GTiff", width=300, height=200, count=1, dtype="int16", nodata=-1) as dst:
        values = np.full((1, 200, 300), 7, np.int16)
        values[0, 0, 0] = -1
        dst.write(values)
    no_nodata = read_tile(plain, 0, 0, 0)[0]
    assert (no_nodata[:200, :256] == 5.0).all() and np.isnan(no_nodata[200:]).all()
    with_nodata = read_tile(ints, 0, 0, 0)[0]
    assert with_nodata.dtype == np.float32 and np.isnan(with_nodata[0, 0]) and with_nodata[0, 1] == 7.0
