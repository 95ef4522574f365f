"""WCS: agreement with astropy on real headers, SIP round trips, frame conversion to ICRS, summaries."""

from __future__ import annotations

import numpy as np
import pytest
from astropy import units as u
from astropy.coordinates import SkyCoord
from astropy.io import fits
from astropy.utils import iers
from astropy.wcs import WCS

from tests.conftest import shared_file
from tiles.errors import NoCelestialWcsError
from tiles.wcs import load_wcs, pix2world, wcs_summary, world2pix

pytestmark = pytest.mark.filterwarnings("ignore::astropy.wcs.FITSFixedWarning")  # the astropy references

REAL_HEADERS = [
    "images/sdss_gri/reprojected_sdss_g.fits",
    "images/hst_a2744_f105w/abell_2744_cd_galaxy_f105w.fits.gz",
    "images/cosmos_hst_hsc/Cut_HST.fits",
    "images/cosmos_hst_hsc/Cut_HSC.fits",  # a 5 x 50 x 50 cube: the celestial axes are taken
]


def _header(**cards: object) -> fits.Header:
    header = fits.Header()
    header.update({"NAXIS": 2, "NAXIS1": 200, "NAXIS2": 100, "CRPIX1": 100.5, "CRPIX2": 50.5})
    header.update(cards)
    return header


def _grid(nx: int, ny: int) -> tuple[np.ndarray, np.ndarray]:
    """Pixel positions over and a little beyond the image (0-based), including fractions."""
    return np.meshgrid(np.linspace(-20.3, nx + 20.7, 9), np.linspace(-15.1, ny + 12.9, 7))


@pytest.mark.parametrize("relative", REAL_HEADERS)
def test_real_headers_agree_with_astropy_and_round_trip(relative: str) -> None:
    header = fits.getheader(shared_file(relative))
    wcs = load_wcs(header.tostring())
    assert wcs.naxis == 2
    reference = WCS(header).celestial
    x, y = _grid(header["NAXIS1"], header["NAXIS2"])
    ra, dec = pix2world(wcs, x, y)
    expected = reference.pixel_to_world(x, y).icrs
    sep = SkyCoord(ra * u.deg, dec * u.deg).separation(expected).to(u.arcsec).value
    assert sep.max() < 1e-6
    back_x, back_y = world2pix(wcs, ra, dec)
    assert np.abs(back_x - x).max() < 1e-6 and np.abs(back_y - y).max() < 1e-6


def test_sdss_header_summary() -> None:
    header = fits.getheader(shared_file("images/sdss_gri/reprojected_sdss_g.fits"))
    ny, nx = header["NAXIS2"], header["NAXIS1"]
    summary = wcs_summary(load_wcs(header.tostring()), (ny, nx))
    assert summary["has_celestial"] and summary["frame"] == "icrs"  # RADECSYS = 'ICRS'
    assert summary["projection"] == "TAN" and summary["sip"] is False
    scale = np.hypot(header["CD1_1"], header["CD2_1"]) * 3600  # rotated CD matrix, ~1.19"/px
    assert summary["pixel_scale_arcsec"]["x"] == pytest.approx(scale, rel=1e-9)
    reference = WCS(header)
    centre, up = reference.pixel_to_world([(nx - 1) / 2] * 2, [(ny - 1) / 2, (ny - 1) / 2 + 1])
    assert summary["rotation_deg"] == pytest.approx(centre.position_angle(up).deg, abs=1e-6)
    assert summary["east_left"] is bool(np.linalg.det(reference.wcs.cd) < 0)  # det < 0: East left, y up
    assert summary["center"] == {"ra": pytest.approx(centre.ra.deg), "dec": pytest.approx(centre.dec.deg)}
    corner = reference.pixel_to_world(-0.5, -0.5)
    assert summary["corners"][0] == {"ra": pytest.approx(corner.ra.deg), "dec": pytest.approx(corner.dec.deg)}
    assert len(summary["corners"]) == 4


def test_sip_distortion_is_applied_and_inverted_to_1e_6_pixel() -> None:
    sip = {"A_ORDER": 2, "B_ORDER": 2, "A_2_0": 1e-4, "A_1_1": -1e-5, "B_0_2": 3e-5, "B_1_1": 1e-5}
    header = _header(
        CTYPE1="RA---TAN-SIP",
        CTYPE2="DEC--TAN-SIP",
        CRVAL1=150.1,
        CRVAL2=2.2,
        CD1_1=-1.1e-5,
        CD1_2=2e-6,
        CD2_1=2e-6,
        CD2_2=1.1e-5,
        **sip,
    )
    wcs = load_wcs(header)
    assert wcs.sip is not None and wcs_summary(wcs, (100, 200))["sip"] is True
    x, y = _grid(200, 100)
    ra, dec = pix2world(wcs, x, y)
    np.testing.assert_allclose(np.stack([ra, dec]), WCS(header).all_pix2world(x, y, 0), atol=1e-11)
    no_sip_ra, _ = WCS(_header(**{k: v for k, v in header.items() if k not in sip}), relax=True).wcs_pix2world(x, y, 0)
    assert np.abs(no_sip_ra - ra).max() * 3600 / 0.04 > 0.5  # the distortion moves corners by pixels
    back_x, back_y = world2pix(wcs, ra, dec)
    assert np.abs(back_x - x).max() < 1e-6 and np.abs(back_y - y).max() < 1e-6


def test_galactic_header_converts_to_icrs() -> None:
    header = _header(CTYPE1="GLON-TAN", CTYPE2="GLAT-TAN", CRVAL1=120.0, CRVAL2=-30.0, CDELT1=-1e-3, CDELT2=1e-3)
    wcs = load_wcs(header)
    x, y = _grid(200, 100)
    ra, dec = pix2world(wcs, x, y)
    lon, lat = WCS(header).all_pix2world(x, y, 0)
    expected = SkyCoord(lon * u.deg, lat * u.deg, frame="galactic").icrs
    np.testing.assert_allclose(ra, expected.ra.deg, atol=1e-10)
    np.testing.assert_allclose(dec, expected.dec.deg, atol=1e-10)
    back_x, back_y = world2pix(wcs, ra, dec)
    assert np.abs(back_x - x).max() < 1e-6 and np.abs(back_y - y).max() < 1e-6
    assert wcs_summary(wcs, (100, 200))["frame"] == "galactic"


def test_car_header_matches_astropy() -> None:
    header = _header(
        CTYPE1="RA---CAR", CTYPE2="DEC--CAR", RADESYS="ICRS", CRVAL1=359.9, CRVAL2=0.0, CDELT1=-0.01, CDELT2=0.01
    )
    wcs = load_wcs(header.tostring(sep="\n"))
    x, y = _grid(200, 100)
    ra, dec = pix2world(wcs, x, y)
    lon, lat = WCS(header).all_pix2world(x, y, 0)
    np.testing.assert_allclose(ra, np.mod(lon, 360), atol=1e-10)  # RA wraps into [0, 360)
    np.testing.assert_allclose(dec, lat, atol=1e-10)
    assert (ra >= 0).all() and (ra < 360).all() and ra.max() > 359 and ra.min() < 1
    assert wcs_summary(wcs, (100, 200))["projection"] == "CAR"


def test_fk4_and_ecliptic_headers_convert_offline() -> None:
    assert iers.conf.auto_download is False
    fk4 = load_wcs(
        _header(
            CTYPE1="RA---TAN",
            CTYPE2="DEC--TAN",
            RADESYS="FK4",
            EQUINOX=1950.0,
            CRVAL1=10.0,
            CRVAL2=40.0,
            CDELT1=-1e-3,
            CDELT2=1e-3,
        )
    )
    ra, dec = pix2world(fk4, 99.5, 49.5)  # the reference pixel (CRPIX is 1-based)
    expected = SkyCoord(10.0 * u.deg, 40.0 * u.deg, frame="fk4", equinox="B1950").icrs
    assert (ra, dec) == (pytest.approx(expected.ra.deg, abs=1e-9), pytest.approx(expected.dec.deg, abs=1e-9))
    ecl = load_wcs(_header(CTYPE1="ELON-TAN", CTYPE2="ELAT-TAN", CRVAL1=80.0, CRVAL2=10.0, CDELT1=-1e-3, CDELT2=1e-3))
    ra, dec = pix2world(ecl, 99.5, 49.5)
    expected = SkyCoord(80.0 * u.deg, 10.0 * u.deg, frame="barycentricmeanecliptic").icrs
    assert (ra, dec) == (pytest.approx(expected.ra.deg, abs=1e-9), pytest.approx(expected.dec.deg, abs=1e-9))
    assert world2pix(ecl, ra, dec) == (pytest.approx(99.5, abs=1e-6), pytest.approx(49.5, abs=1e-6))


def test_rotation_and_parity() -> None:
    theta = np.deg2rad(30.0)
    s = 1e-4
    cd = {
        "CD1_1": -s * np.cos(theta),
        "CD1_2": s * np.sin(theta),
        "CD2_1": s * np.sin(theta),
        "CD2_2": s * np.cos(theta),
    }
    rotated = load_wcs(_header(CTYPE1="RA---TAN", CTYPE2="DEC--TAN", CRVAL1=30.0, CRVAL2=10.0, **cd))
    summary = wcs_summary(rotated, (100, 200))
    ra0, dec0 = pix2world(rotated, 99.5, 49.5)
    ra1, dec1 = pix2world(rotated, 99.5, 59.5)
    pa = SkyCoord(ra0, dec0, unit="deg").position_angle(SkyCoord(ra1, dec1, unit="deg")).deg
    assert summary["rotation_deg"] == pytest.approx(pa, abs=0.01) and pa == pytest.approx(30.0, abs=0.1)
    assert summary["east_left"] is True
    mirrored = load_wcs(
        _header(CTYPE1="RA---TAN", CTYPE2="DEC--TAN", CRVAL1=30.0, CRVAL2=10.0, CDELT1=1e-4, CDELT2=1e-4)
    )
    assert wcs_summary(mirrored, (100, 200))["east_left"] is False


def test_headers_without_celestial_wcs_raise() -> None:
    psf = fits.getheader(shared_file("images/cosmos_hst_hsc/PSF_HST.fits"))
    with pytest.raises(NoCelestialWcsError, match="image has no celestial WCS"):
        load_wcs(psf.tostring())
    with pytest.raises(NoCelestialWcsError, match="image has no celestial WCS"):
        load_wcs(_header(CTYPE1="LINEAR", CTYPE2="LINEAR"))
    with pytest.raises(NoCelestialWcsError, match="image has no celestial WCS"):
        load_wcs("this is not a FITS header\nat all = = =")
    for nothing in (None, ""):
        with pytest.raises(NoCelestialWcsError, match="no WCS keywords"):
            load_wcs(nothing)
    assert wcs_summary(None, (10, 10)) == {"has_celestial": False}


def test_scalars_in_scalars_out_and_unreachable_points_are_nan() -> None:
    wcs = load_wcs(_header(CTYPE1="RA---TAN", CTYPE2="DEC--TAN", CRVAL1=30.0, CRVAL2=10.0, CDELT1=-1e-4, CDELT2=1e-4))
    ra, dec = pix2world(wcs, 3.0, 4.0)
    assert isinstance(ra, float) and isinstance(dec, float)
    x, y = world2pix(wcs, [ra, 210.0], [dec, -10.0])  # the second is on the far side of the sky
    assert x[0] == pytest.approx(3.0, abs=1e-6) and np.isnan(x[1]) and np.isnan(y[1])
