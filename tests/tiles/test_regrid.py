from pathlib import Path

import numpy as np
import pytest

from tests.conftest import shared_file
from tests.tiles.fits_files import tan_header, write_fits
from tiles.fitsio import BandInput, open_band
from tiles.grid import check_same_grid
from tiles.regrid import on_grid, regrid_bands


def gaussian(n: int, sigma: float, flux: float) -> np.ndarray:
    y, x = np.mgrid[:n, :n] - (n - 1) / 2
    image = np.exp(-(x**2 + y**2) / (2 * sigma**2))
    return (flux * image / image.sum()).astype(">f4")


def test_coarse_band_onto_a_finer_grid_conserves_flux(tmp_path: Path) -> None:
    fine_path = write_fits(tmp_path / "fine.fits", np.zeros((90, 90), ">f4"), tan_header(90, 90, scale_arcsec=0.03))
    coarse_path = write_fits(tmp_path / "coarse.fits", gaussian(30, 2.0, 500.0), tan_header(30, 30, scale_arcsec=0.09))
    fine, coarse = open_band(BandInput("fine", fine_path)), open_band(BandInput("coarse", coarse_path))
    bands, notes = regrid_bands([fine, coarse], fine, tmp_path / "work")
    assert bands[0] is fine and bands[1].shape == (90, 90)
    resampled = bands[1].read_rows(0, 90)
    assert resampled.dtype == np.float32
    assert np.nansum(resampled) == pytest.approx(500.0, rel=0.01)  # flux, not surface brightness
    assert np.nanmax(resampled) == pytest.approx(gaussian(30, 2.0, 500.0).max() / 9, rel=0.1)
    assert check_same_grid(bands) == []
    assert notes == [
        'band coarse (30x30, 0.090"/px) was resampled onto the grid of fine (90x90, 0.030"/px) '
        "with reproject_adaptive (flux-conserving)"
    ]
    np.testing.assert_array_equal(bands[1].read_rows(10, 20), resampled[10:20])
    assert list((tmp_path / "work").iterdir()) == [tmp_path / "work" / "coarse.regrid.npy"]


def test_pixels_outside_the_input_are_nan(tmp_path: Path) -> None:
    big = write_fits(tmp_path / "big.fits", np.zeros((60, 60), ">f4"), tan_header(60, 60, scale_arcsec=0.04))
    small = write_fits(tmp_path / "small.fits", np.ones((10, 10), ">f4"), tan_header(10, 10, scale_arcsec=0.04))
    ref = open_band(BandInput("big", big))
    bands, _ = regrid_bands([ref, open_band(BandInput("small", small))], ref, tmp_path / "w")
    out = bands[1].read_rows(0, 60)
    assert np.isnan(out[0, 0]) and np.isfinite(out[30, 30]) and out[30, 30] == pytest.approx(1.0, rel=0.05)


def test_bands_already_on_the_grid_are_kept(tmp_path: Path) -> None:
    header = tan_header(20, 20)
    a = open_band(BandInput("a", write_fits(tmp_path / "a.fits", np.ones((20, 20), ">f4"), header)))
    b = open_band(BandInput("b", write_fits(tmp_path / "b.fits", np.ones((20, 20), ">f4"), header)))
    assert on_grid(b, a)
    bands, notes = regrid_bands([a, b], a, tmp_path / "w")
    assert bands[1] is b and notes == []


def test_real_hsc_plane_onto_the_hst_grid(tmp_path: Path) -> None:
    hst = open_band(BandInput("F814W", shared_file("images/cosmos_hst_hsc/Cut_HST.fits")))
    hsc = open_band(BandInput("HSC_i", shared_file("images/cosmos_hst_hsc/Cut_HSC.fits"), plane=2))
    bands, _ = regrid_bands([hsc, hst], hst, tmp_path / "w")
    out = bands[0].read_rows(0, 250)
    assert out.shape == (250, 250) and np.isfinite(out[50:200, 50:200]).all()
    # the HST footprint covers about 44.6 x 44.6 HSC pixels: the flux inside it is kept, spread over 5.6^2 pixels
    covered = hsc.read_rows(3, 47)[:, 2:46]
    assert np.nansum(out) == pytest.approx(covered.sum(), rel=0.1)
