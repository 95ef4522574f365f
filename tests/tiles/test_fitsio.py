from pathlib import Path

import numpy as np
import pytest
from astropy.io import fits

from tests.conftest import shared_file
from tests.tiles.fits_files import band_data, car_header, gzip_file, sip_header, tan_header, write_fits
from tiles.errors import BandNameError, FitsReadError
from tiles.fitsio import BandInput, open_band


def read_all(path: Path, **kwargs: object) -> np.ndarray:
    band = open_band(BandInput("F814W", path, **kwargs))  # type: ignore[arg-type]
    return band.read_rows(0, band.shape[0])


def test_big_endian_float_is_read_as_native_float32(tmp_path: Path) -> None:
    data = band_data(30, 40)
    data[3, 4] = np.nan
    data[5, 6] = np.inf
    out = read_all(write_fits(tmp_path / "b.fits", data))
    assert out.dtype == np.float32 and out.dtype.isnative
    assert np.isnan(out[3, 4]) and np.isnan(out[5, 6])
    expected = data.astype(np.float32)
    expected[5, 6] = np.nan
    np.testing.assert_array_equal(out, expected)


@pytest.mark.parametrize("gzipped", [False, True])
def test_integer_blank_bscale_bzero(tmp_path: Path, gzipped: bool) -> None:
    raw = np.array([[1, 2, -32768], [4, 5, 6]], dtype=">i2")
    path = write_fits(tmp_path / "i.fits", raw, BLANK=-32768, BSCALE=0.5, BZERO=100.0)
    out = read_all(gzip_file(path) if gzipped else path)
    np.testing.assert_array_equal(out, [[100.5, 101.0, np.nan], [102.0, 102.5, 103.0]])


def test_windows_of_rows_match_the_whole_image(tmp_path: Path) -> None:
    data = band_data(50, 20, seed=3)
    band = open_band(BandInput("F814W", write_fits(tmp_path / "w.fits", data)))
    np.testing.assert_array_equal(band.read_rows(7, 19), data[7:19].astype(np.float32))
    np.testing.assert_array_equal(band.read_rows(49, 50), data[49:50].astype(np.float32))
    with pytest.raises(ValueError):
        band.read_rows(40, 51)


def drc_like(path: Path, photflam_in_sci: bool) -> Path:
    primary = fits.PrimaryHDU()
    primary.header["PHOTFLAM"] = 1.5e-19
    primary.header["FILTER1"], primary.header["FILTER2"] = "CLEAR1L", "F814W"
    primary.header["EXPTIME"] = 2000.0
    sci = fits.ImageHDU(band_data(20, 30), header=tan_header(30, 20), name="SCI")
    sci.header["BUNIT"] = "ELECTRONS/S"
    if photflam_in_sci:
        sci.header["PHOTFLAM"] = 2.5e-19
    wht = fits.ImageHDU(np.ones((20, 30), dtype=">f4"), name="WHT")
    fits.HDUList([primary, sci, wht]).writeto(path)
    return path


def test_sci_extension_is_found_and_metadata_comes_from_both_headers(tmp_path: Path) -> None:
    band = open_band(BandInput("galaxy", drc_like(tmp_path / "x_drc.fits", photflam_in_sci=False)))
    assert (band.hdu_index, band.extname, band.shape) == (1, "SCI", (20, 30))
    assert band.photflam == 1.5e-19 and band.exptime == 2000.0 and band.bunit == "ELECTRONS/S"
    assert band.header_filter == "F814W" and band.filter_name == "F814W"  # CLEAR1L skipped
    assert band.wcs is not None


def test_data_header_wins_over_primary(tmp_path: Path) -> None:
    band = open_band(BandInput("I", drc_like(tmp_path / "x_drc.fits", photflam_in_sci=True), hdu="sci"))
    assert band.photflam == 2.5e-19


def test_hdu_by_index_and_missing_names(tmp_path: Path) -> None:
    path = drc_like(tmp_path / "x_drc.fits", photflam_in_sci=False)
    assert open_band(BandInput("w", path, hdu=2)).extname == "WHT"
    with pytest.raises(FitsReadError, match=r"no HDU named 'ERR'.*0 PRIMARY \(no data\), 1 SCI \(2-D image 30x20\)"):
        open_band(BandInput("w", path, hdu="ERR"))
    with pytest.raises(FitsReadError, match="no HDU 7"):
        open_band(BandInput("w", path, hdu=7))
    with pytest.raises(FitsReadError, match="holds no 2-D image"):
        open_band(BandInput("w", path, hdu=0))


def test_cube_is_refused_unless_a_plane_is_chosen(tmp_path: Path) -> None:
    cube = np.stack([np.full((6, 8), float(k), dtype=">f4") for k in range(3)])
    path = write_fits(tmp_path / "cube.fits", cube)
    with pytest.raises(FitsReadError, match=r"3-D cube.*choose one of its planes.*0 PRIMARY \(3-D cube 8x6x3\)"):
        open_band(BandInput("c", path))
    with pytest.raises(FitsReadError, match="3-D cube .3 planes of 8x6.: choose one plane"):
        open_band(BandInput("c", path, hdu=0))
    np.testing.assert_array_equal(read_all(path, plane=2), np.full((6, 8), 2.0))
    with pytest.raises(FitsReadError, match="planes 0..2; plane 3 does not exist"):
        open_band(BandInput("c", path, plane=3))


def test_files_without_image_data_are_refused_naming_their_hdus(tmp_path: Path) -> None:
    table = fits.BinTableHDU.from_columns([fits.Column(name="x", format="E", array=np.arange(3.0))], name="CAT")
    path = tmp_path / "table.fits"
    fits.HDUList([fits.PrimaryHDU(), table]).writeto(path)
    with pytest.raises(FitsReadError, match=r"no 2-D image data. Its HDUs are: 0 PRIMARY \(no data\), 1 CAT \(table\)"):
        open_band(BandInput("t", path))


def test_garbage_missing_and_truncated_files_are_refused(tmp_path: Path) -> None:
    garbage = tmp_path / "garbage.fits"
    garbage.write_bytes(b"this is not a FITS file at all" * 200)
    with pytest.raises(FitsReadError, match="garbage.fits is not a readable FITS file"):
        open_band(BandInput("g", garbage))
    with pytest.raises(FitsReadError, match="file not found"):
        open_band(BandInput("g", tmp_path / "nowhere.fits"))
    whole = write_fits(tmp_path / "whole.fits", band_data(100, 100))
    cut = tmp_path / "cut.fits"
    cut.write_bytes(whole.read_bytes()[: 2880 * 3])
    with pytest.raises(FitsReadError, match="cut.fits is truncated"), pytest.warns(UserWarning, match="truncated"):
        open_band(BandInput("g", cut))


def test_sip_and_car_wcs_are_kept(tmp_path: Path) -> None:
    sip = open_band(BandInput("a", write_fits(tmp_path / "sip.fits", band_data(20, 20), sip_header(20, 20))))
    assert sip.wcs is not None and sip.wcs.sip is not None and sip.wcs.sip.a_order == 2
    car = open_band(BandInput("b", write_fits(tmp_path / "car.fits", band_data(20, 20), car_header(20, 20))))
    assert car.wcs is not None and car.wcs.wcs.ctype[0] == "GLON-CAR"
    plain = open_band(BandInput("c", write_fits(tmp_path / "plain.fits", band_data(20, 20))))
    assert plain.wcs is None and "no celestial WCS" in plain.warnings[0]


@pytest.mark.parametrize("name", ["", "F 814W", "2MASS", "a/b", "x+y", "../up"])
def test_unsafe_band_names_are_refused(tmp_path: Path, name: str) -> None:
    with pytest.raises(BandNameError, match="is not allowed"):
        open_band(BandInput(name, tmp_path / "any.fits"))


def test_real_hst_f105w_photflam_and_gzip() -> None:
    path = shared_file("images/hst_a2744_f105w/abell_2744_group_of_galaxies_f105w.fits.gz")
    band = open_band(BandInput("F105W", path))
    assert band.shape == (100, 100) and band.photflam == pytest.approx(3.0386574e-20)
    assert band.photplam == pytest.approx(10551.047) and band.exptime == pytest.approx(68952.384)
    assert band.bunit == "electron / s" and band.filter_name == "F105W" and band.wcs is not None
    assert np.isfinite(band.read_rows(0, 100)).all()


def test_real_sdss_exptime_string_and_filter_from_name() -> None:
    band = open_band(BandInput("r", shared_file("images/sdss_gri/reprojected_sdss_r.fits")))
    assert band.shape == (496, 682) and band.exptime == pytest.approx(53.907456)
    assert band.header_filter == "g"  # every SDSS header here says g ...
    assert band.filter_name == "r"  # ... the user-given name wins
    assert band.bunit == "nanomaggy" and band.photflam is None


def test_real_hsc_cube_plane() -> None:
    path = shared_file("images/cosmos_hst_hsc/Cut_HSC.fits")
    with pytest.raises(FitsReadError, match="3-D cube"):
        open_band(BandInput("HSC", path))
    band = open_band(BandInput("HSC_i", path, plane=2))
    assert band.shape == (50, 50) and band.wcs is not None
    assert np.array_equal(band.read_rows(0, 50), fits.getdata(path)[2].astype(np.float32), equal_nan=True)
