from pathlib import Path

import pytest

from tests.conftest import shared_file
from tests.tiles.fits_files import band_data, sip_header, tan_header, write_fits
from tiles.errors import BandNameError, GridMismatchError
from tiles.fitsio import BandInput, FitsBand, open_band
from tiles.grid import check_same_grid, choose_reference, grid_offset_px, pixel_scale_arcsec


def band(tmp_path: Path, name: str, ny: int = 40, nx: int = 50, **header_kwargs: float) -> FitsBand:
    path = write_fits(tmp_path / f"{name}.fits", band_data(ny, nx), tan_header(nx, ny, **header_kwargs))
    return open_band(BandInput(name, path))


def test_identical_grids_pass(tmp_path: Path) -> None:
    a, b = band(tmp_path, "F435W"), band(tmp_path, "F555W")
    assert grid_offset_px(a.wcs, b.wcs, a.shape) < 1e-6
    assert check_same_grid([a, b]) == []


def test_different_shapes_name_every_band(tmp_path: Path) -> None:
    small, big = band(tmp_path, "HSC", 50, 50), band(tmp_path, "F814W", 250, 250)
    with pytest.raises(GridMismatchError) as error:
        check_same_grid([small, big])
    assert str(error.value) == (
        "band HSC has shape 50x50, band F814W has shape 250x250: bands must share one pixel grid "
        "(use --reproject to resample them onto one grid)"
    )


def test_shifted_wcs_is_a_different_grid_and_a_tiny_shift_is_not(tmp_path: Path) -> None:
    a = band(tmp_path, "F435W")
    shifted = band(tmp_path, "F555W", shift_px=0.5)
    with pytest.raises(
        GridMismatchError, match=r"band F555W is offset by up to 0.5 px from F435W \(same shape 50x40\)"
    ):
        check_same_grid([a, shifted])
    assert check_same_grid([a, band(tmp_path, "F814W", shift_px=0.001)]) == []


def test_sip_distortion_counts(tmp_path: Path) -> None:
    plain = band(tmp_path, "a", 200, 200)
    sip = open_band(BandInput("b", write_fits(tmp_path / "sip.fits", band_data(200, 200), sip_header(200, 200))))
    assert grid_offset_px(plain.wcs, sip.wcs, plain.shape) > 0.01
    with pytest.raises(GridMismatchError):
        check_same_grid([plain, sip])


def test_missing_wcs_compares_shapes_only_with_a_warning(tmp_path: Path) -> None:
    a = band(tmp_path, "a")
    bare = open_band(BandInput("bare", write_fits(tmp_path / "bare.fits", band_data(40, 50))))
    assert check_same_grid([a, bare]) == ["bands bare have no celestial WCS: only their shapes were checked"]


def test_reference_is_the_finest_pixel_scale_or_the_named_band(tmp_path: Path) -> None:
    coarse, fine = band(tmp_path, "coarse", scale_arcsec=0.1), band(tmp_path, "fine", scale_arcsec=0.03)
    assert pixel_scale_arcsec(fine.wcs) == pytest.approx(0.03)
    assert choose_reference([coarse, fine]) is fine
    assert choose_reference([coarse, fine], "coarse") is coarse
    with pytest.raises(BandNameError, match=r"reference band 'x' is not one of the bands \(coarse, fine\)"):
        choose_reference([coarse, fine], "x")
    bare = open_band(BandInput("bare", write_fits(tmp_path / "bare.fits", band_data(40, 50))))
    with pytest.raises(GridMismatchError, match="bands bare have no celestial WCS"):
        choose_reference([coarse, bare])


def test_real_hst_and_hsc_are_two_grids() -> None:
    hst = open_band(BandInput("F814W", shared_file("images/cosmos_hst_hsc/Cut_HST.fits")))
    hsc = open_band(BandInput("HSC_i", shared_file("images/cosmos_hst_hsc/Cut_HSC.fits"), plane=2))
    with pytest.raises(GridMismatchError, match="band HSC_i has shape 50x50, band F814W has shape 250x250"):
        check_same_grid([hsc, hst])
    assert pixel_scale_arcsec(hst.wcs) == pytest.approx(0.03, rel=1e-3)
    assert pixel_scale_arcsec(hsc.wcs) == pytest.approx(0.168, rel=1e-3)
    assert choose_reference([hsc, hst]) is hst


def test_real_sdss_bands_share_one_grid() -> None:
    bands = [open_band(BandInput(c, shared_file(f"images/sdss_gri/reprojected_sdss_{c}.fits"))) for c in "gri"]
    assert check_same_grid(bands) == []
