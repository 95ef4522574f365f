"""An image's WCS as crossmatch transforms (backend/services/images/wcs.py): FITS 0-based pixels, ICRS."""

from __future__ import annotations

import numpy as np
from astropy.io import fits
from astropy.wcs import WCS

from backend.db.tables import Image
from backend.services.images.wcs import image_wcs, pixel_transforms
from tests.backend.fits_factory import tan_header


def image(header: str | None) -> Image:
    return Image(name="x", width=300, height=200, folder="images/x", wcs_header=header, default_rendition="rgb")


def test_no_header_or_no_celestial_axes_is_a_pixel_only_image() -> None:
    assert image_wcs(image(None)) is None
    assert image_wcs(image("")) is None
    linear = fits.Header({"CTYPE1": "LINEAR", "CTYPE2": "LINEAR", "CRPIX1": 1.0, "CRPIX2": 1.0})
    assert image_wcs(image(linear.tostring())) is None
    assert image_wcs(image("this is not a FITS header")) is None


def test_transforms_are_0_based_and_invert_each_other() -> None:
    header = tan_header(300, 200, ra=150.1, dec=2.2)
    wcs = image_wcs(image(header.tostring()))
    assert wcs is not None and wcs.has_celestial
    to_pixels, to_sky = pixel_transforms(wcs)
    x, y = np.array([0.0, 149.5, 299.0]), np.array([0.0, 99.5, 199.0])
    ra, dec = to_sky(x, y)
    expected = WCS(header).all_pix2world(x, y, 0)  # astropy origin 0 = FITS 0-based
    np.testing.assert_allclose(ra, expected[0], atol=1e-10)
    np.testing.assert_allclose(dec, expected[1], atol=1e-10)
    np.testing.assert_allclose([ra[1], dec[1]], [150.1, 2.2], atol=1e-9)  # CRPIX 150.5 (1-based) is 149.5
    back_x, back_y = to_pixels(ra, dec)
    np.testing.assert_allclose(back_x, x, atol=1e-6)
    np.testing.assert_allclose(back_y, y, atol=1e-6)
    assert ra.dtype == np.float64 and back_x.dtype == np.float64
