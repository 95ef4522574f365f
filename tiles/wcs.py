"""Pixel <-> sky conversions of an image, built on astropy.wcs only, always answering in ICRS degrees.

Pixel coordinates are **FITS 0-based** (numpy / astropy ``origin=0``): the centre of the first pixel is
(0, 0), x is the column, y the row with y up as in DS9. (The FITS header's CRPIX is 1-based; astropy handles
that.) Distortions (SIP, lookup tables) are included: ``all_pix2world`` / ``all_world2pix``.

The sky side is ICRS (RA, Dec) in degrees whatever the image's own frame: a header in FK5, FK4, Galactic,
ecliptic or supergalactic coordinates is converted with ``SkyCoord``, so the map, the catalogues and the
exports all speak one frame. Ecliptic headers are taken as the barycentric mean ecliptic of their equinox
(J2000 unless EQUINOX says otherwise), since astropy's own mapping reads them as ICRS.

The app must work offline: astropy is told never to download IERS tables (none of these frame conversions
needs Earth-rotation data).
"""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np
from astropy import units as u
from astropy.coordinates import (
    ICRS,
    BarycentricMeanEcliptic,
    BaseCoordinateFrame,
    SkyCoord,
    Supergalactic,
)
from astropy.io import fits
from astropy.time import Time
from astropy.utils import iers
from astropy.utils.exceptions import AstropyWarning
from astropy.wcs import WCS
from astropy.wcs.utils import proj_plane_pixel_scales, wcs_to_celestial_frame

from tiles.errors import NoCelestialWcsError, TilesError

iers.conf.auto_download = False

WORLD2PIX_TOLERANCE = 1e-10
"""Pixels; the iterative SIP inversion stops here (astropy's default 1e-4 is too loose for round trips)."""


def _parse_header(header: str | fits.Header | None) -> fits.Header:
    if isinstance(header, fits.Header):
        return header
    if not header:
        raise NoCelestialWcsError("image has no celestial WCS: its FITS header has no WCS keywords")
    text = header.strip("\n")
    try:
        return fits.Header.fromstring(text, sep="\n" if "\n" in text else "")
    except Exception as error:  # astropy raises several types for malformed cards
        raise NoCelestialWcsError(f"image has no celestial WCS: the header cannot be parsed ({error})") from None


def load_wcs(header: str | fits.Header | None) -> WCS:
    """The celestial part of the header's WCS (two axes: longitude, latitude), SIP included.

    ``header`` is a FITS header as a string (80-character cards, as ``Header.tostring()``, or one card per
    line) or a ``fits.Header``; None or "" (nothing stored) is an image without WCS. Raises
    :class:`NoCelestialWcsError` when there is no celestial WCS or it is unusable.
    Astropy's warnings about non-standard cards are silenced: whether a usable WCS results is what counts.
    """
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", AstropyWarning)
        parsed = _parse_header(header)
        try:
            wcs = WCS(parsed, relax=True)
            celestial = wcs if wcs.naxis == 2 and wcs.is_celestial else wcs.celestial
        except Exception as error:  # astropy.wcs raises many types for inconsistent headers
            raise NoCelestialWcsError(
                f"image has no celestial WCS: the header's WCS cannot be read ({error})"
            ) from None
        ctypes = [parsed.get(f"CTYPE{i}") for i in (1, 2)]
    if not celestial.has_celestial or celestial.naxis != 2:
        raise NoCelestialWcsError(
            f"image has no celestial WCS: CTYPE1/CTYPE2 are {ctypes}; add RA---TAN/DEC--TAN (or another "
            "celestial projection) with CRVAL, CRPIX and CD or CDELT keywords to use sky coordinates"
        )
    _frame(celestial)  # fail early on an unsupported frame
    return celestial


def _frame(wcs: WCS) -> BaseCoordinateFrame:
    """The astropy frame of the WCS's celestial axes (ecliptic and supergalactic handled here)."""
    prefix = wcs.wcs.ctype[wcs.wcs.lng][:4]
    equinox = wcs.wcs.equinox
    if prefix == "ELON":
        return BarycentricMeanEcliptic(equinox=Time(2000.0 if np.isnan(equinox) else equinox, format="jyear"))
    if prefix == "SLON":
        return Supergalactic()
    frame = wcs_to_celestial_frame(wcs) if prefix in ("RA--", "GLON") else None
    if frame is None:
        raise NoCelestialWcsError(
            f"image has no celestial WCS: the frame of CTYPE {wcs.wcs.ctype[wcs.wcs.lng]!r} is not supported "
            "(use RA/DEC, GLON/GLAT, ELON/ELAT or SLON/SLAT)"
        )
    return frame


def _is_icrs(frame: BaseCoordinateFrame) -> bool:
    return isinstance(frame, ICRS)


def _shape_like(values: np.ndarray, template: Any) -> Any:
    return float(values[0]) if np.ndim(template) == 0 else values.reshape(np.shape(template))


def pix2world(wcs: WCS, x: Any, y: Any) -> tuple[Any, Any]:
    """ICRS (ra, dec) in degrees of FITS 0-based pixel positions (astropy origin 0), SIP included.

    Vectorised: scalars give floats, arrays give arrays of the same shape; RA is in [0, 360).
    """
    xs = np.asarray(x, dtype=np.float64).ravel()
    ys = np.asarray(y, dtype=np.float64).ravel()
    if xs.shape != ys.shape:
        raise TilesError(f"x has {xs.size} values but y has {ys.size}: give them in pairs")
    world = wcs.all_pix2world(np.column_stack([xs, ys]), 0)
    lon, lat = world[:, wcs.wcs.lng], world[:, wcs.wcs.lat]
    frame = _frame(wcs)
    if not _is_icrs(frame):
        sky = SkyCoord(lon * u.deg, lat * u.deg, frame=frame).icrs
        lon, lat = sky.ra.deg, sky.dec.deg
    return _shape_like(np.mod(lon, 360.0), x), _shape_like(np.asarray(lat, dtype=np.float64), y)


def world2pix(wcs: WCS, ra: Any, dec: Any) -> tuple[Any, Any]:
    """FITS 0-based pixel (x, y) (astropy origin 0) of ICRS (ra, dec) in degrees, SIP included.

    The inverse of :func:`pix2world` to 1e-6 pixel; positions the projection cannot reach give NaN.
    """
    ras = np.asarray(ra, dtype=np.float64).ravel()
    decs = np.asarray(dec, dtype=np.float64).ravel()
    if ras.shape != decs.shape:
        raise TilesError(f"ra has {ras.size} values but dec has {decs.size}: give them in pairs")
    frame = _frame(wcs)
    lon, lat = ras, decs
    if not _is_icrs(frame):
        sky = SkyCoord(ras * u.deg, decs * u.deg, frame="icrs").transform_to(frame)
        lon, lat = sky.spherical.lon.deg, sky.spherical.lat.deg
    world = np.empty((ras.size, 2))
    world[:, wcs.wcs.lng], world[:, wcs.wcs.lat] = lon, lat
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        pixels = wcs.all_world2pix(world, 0, tolerance=WORLD2PIX_TOLERANCE, maxiter=50, quiet=True)
    return _shape_like(pixels[:, 0], ra), _shape_like(pixels[:, 1], dec)


def _projection(ctype: str) -> str:
    """'RA---TAN-SIP' -> 'TAN' (FITS WCS paper II: 4-character axis name, '-', 3-letter code)."""
    return ctype[5:8].strip("-") or "linear"


def wcs_summary(wcs: WCS | None, shape: tuple[int, int]) -> dict[str, Any]:
    """What the UI shows about an image's WCS; ``shape`` is the numpy shape (ny, nx) of the image.

    ``rotation_deg`` is the position angle (East of North, ICRS) of the image's +y axis at its centre;
    ``east_left`` is True when East is to the left with y up (the usual sky parity, DS9's default view).
    ``corners`` are the outer pixel edges (FITS 0-based (-0.5, -0.5) ... (nx - 0.5, ny - 0.5)), in the order
    bottom-left, bottom-right, top-right, top-left, in ICRS degrees.
    """
    if wcs is None:
        return {"has_celestial": False}
    ny, nx = shape
    frame = _frame(wcs)
    scales = proj_plane_pixel_scales(wcs) * 3600.0  # degrees per pixel along x, y -> arcsec
    xc, yc = (nx - 1) / 2.0, (ny - 1) / 2.0
    ra, dec = pix2world(wcs, np.array([xc, xc, xc + 1.0]), np.array([yc, yc + 1.0, yc]))
    centre, up, right = SkyCoord(ra * u.deg, dec * u.deg, frame="icrs")
    pa_y, pa_x = centre.position_angle(up).deg, centre.position_angle(right).deg
    corner_ra, corner_dec = pix2world(
        wcs, np.array([-0.5, nx - 0.5, nx - 0.5, -0.5]), np.array([-0.5, -0.5, ny - 0.5, ny - 0.5])
    )
    return {
        "has_celestial": True,
        "frame": frame.name,
        "ctype": [str(c) for c in wcs.wcs.ctype],
        "projection": _projection(wcs.wcs.ctype[wcs.wcs.lng]),
        "sip": wcs.sip is not None,
        "pixel_scale_arcsec": {"x": float(scales[0]), "y": float(scales[1]), "mean": float(np.mean(scales))},
        "rotation_deg": float(pa_y % 360.0),
        "east_left": bool((pa_x - pa_y) % 360.0 > 180.0),
        "center": {"ra": float(ra[0]), "dec": float(dec[0])},
        "corners": [{"ra": float(r), "dec": float(d)} for r, d in zip(corner_ra, corner_dec, strict=True)],
    }
