"""Cutouts: centring convention, padding and validity, band checks, speed (real SDSS g, r, i)."""

from __future__ import annotations

import time

import numpy as np
import pytest
from astropy.io import fits

from models.cutouts import extract_cutouts
from models.errors import CutoutError
from tests.conftest import shared_file


@pytest.fixture(scope="module")
def sdss_bands() -> list[np.ndarray]:
    return [
        fits.getdata(shared_file(f"images/sdss_gri/reprojected_sdss_{b}.fits")).astype(np.float32)
        for b in "gri"
    ]


def test_source_pixel_lands_at_size_over_two(sdss_bands: list[np.ndarray]) -> None:
    cut = extract_cutouts(sdss_bands, x=np.array([100.0, 200.4]), y=np.array([50.0, 300.6]), size=32)
    assert cut.data.shape == (2, 3, 32, 32) and cut.valid.shape == (2, 3, 32, 32)
    # 0-based (x, y) = (200.4, 300.6) lies in pixel column 200, row 301
    for b in range(3):
        assert cut.data[1, b, 16, 16] == sdss_bands[b][301, 200]
        assert cut.data[0, b, 0, 0] == sdss_bands[b][50 - 16, 100 - 16]
    assert cut.valid[0].all()


def test_edges_are_zero_and_invalid(sdss_bands: list[np.ndarray]) -> None:
    height, width = sdss_bands[0].shape
    cut = extract_cutouts(sdss_bands, x=np.array([0.0, width - 1.0]), y=np.array([0.0, height - 1.0]), size=8)
    assert not cut.valid[0, :, :4, :].any() and cut.valid[0, :, 4:, 4:].all()
    assert (cut.data[0, :, :4, :] == 0).all()
    assert not cut.valid[1, :, :, 5:].any()  # columns beyond width - 1
    assert cut.valid_fraction[0] == pytest.approx(16 / 64)


def test_nan_pixels_are_padded_with_zero_per_band() -> None:
    g = np.arange(100, dtype=np.float32).reshape(10, 10)
    r = g.copy()
    r[5, 5] = np.nan
    cut = extract_cutouts([g, r], x=np.array([5.0]), y=np.array([5.0]), size=4)
    assert cut.valid[0, 0].all() and not cut.valid[0, 1, 2, 2]
    assert cut.data[0, 1, 2, 2] == 0 and cut.data[0, 0, 2, 2] == 55


def test_bands_must_share_a_grid() -> None:
    message = "F275W has shape 8x9, F336W has 8x8: bands must share one pixel grid"
    with pytest.raises(CutoutError, match=message):
        extract_cutouts([np.zeros((8, 8)), np.zeros((8, 9))], np.array([1.0]), np.array([1.0]),
                        band_names=["F336W", "F275W"])
    with pytest.raises(CutoutError, match="NaN or infinite"):
        extract_cutouts([np.zeros((8, 8))], np.array([np.nan]), np.array([1.0]))


def test_fifteen_thousand_sources_cut_in_seconds(sdss_bands: list[np.ndarray]) -> None:
    rng = np.random.default_rng(0)
    height, width = sdss_bands[0].shape
    x, y = rng.uniform(0, width, 15_000), rng.uniform(0, height, 15_000)
    start = time.perf_counter()
    cut = extract_cutouts(sdss_bands, x, y, size=32)
    elapsed = time.perf_counter() - start
    assert cut.data.shape == (15_000, 3, 32, 32)
    assert elapsed < 10.0, f"cutting 15,000 sources took {elapsed:.1f} s"
